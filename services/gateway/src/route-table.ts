// The route table: which service answers which /api path and method, who may call it at
// the edge, and which rate-limit class it counts against. Pure functions only: compiling,
// validating and matching. Services check roles again themselves (defense in depth).
import type { Role } from '@ticketing/platform';
import { Compile } from 'typebox/compile';
import { RATE_LIMIT_CLASSES } from './config.js';
import { InvalidRouteTableError } from './errors.js';
import {
  ROUTE_METHODS,
  type RouteRule,
  RouteRuleSchema,
  type RouteTableBody,
  type Upstreams,
  UpstreamsSchema,
} from './schema.js';

export type { RouteRule, Upstreams };
export type RouteMethod = (typeof ROUTE_METHODS)[number];

const ORGANIZERS = { roles: ['ORGANIZER', 'ADMIN'] as Role[] };
const STAFF = { roles: ['STAFF', 'ADMIN'] as Role[] };
const ADMINS = { roles: ['ADMIN'] as Role[] };

/**
 * The public API of docs/architecture.md. Browsing (events, seat maps, availability) and
 * login/register/refresh are public; everything else needs a signed-in user.
 */
export const DEFAULT_ROUTES: RouteRule[] = [
  // user service: accounts and sessions
  { path: '/api/v1/auth/login', methods: ['POST'], service: 'user', access: 'public', rateLimit: 'auth' },
  { path: '/api/v1/auth/register', methods: ['POST'], service: 'user', access: 'public', rateLimit: 'auth' },
  { path: '/api/v1/auth/refresh', methods: ['POST'], service: 'user', access: 'public', rateLimit: 'auth' },
  { path: '/api/v1/auth/logout', methods: ['POST'], service: 'user', access: 'public' },
  { path: '/api/v1/auth/*', service: 'user', access: 'public', rateLimit: 'auth' },
  { path: '/api/v1/users/me', service: 'user', access: 'authenticated' },
  { path: '/api/v1/users/me/*', service: 'user', access: 'authenticated' },
  { path: '/api/v1/users/*', service: 'user', access: ADMINS },
  // event service: the catalogue and its organizers' tools
  { path: '/api/v1/events', methods: ['GET'], service: 'event', access: 'public', rateLimit: 'browse' },
  { path: '/api/v1/events', methods: ['POST'], service: 'event', access: ORGANIZERS },
  { path: '/api/v1/events/:id', methods: ['GET'], service: 'event', access: 'public', rateLimit: 'browse' },
  { path: '/api/v1/events/:id', methods: ['PATCH', 'PUT', 'DELETE'], service: 'event', access: ORGANIZERS },
  { path: '/api/v1/events/:id/publish', methods: ['POST'], service: 'event', access: ORGANIZERS },
  { path: '/api/v1/events/:id/cancel', methods: ['POST'], service: 'event', access: ORGANIZERS },
  { path: '/api/v1/events/*', service: 'event', access: ORGANIZERS },
  // ticket service: inventory, live availability, holds, the waiting room, check-in
  {
    path: '/api/v1/events/:id/seats',
    methods: ['GET'],
    service: 'ticket',
    access: 'public',
    rateLimit: 'browse',
  },
  {
    path: '/api/v1/events/:id/availability/stream',
    methods: ['GET'],
    service: 'ticket',
    access: 'public',
    rateLimit: 'browse',
    streaming: true,
  },
  {
    path: '/api/v1/events/:id/waiting-room',
    methods: ['GET'],
    service: 'ticket',
    access: 'public',
    rateLimit: 'browse',
  },
  // An admin switches a room off (or on) during a running sale.
  { path: '/api/v1/events/:id/waiting-room', methods: ['PUT'], service: 'ticket', access: ADMINS },
  {
    path: '/api/v1/events/:id/queue/challenge',
    methods: ['GET'],
    service: 'ticket',
    access: 'authenticated',
    rateLimit: 'queue-join',
  },
  {
    path: '/api/v1/events/:id/queue',
    methods: ['POST'],
    service: 'ticket',
    access: 'authenticated',
    rateLimit: 'queue-join',
  },
  {
    path: '/api/v1/queue/:id/stream',
    methods: ['GET'],
    service: 'ticket',
    access: 'authenticated',
    rateLimit: 'queue-poll',
    streaming: true,
  },
  {
    path: '/api/v1/queue/:id',
    methods: ['GET'],
    service: 'ticket',
    access: 'authenticated',
    rateLimit: 'queue-poll',
  },
  { path: '/api/v1/queue/*', service: 'ticket', access: 'authenticated' },
  { path: '/api/v1/holds/*', service: 'ticket', access: 'authenticated', rateLimit: 'holds' },
  { path: '/api/v1/tickets/purchase-blocks', methods: ['GET'], service: 'ticket', access: ADMINS },
  { path: '/api/v1/tickets/purchase-blocks/lift', methods: ['POST'], service: 'ticket', access: ADMINS },
  { path: '/api/v1/tickets/*', service: 'ticket', access: 'authenticated' },
  { path: '/api/v1/checkin/public-key', methods: ['GET'], service: 'ticket', access: 'public' },
  // Organizers choose who works their doors (admins for any organizer).
  { path: '/api/v1/checkin/staff', service: 'ticket', access: ORGANIZERS },
  { path: '/api/v1/checkin/staff/*', service: 'ticket', access: ORGANIZERS },
  { path: '/api/v1/checkin/*', service: 'ticket', access: STAFF },
  // order service: purchases and their history
  {
    path: '/api/v1/orders',
    methods: ['POST'],
    service: 'order',
    access: 'authenticated',
    rateLimit: 'orders',
  },
  // purchase caps of an on-sale: refused IP ranges (order) and cards (payment), and lifting them
  { path: '/api/v1/orders/purchase-blocks', methods: ['GET'], service: 'order', access: ADMINS },
  { path: '/api/v1/orders/purchase-blocks/lift', methods: ['POST'], service: 'order', access: ADMINS },
  { path: '/api/v1/orders/*', service: 'order', access: 'authenticated' },
  // payment service: the Stripe webhook (verified by its signature) and admin views
  { path: '/api/v1/payments/webhooks/stripe', methods: ['POST'], service: 'payment', access: 'public' },
  { path: '/api/v1/payments/config', methods: ['GET'], service: 'payment', access: 'public' },
  { path: '/api/v1/payments/purchase-blocks', methods: ['GET'], service: 'payment', access: ADMINS },
  { path: '/api/v1/payments/purchase-blocks/lift', methods: ['POST'], service: 'payment', access: ADMINS },
  { path: '/api/v1/payments', service: 'payment', access: ADMINS },
  { path: '/api/v1/payments/*', service: 'payment', access: ADMINS },
  // notification service
  { path: '/api/v1/notifications/*', service: 'notification', access: 'authenticated' },
];

