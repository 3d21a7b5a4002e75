// React access to the signed-in session and the guard for pages that need one (or a role).
import type { ReactNode } from 'react';
import { useSyncExternalStore } from 'react';
import { Navigate, useLocation } from 'react-router';
import { sessionStore } from '../api/client';
import type { Session } from '../api/session';
import type { Role } from '../api/types';

export function useSession(): Session | null {
  return useSyncExternalStore(
    (listener) => sessionStore.subscribe(listener),
    () => sessionStore.get(),
  );
}

export function hasRole(session: Session | null, ...roles: Role[]): boolean {
  return Boolean(session?.user.roles.some((role) => roles.includes(role)));
}

/** Sends visitors to the login page (and back here after it); tells users without the role so. */
export function RequireAuth({ roles, children }: { roles?: Role[]; children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (!session)
    return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  if (roles && !hasRole(session, ...roles))
    return (
      <section className="page">
        <h1 className="page-title">Not for your account</h1>
        <p>This page is for {roles.map((role) => role.toLowerCase()).join(' or ')} accounts.</p>
      </section>
    );
  return <>{children}</>;
}
