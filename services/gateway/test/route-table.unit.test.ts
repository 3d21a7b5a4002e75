// The route table's rules on their own: which route wins, and which tables are refused.
import { describe, expect, it } from 'vitest';
import { compileRoutes, DEFAULT_ROUTES, lookupRoute, validateRouteTable } from '../src/route-table.js';
import type { RouteRule } from '../src/schema.js';

const table = compileRoutes(DEFAULT_ROUTES);
const routeOf = (method: string, url: string) => {
  const found = lookupRoute(table, method, url);
  return found.kind === 'found' ? `${found.rule.service} ${JSON.stringify(found.rule.access)}` : found.kind;
};

describe('looking up a request', () => {
  it('sends each route of the public API to its service with its access rule', () => {
    expect(routeOf('POST', '/api/v1/auth/login')).toBe('user "public"');
    expect(routeOf('GET', '/api/v1/users/me')).toBe('user "authenticated"');
    expect(routeOf('GET', '/api/v1/users')).toBe('user {"roles":["ADMIN"]}');
    expect(routeOf('PUT', '/api/v1/users/0190/roles')).toBe('user {"roles":["ADMIN"]}');
    expect(routeOf('GET', '/api/v1/events?q=jazz&cursor=abc')).toBe('event "public"');
    expect(routeOf('HEAD', '/api/v1/events')).toBe('event "public"');
    expect(routeOf('POST', '/api/v1/events')).toBe('event {"roles":["ORGANIZER","ADMIN"]}');
    expect(routeOf('GET', '/api/v1/events/0190')).toBe('event "public"');
    expect(routeOf('PATCH', '/api/v1/events/0190')).toBe('event {"roles":["ORGANIZER","ADMIN"]}');
    expect(routeOf('POST', '/api/v1/events/0190/publish')).toBe('event {"roles":["ORGANIZER","ADMIN"]}');
    expect(routeOf('GET', '/api/v1/events/0190/analytics')).toBe('event {"roles":["ORGANIZER","ADMIN"]}');
    expect(routeOf('GET', '/api/v1/events/0190/seats')).toBe('ticket "public"');
    expect(routeOf('GET', '/api/v1/events/0190/availability/stream')).toBe('ticket "public"');
    expect(routeOf('POST', '/api/v1/events/0190/queue')).toBe('ticket "authenticated"');
    expect(routeOf('GET', '/api/v1/queue/0190')).toBe('ticket "authenticated"');
    expect(routeOf('GET', '/api/v1/queue/0190/stream')).toBe('ticket "authenticated"');
    expect(routeOf('GET', '/api/v1/events/0190/queue/challenge')).toBe('ticket "authenticated"');
    expect(routeOf('GET', '/api/v1/events/0190/waiting-room')).toBe('ticket "public"');
    expect(routeOf('POST', '/api/v1/holds')).toBe('ticket "authenticated"');
    expect(routeOf('DELETE', '/api/v1/holds/0190')).toBe('ticket "authenticated"');
    expect(routeOf('POST', '/api/v1/orders')).toBe('order "authenticated"');
    expect(routeOf('POST', '/api/v1/orders/0190/cancel')).toBe('order "authenticated"');
    expect(routeOf('PUT', '/api/v1/notifications/preferences')).toBe('notification "authenticated"');
    expect(routeOf('POST', '/api/v1/checkin')).toBe('ticket {"roles":["STAFF","ADMIN"]}');
    expect(routeOf('GET', '/api/v1/checkin/public-key')).toBe('ticket "public"');
    expect(routeOf('GET', '/api/v1/checkin/staff')).toBe('ticket {"roles":["ORGANIZER","ADMIN"]}');
    expect(routeOf('PUT', '/api/v1/checkin/staff/0190')).toBe('ticket {"roles":["ORGANIZER","ADMIN"]}');
    expect(routeOf('DELETE', '/api/v1/checkin/staff/0190')).toBe('ticket {"roles":["ORGANIZER","ADMIN"]}');
    expect(routeOf('GET', '/api/v1/tickets/0190/qr.svg')).toBe('ticket "authenticated"');
    // The services' internal API is never reachable from outside.
    expect(routeOf('GET', '/api/v1/internal/availability')).toBe('not_found');
  });

  it('prefers a literal segment over a parameter, and a parameter over the rest wildcard', () => {
    const routes = compileRoutes([
      { path: '/api/v1/things/*', service: 'event', access: 'authenticated' },
      { path: '/api/v1/things/:id', service: 'ticket', access: 'authenticated' },
      { path: '/api/v1/things/mine', service: 'order', access: 'authenticated' },
      { path: '/api/v1/things', methods: ['GET'], service: 'user', access: 'public' },
    ]);
    const service = (url: string, method = 'GET') => {
      const found = lookupRoute(routes, method, url);
      return found.kind === 'found' ? found.rule.service : found.kind;
    };
    expect(service('/api/v1/things/mine')).toBe('order');
    expect(service('/api/v1/things/42')).toBe('ticket');
    expect(service('/api/v1/things/42/parts')).toBe('event');
    expect(service('/api/v1/things')).toBe('user');
    expect(service('/api/v1/things', 'POST')).toBe('event'); // the wildcard also covers its own prefix
    expect(service('/api/v1/other')).toBe('not_found');
  });

  it('says which methods a path allows when none of its routes takes this one', () => {
    const routes = compileRoutes([
      { path: '/api/v1/reports', methods: ['GET', 'POST'], service: 'event', access: 'public' },
    ]);
    expect(lookupRoute(routes, 'DELETE', '/api/v1/reports')).toEqual({
      kind: 'method_not_allowed',
      allowed: ['GET', 'HEAD', 'POST'],
    });
  });

  it('refuses paths a service could read differently from the gateway', () => {
    for (const url of [
      '/api/v1/events/a%2Fb/seats',
      '/api/v1/events/../users',
      '/api/v1/events/%2e/seats',
      '/api/v1//events',
      '/api/v1/events/%zz',
    ]) {
      expect(lookupRoute(table, 'GET', url).kind, url).toBe('bad_path');
    }
  });
});