/** Paths the gateway answers itself, and the services' internal API; a route table may not route them. */
export const RESERVED_PATHS = ['/api/v1/gateway', '/api/docs', '/api/openapi.json', '/api/v1/internal'];

type Segment = { kind: 'literal'; value: string } | { kind: 'param' } | { kind: 'rest' };

export interface CompiledRoute {
  rule: RouteRule;
  segments: Segment[];
  methods: ReadonlySet<string> | undefined;
}

export type RouteLookup =
  | { kind: 'found'; rule: RouteRule }
  | { kind: 'method_not_allowed'; allowed: string[] }
  | { kind: 'not_found' }
  | { kind: 'bad_path' };

const PARAM = /^:[A-Za-z_][A-Za-z0-9_]*$/;
const LITERAL = /^[A-Za-z0-9._~!$&'()+,;=@-]+$/;

function parsePattern(path: string): Segment[] | string {
  if (!path.startsWith('/api/')) return 'must start with /api/';
  if (RESERVED_PATHS.some((reserved) => path === reserved || path.startsWith(`${reserved}/`)))
    return `must not be under ${RESERVED_PATHS.join(', ')} (the gateway's own API and the services' internal one)`;
  const parts = path.slice(1).split('/');
  const segments: Segment[] = [];
  for (const [index, part] of parts.entries()) {
    if (part === '*') {
      if (index !== parts.length - 1) return 'may use * only as its last segment';
      segments.push({ kind: 'rest' });
    } else if (part.startsWith(':')) {
      if (!PARAM.test(part)) return `has an invalid parameter "${part}"`;
      segments.push({ kind: 'param' });
    } else {
      if (part === '' || part === '.' || part === '..' || !LITERAL.test(part))
        return `has an invalid segment "${part}"`;
      segments.push({ kind: 'literal', value: part });
    }
  }
  return segments;
}

export function compileRoutes(routes: RouteRule[]): CompiledRoute[] {
  return routes.map((rule) => {
    const segments = parsePattern(rule.path);
    if (typeof segments === 'string') throw new Error(`route ${rule.path} ${segments}`);
    return { rule, segments, methods: rule.methods && new Set(rule.methods) };
  });
}

/** Splits a request path into decoded segments; undefined for a path that must not be routed. */
function splitPath(url: string): string[] | undefined {
  const queryAt = url.indexOf('?');
  let path = queryAt === -1 ? url : url.slice(0, queryAt);
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  const segments: string[] = [];
  for (const raw of path.slice(1).split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    // An encoded slash or a dot segment could make the service see another path than the one authorized here.
    if (segment === '' || segment === '.' || segment === '..' || segment.includes('/')) return undefined;
    segments.push(segment);
  }
  return segments;
}

/**
 * How well a route matches: one rank per position, literal (3) over parameter (2) over
 * the rest wildcard (1); a pattern that ends exactly where the path ends ranks 4 there.
 */
function matchRanks(route: CompiledRoute, path: string[]): number[] | undefined {
  const ranks: number[] = [];
  for (let index = 0; index <= path.length; index++) {
    const segment = route.segments[index];
    if (index === path.length) {
      if (segment === undefined) ranks.push(4);
      else if (segment.kind === 'rest') ranks.push(1);
      else return undefined;
      return ranks;
    }
    if (segment === undefined) return undefined;
    if (segment.kind === 'rest') {
      ranks.push(1);
      return ranks;
    }
    if (segment.kind === 'literal' && segment.value !== path[index]) return undefined;
    ranks.push(segment.kind === 'literal' ? 3 : 2);
  }
  return ranks;
}

function compareRanks(a: number[], b: number[]): number {
  for (let index = 0; index < Math.max(a.length, b.length); index++) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** The most specific route for the path that allows the method (HEAD is served by GET routes). */
export function lookupRoute(routes: CompiledRoute[], method: string, url: string): RouteLookup {
  const path = splitPath(url);
  if (!path) return { kind: 'bad_path' };
  const wanted = method === 'HEAD' ? ['HEAD', 'GET'] : [method];
  let best: { route: CompiledRoute; ranks: number[] } | undefined;
  const allowed = new Set<string>();
  let pathMatched = false;
  for (const route of routes) {
    const ranks = matchRanks(route, path);
    if (!ranks) continue;
    pathMatched = true;
    for (const allowedMethod of route.methods ?? ROUTE_METHODS) allowed.add(allowedMethod);
    if (route.methods && !wanted.some((candidate) => route.methods!.has(candidate))) continue;
    if (!best || compareRanks(ranks, best.ranks) > 0) best = { route, ranks };
  }
  if (best) return { kind: 'found', rule: best.route.rule };
  if (pathMatched) {
    if (allowed.has('GET')) allowed.add('HEAD');
    return { kind: 'method_not_allowed', allowed: ROUTE_METHODS.filter((name) => allowed.has(name)) };
  }
  return { kind: 'not_found' };
}

const ruleChecker = Compile(RouteRuleSchema);
const upstreamsChecker = Compile(UpstreamsSchema);

/** The first schema error as `field` and a sentence about it. */
function firstSchemaError(
  checker: typeof ruleChecker | typeof upstreamsChecker,
  value: unknown,
  base: string,
): InvalidRouteTableError {
  const first = [...checker.Errors(value)][0];
  const path = `${base}${(first?.instancePath ?? '').replaceAll('/', '.')}`;
  const params = (first?.params ?? {}) as { requiredProperties?: string[] };
  if (first?.keyword === 'required') {
    const field = `${path}.${params.requiredProperties?.[0] ?? ''}`;
    return new InvalidRouteTableError(field, `${field} is required`);
  }
  if (first?.keyword === 'boolean' || first?.keyword === 'additionalProperties')
    return new InvalidRouteTableError(path, `${path} is not an accepted field`);
  if (first?.keyword === 'const' || first?.keyword === 'anyOf' || first?.keyword === 'enum')
    return new InvalidRouteTableError(path, `${path} is not one of the accepted values`);
  return new InvalidRouteTableError(path, `${path} ${first?.message ?? 'is invalid'}`);
}

/**
 * Checks a whole table before it may replace the one in force; throws InvalidRouteTableError
 * naming the first bad field (`routes.3.path`).
 */
export function validateRouteTable(table: Pick<RouteTableBody, 'routes' | 'upstreams'>): void {
  if (!Array.isArray(table.routes) || table.routes.length === 0)
    throw new InvalidRouteTableError('routes', 'routes must list at least one route');
  const seen = new Map<string, Set<string>>();
  for (const [index, rule] of table.routes.entries()) {
    const field = `routes.${index}`;
    if (!ruleChecker.Check(rule)) throw firstSchemaError(ruleChecker, rule, field);
    const segments = parsePattern(rule.path);
    if (typeof segments === 'string')
      throw new InvalidRouteTableError(`${field}.path`, `${rule.path} ${segments}`);
    if (rule.rateLimit !== undefined && !RATE_LIMIT_CLASSES.includes(rule.rateLimit))
      throw new InvalidRouteTableError(`${field}.rateLimit`, `unknown rate-limit class ${rule.rateLimit}`);
    // Two rules for the same pattern and method would make the answer depend on their order.
    const shape = segments
      .map((segment) => (segment.kind === 'literal' ? segment.value : segment.kind))
      .join('/');
    const methods = seen.get(shape) ?? new Set<string>();
    for (const method of rule.methods ?? ['*']) {
      if (methods.has(method) || methods.has('*') || (method === '*' && methods.size > 0)) {
        throw new InvalidRouteTableError(
          `${field}.path`,
          `${rule.path} overlaps an earlier route with the same pattern and method ${method === '*' ? '' : method}`.trim(),
        );
      }
      methods.add(method);
    }
    seen.set(shape, methods);
  }
  if (table.upstreams !== undefined) {
    if (!upstreamsChecker.Check(table.upstreams))
      throw firstSchemaError(upstreamsChecker, table.upstreams, 'upstreams');
    for (const [service, urls] of Object.entries(table.upstreams)) {
      for (const [index, url] of (urls ?? []).entries()) {
        let parsed: URL | undefined;
        try {
          parsed = new URL(url);
        } catch {
          parsed = undefined;
        }
        if (
          !parsed ||
          !['http:', 'https:'].includes(parsed.protocol) ||
          parsed.pathname !== '/' ||
          parsed.search
        )
          throw new InvalidRouteTableError(
            `upstreams.${service}.${index}`,
            `upstreams.${service}.${index} must be a base URL like http://10.0.0.5:8083`,
          );
      }
    }
  }
}
