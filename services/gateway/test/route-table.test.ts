// Stories of the route table an admin changes at run time: it is validated before it replaces
// the table in force, stored as a new version, and picked up by every gateway instance.
import { MemoryCacheStore, type ServiceContext } from '@ticketing/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { startTestPlatform, type TestPlatform } from '../../../tools/test/platform.js';
import { buildGateway } from '../src/app.js';
import { DEFAULT_ROUTES } from '../src/route-table.js';
import {
  expectProblem,
  INTERNAL_TOKEN_SECRET,
  loginAsAdmin,
  registerAndLogin,
  startUpstreams,
  type TestUpstream,
} from './support.js';

let t: TestPlatform;
let events: TestUpstream[];
let tickets: TestUpstream[];
let adminToken: string;

beforeAll(async () => {
  events = await startUpstreams('event', ['event-a']);
  tickets = await startUpstreams('ticket', ['ticket-a', 'ticket-b']);
  t = await startTestPlatform({
    services: ['user', 'gateway'],
    env: {
      INTERNAL_TOKEN_SECRET,
      EVENT_SERVICE_URL: events[0]!.url,
      TICKET_SERVICE_URL: tickets[0]!.url,
      // The second ticket instance is not configured: the table may name it because it is allowed.
      GATEWAY_UPSTREAM_ALLOW_LIST: tickets[1]!.url,
      GATEWAY_HEALTH_CHECK_INTERVAL_MS: '200',
    },
  });
  adminToken = (await loginAsAdmin(t.gatewayUrl)).accessToken;
});
afterAll(async () => {
  await t?.stop();
  await Promise.all([...events, ...tickets].map((upstream) => upstream.kill()));
});

const readTable = () => call(t.gatewayUrl, 'GET', '/api/v1/gateway/routes', { token: adminToken });
const putTable = (body: unknown, token = adminToken) =>
  call(t.gatewayUrl, 'PUT', '/api/v1/gateway/routes', { token, body });

/** The defaults with the public event listing sent to the ticket service's instances instead. */
function listingMovedToTickets(extra: Record<string, unknown> = {}) {
  return {
    routes: DEFAULT_ROUTES.map((route) =>
      route.path === '/api/v1/events' && route.methods?.includes('GET')
        ? { ...route, service: 'ticket' }
        : route,
    ),
    ...extra,
  };
}

