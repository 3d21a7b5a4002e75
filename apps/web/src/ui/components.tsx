// Small building blocks every page uses: labelled fields with their error, alerts, loading
// and empty states, and page titles that move focus for screen-reader users.
import { type ReactNode, useEffect, useId, useRef } from 'react';
import { ApiProblem } from '../api/problem';

export function PageTitle({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    // A new page: its title is read first, as after a full page load.
    ref.current?.focus({ preventScroll: true });
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1} className="page-title">
      {children}
    </h1>
  );
}

interface FieldProps {
  label: string;
  error?: string | undefined;
  hint?: string;
  children: (props: {
    id: string;
    'aria-invalid': boolean;
    'aria-describedby': string | undefined;
  }) => ReactNode;
}

/** A label, the control, a hint and the server's message for this field, wired for screen readers. */
export function Field({ label, error, hint, children }: FieldProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': Boolean(error), 'aria-describedby': describedBy })}
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

export function Alert({
  kind = 'error',
  children,
}: {
  kind?: 'error' | 'info' | 'success';
  children: ReactNode;
}) {
  return (
    <div className={`alert alert-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

export function problemText(error: unknown): string {
  if (error instanceof ApiProblem) return error.message;
  return error instanceof Error ? error.message : String(error);
}

/** Loading, failure and empty states of a query, the same everywhere. */
export function QueryState({
  loading,
  error,
  empty,
  emptyText,
  retry,
  children,
}: {
  loading: boolean;
  error: unknown;
  empty?: boolean;
  emptyText?: ReactNode;
  retry?: () => void;
  children?: ReactNode;
}) {
  if (loading)
    return (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  if (error)
    return (
      <Alert>
        <p>{problemText(error)}</p>
        {retry && (
          <button type="button" className="button secondary" onClick={retry}>
            Try again
          </button>
        )}
      </Alert>
    );
  if (empty) return <p className="empty">{emptyText ?? 'Nothing here yet.'}</p>;
  return <>{children}</>;
}

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge badge-${status.toLowerCase()}`}>{status.replaceAll('_', ' ').toLowerCase()}</span>
  );
}
