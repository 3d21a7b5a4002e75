// The gateway's route table: which service answers which /api/v1 prefix, and who
// may call it at the edge. Services check roles again themselves (defense in depth).
import type { Access, ServiceName } from '@ticketing/platform';

export interface RouteEntry {
  /** Path prefix matched at a segment boundary, e.g. `/api/v1/auth`. */
  prefix: string;
  service: ServiceName;
  access: Access;
}

export const DEFAULT_ROUTES: RouteEntry[] = [
  { prefix: '/api/v1/auth', service: 'user', access: 'public' },
  { prefix: '/api/v1/users', service: 'user', access: 'authenticated' },
];

export function matchRoute(table: RouteEntry[], path: string): RouteEntry | undefined {
  let best: RouteEntry | undefined;
  for (const entry of table) {
    const matches =
      path === entry.prefix || path.startsWith(`${entry.prefix}/`) || path.startsWith(`${entry.prefix}?`);
    if (matches && (!best || entry.prefix.length > best.prefix.length)) best = entry;
  }
  return best;
}