describe('validating a table', () => {
  const refused = (routes: unknown[], upstreams?: unknown) => {
    try {
      validateRouteTable({ routes: routes as RouteRule[], upstreams: upstreams as never });
      return undefined;
    } catch (error) {
      return (error as { extras: { field?: string } }).extras.field;
    }
  };

  it('accepts the defaults', () => {
    expect(refused(DEFAULT_ROUTES)).toBeUndefined();
  });

  it('names the first field that is wrong', () => {
    expect(refused([])).toBe('routes');
    expect(refused([{ path: '/api/v1/x', service: 'event' }])).toBe('routes.0.access');
    expect(refused([{ path: '/api/v1/x', service: 'gateway', access: 'public' }])).toBe('routes.0.service');
    expect(refused([{ path: '/api/v1/x', service: 'event', access: 'public', methods: ['BREW'] }])).toBe(
      'routes.0.methods.0',
    );
    expect(refused([{ path: '/api/v1/x', service: 'event', access: 'public', rateLimit: 'generous' }])).toBe(
      'routes.0.rateLimit',
    );
    expect(refused([{ path: '/api/v1/x/:', service: 'event', access: 'public' }])).toBe('routes.0.path');
    expect(refused([{ path: '/api/docs/x', service: 'event', access: 'public' }])).toBe('routes.0.path');
    expect(refused([{ path: '/api/v1/internal/*', service: 'ticket', access: 'public' }])).toBe(
      'routes.0.path',
    );
    expect(
      refused([{ path: '/api/v1/x', service: 'event', access: 'public' }], {
        event: ['http://10.0.0.5:8082/api'],
      }),
    ).toBe('upstreams.event.0');
    expect(
      refused([{ path: '/api/v1/x', service: 'event', access: 'public' }], {
        warehouse: ['http://10.0.0.5'],
      }),
    ).toBe('upstreams.warehouse');
  });

  it('refuses two routes for the same pattern and method, whose order would decide', () => {
    expect(
      refused([
        { path: '/api/v1/x/:id', methods: ['GET'], service: 'event', access: 'public' },
        { path: '/api/v1/x/:key', service: 'ticket', access: 'public' },
      ]),
    ).toBe('routes.1.path');
    expect(
      refused([
        { path: '/api/v1/x/:id', methods: ['GET'], service: 'event', access: 'public' },
        { path: '/api/v1/x/:id', methods: ['POST'], service: 'ticket', access: 'public' },
      ]),
    ).toBeUndefined();
  });
});