describe('the route table', () => {
  it('starts as the public API of the architecture, readable by admins only', async () => {
    const table = await readTable();
    expect(table.status).toBe(200);
    expect(table.body.origin).toBe('defaults');
    expect(table.body.routes).toEqual(DEFAULT_ROUTES);
    expectProblem(await call(t.gatewayUrl, 'GET', '/api/v1/gateway/routes'), 401, 'unauthorized');
    const { tokens } = await registerAndLogin(t.gatewayUrl);
    expectProblem(
      await call(t.gatewayUrl, 'GET', '/api/v1/gateway/routes', { token: tokens.accessToken }),
      403,
      'forbidden',
    );
    expectProblem(await putTable(listingMovedToTickets(), tokens.accessToken), 403, 'forbidden');
  });

  it('keeps the table in force when an update is bad, and says what is wrong', async () => {
    const before = await readTable();
    const bad = [
      { routes: [] },
      { routes: [{ path: '/events', service: 'event', access: 'public' }] },
      { routes: [{ path: '/api/v1/events', service: 'warehouse', access: 'public' }] },
      { routes: [{ path: '/api/v1/events/*/seats', service: 'event', access: 'public' }] },
      { routes: [{ path: '/api/v1/gateway/routes', service: 'user', access: 'public' }] },
      { routes: [{ path: '/api/v1/events', service: 'event', access: { roles: ['EMPEROR'] } }] },
      {
        routes: [
          { path: '/api/v1/events', service: 'event', access: 'public' },
          { path: '/api/v1/events', methods: ['GET'], service: 'ticket', access: 'public' },
        ],
      },
      listingMovedToTickets({ upstreams: { ticket: ['ftp://10.0.0.1'] } }),
      listingMovedToTickets({ surprise: true }),
    ];
    for (const body of bad) {
      const answer = await putTable(body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.code).toMatch(/^(invalid_route_table|validation_failed)$/);
      expect(answer.body.field, JSON.stringify(answer.body)).toBeTruthy();
    }
    const after = await readTable();
    expect(after.body.version).toBe(before.body.version);
    expect((await call(t.gatewayUrl, 'GET', '/api/v1/events')).body.service).toBe('event');
  });

  it('replaces the table without a restart, instances included, and keeps every version', async () => {
    const before = await readTable();
    const changed = await putTable(
      listingMovedToTickets({
        upstreams: { ticket: tickets.map((upstream) => upstream.url) },
        expectedVersion: before.body.version,
      }),
    );
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({ version: before.body.version + 1, origin: 'admin' });
    const served = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const answer = await call(t.gatewayUrl, 'GET', '/api/v1/events');
      expect(answer.body.service).toBe('ticket');
      served.add(answer.body.instance);
    }
    // The table's instance list took the place of TICKET_SERVICE_URL.
    expect(served).toEqual(new Set(['ticket-a', 'ticket-b']));

    const stale = await putTable(listingMovedToTickets({ expectedVersion: before.body.version }));
    expectProblem(stale, 409, 'route_table_conflict');

    const { rows } = await t.platform.services
      .get('gateway')!
      .db.pool.query('SELECT version, origin FROM gateway.route_tables ORDER BY version');
    expect(rows.map((row) => Number(row.version))).toEqual(
      [1, 2].map((offset) => before.body.version + offset - 1),
    );
  });

  it('sends no request to an instance that is neither configured nor allowed, and names the field', async () => {
    const before = await readTable();
    for (const [service, url] of [
      ['ticket', 'http://169.254.169.254'],
      ['ticket', 'https://attacker.example.com'],
      // A configured instance of another service is not one of this service's.
      ['ticket', events[0]!.url],
      ['event', tickets[1]!.url.replace('127.0.0.1', 'localhost')],
    ] as const) {
      const answer = await putTable(
        listingMovedToTickets({
          upstreams: { [service]: [(service === 'ticket' ? tickets : events)[0]!.url, url] },
        }),
      );
      expectProblem(answer, 400, 'invalid_route_table');
      expect(answer.body.field).toBe(`upstreams.${service}.1`);
      expect(answer.body.detail).toContain('GATEWAY_UPSTREAM_ALLOW_LIST');
    }
    expect((await readTable()).body.version).toBe(before.body.version);
  });

  it('answers 405 with Allow when the table routes a path for other methods only', async () => {
    const current = await readTable();
    const narrowed = await putTable({
      routes: [
        ...current.body.routes,
        { path: '/api/v1/reports', methods: ['GET'], service: 'event', access: 'public' },
      ],
      upstreams: current.body.upstreams,
    });
    expect(narrowed.status, JSON.stringify(narrowed.body)).toBe(200);
    const wrong = await call(t.gatewayUrl, 'DELETE', '/api/v1/reports');
    expectProblem(wrong, 405, 'method_not_allowed');
    expect(wrong.headers.allow).toBe('GET, HEAD');
  });

  it('reaches every gateway instance: another one picks the change up from the database', async () => {
    const running = t.platform.services.get('gateway')!;
    // Its own in-memory cache store: no pub/sub from the first instance, only the version poll.
    const context: ServiceContext = {
      ...running.context,
      cache: new MemoryCacheStore(),
      env: { ...running.context.env, GATEWAY_ROUTE_TABLE_POLL_MS: '100' },
    };
    const second = await buildGateway(context);
    await second.app.listen({ port: 0, host: '127.0.0.1' });
    await second.startWorkers?.();
    const address = second.app.server.address();
    const secondUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    try {
      expect((await call(secondUrl, 'GET', '/api/v1/events')).body.service).toBe('ticket');
      const reset = await call(t.gatewayUrl, 'POST', '/api/v1/gateway/routes/reset', { token: adminToken });
      expect(reset.status).toBe(200);
      expect(reset.body.origin).toBe('defaults');
      await expect
        .poll(async () => (await call(secondUrl, 'GET', '/api/v1/events')).body.service, {
          timeout: 5_000,
          interval: 50,
        })
        .toBe('event');
      expect((await call(t.gatewayUrl, 'GET', '/api/v1/events')).body.service).toBe('event');
    } finally {
      await second.app.close();
      await second.stopWorkers?.();
      await context.cache.close();
    }
  });

  it('shows admins the instances, their health and circuits', async () => {
    const status = await call(t.gatewayUrl, 'GET', '/api/v1/gateway/upstreams', { token: adminToken });
    expect(status.status).toBe(200);
    const ticket = status.body.services.find((entry: { service: string }) => entry.service === 'ticket');
    expect(ticket).toMatchObject({ circuit: 'closed', instances: [{ url: tickets[0]!.url, healthy: true }] });
  });
});
