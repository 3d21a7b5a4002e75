// Stories of routing through the gateway: each path reaches the service that owns it, requests
// spread over the instances of a service, a dead instance is skipped and comes back when revived,
// and a service that is not running answers 503 at once.
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { startTestPlatform, type TestPlatform } from '../../../tools/test/platform.js';
import {
  closedPort,
  expectProblem,
  INTERNAL_TOKEN_SECRET,
  loginAsAdmin,
  rawGet,
  registerAndLogin,
  startUpstreams,
  type TestUpstream,
} from './support.js';

let t: TestPlatform;
let events: TestUpstream[];
let tickets: TestUpstream[];

beforeAll(async () => {
  events = await startUpstreams('event', ['event-a', 'event-b']);
  tickets = await startUpstreams('ticket', ['ticket-a']);
  t = await startTestPlatform({
    services: ['user', 'gateway'],
    env: {
      INTERNAL_TOKEN_SECRET,
      EVENT_SERVICE_URL: events.map((upstream) => upstream.url).join(','),
      TICKET_SERVICE_URL: tickets[0]!.url,
      ORDER_SERVICE_URL: `http://127.0.0.1:${await closedPort()}`,
      GATEWAY_HEALTH_CHECK_INTERVAL_MS: '100',
      GATEWAY_HEALTH_CHECK_TIMEOUT_MS: '500',
    },
  });
});
afterAll(async () => {
  await t?.stop();
  await Promise.all([...events, ...tickets].map((upstream) => upstream.kill()));
});

describe('routing', () => {
  it('sends each path to the service that owns it, with the caller as a trusted identity', async () => {
    const list = await call(t.gatewayUrl, 'GET', '/api/v1/events?q=jazz', {
      headers: { 'x-request-id': 'trace-me-1' },
    });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({
      service: 'event',
      caller: 'gateway',
      identity: null,
      path: '/api/v1/events?q=jazz',
    });
    expect(list.body.requestId).toBe('trace-me-1');
    expect(list.headers['x-request-id']).toBe('trace-me-1');

    const seats = await call(t.gatewayUrl, 'GET', '/api/v1/events/42/seats');
    expect(seats.body).toMatchObject({ service: 'ticket', instance: 'ticket-a' });

    const { tokens, user } = await registerAndLogin(t.gatewayUrl);
    const hold = await call(t.gatewayUrl, 'POST', '/api/v1/holds', {
      token: tokens.accessToken,
      headers: { cookie: 'session=secret' },
      body: { eventId: '42', seatIds: ['A1'] },
    });
    expect(hold.status).toBe(201);
    expect(hold.body.identity).toMatchObject({ userId: user.id, roles: ['USER'] });
    // The service sees the internal token, never the user's own credentials.
    expect(hold.body.authorization).toBeNull();
    expect(hold.body.cookie).toBeNull();
  });

  it('refuses at the edge what the route table does not allow', async () => {
    expectProblem(
      await call(t.gatewayUrl, 'POST', '/api/v1/holds', { body: { eventId: '42' } }),
      401,
      'unauthorized',
    );
    const { tokens } = await registerAndLogin(t.gatewayUrl);
    const create = await call(t.gatewayUrl, 'POST', '/api/v1/events', {
      token: tokens.accessToken,
      body: { title: 'x' },
    });
    expectProblem(create, 403, 'forbidden');
    expect(events.every((upstream) => !upstream.handled.includes('POST /api/v1/events'))).toBe(true);
  });

  it('answers 404 problem+json for an unknown /api path', async () => {
    const unknown = await call(t.gatewayUrl, 'GET', '/api/v1/nowhere');
    expectProblem(unknown, 404, 'route_not_found');
    expect(unknown.body.detail).toContain('/api/v1/nowhere');
    expectProblem(await call(t.gatewayUrl, 'GET', '/api/v2/events'), 404, 'route_not_found');
  });

  it('refuses a path whose encoded slash or dot segment could mean another route to the service', async () => {
    expectProblem(await rawGet(t.gatewayUrl, '/api/v1/events/x%2F..%2F..%2Fusers/seats'), 400, 'bad_path');
    expectProblem(await rawGet(t.gatewayUrl, '/api/v1/events/%2e%2e/users/me'), 400, 'bad_path');
    expectProblem(await rawGet(t.gatewayUrl, '/api/v1/events/../users/me'), 400, 'bad_path');
  });
});

describe('cross-origin calls', () => {
  it('get no CORS headers at all unless origins are configured', async () => {
    const preflight = await call(t.gatewayUrl, 'OPTIONS', '/api/v1/events', {
      headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'GET' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const read = await call(t.gatewayUrl, 'GET', '/api/v1/events', {
      headers: { origin: 'https://shop.example.com' },
    });
    expect(read.status).toBe(200);
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('load balancing', () => {
  it('spreads requests over every instance of a service', async () => {
    const before = events.map((upstream) => upstream.handled.length);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => call(t.gatewayUrl, 'GET', '/api/v1/events')),
    );
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    const served = events.map((upstream, index) => upstream.handled.length - before[index]!);
    expect(served[0]! + served[1]!).toBe(20);
    expect(Math.min(...served)).toBeGreaterThanOrEqual(5);
  });

  it('skips an instance that was killed, retrying idempotent requests elsewhere, and uses it again once revived', async () => {
    const [first, second] = events as [TestUpstream, TestUpstream];
    await second.kill();
    const during = await Promise.all(
      Array.from({ length: 10 }, () => call(t.gatewayUrl, 'GET', '/api/v1/events')),
    );
    expect(during.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    expect(during.every((answer) => answer.body.instance === first.name)).toBe(true);

    await second.revive();
    await expect
      .poll(
        async () => {
          const answers = await Promise.all(
            Array.from({ length: 6 }, () => call(t.gatewayUrl, 'GET', '/api/v1/events')),
          );
          return new Set(answers.map((answer) => answer.body.instance)).size;
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBe(2);
  });

  it('takes out an instance failing its health checks, even one whose API still answers, and puts it back', async () => {
    const [first, second] = events as [TestUpstream, TestUpstream];
    const admin = await loginAsAdmin(t.gatewayUrl);
    const instanceOf = async (upstream: TestUpstream) => {
      const status = await call(t.gatewayUrl, 'GET', '/api/v1/gateway/upstreams', {
        token: admin.accessToken,
      });
      expect(status.status, JSON.stringify(status.body)).toBe(200);
      return status.body.services
        .find((entry: { service: string }) => entry.service === 'event')
        .instances.find((instance: { url: string }) => instance.url === upstream.url);
    };
    for (const failure of ['answers 503', 'hangs'] as const) {
      if (failure === 'hangs') second.healthHangs = true;
      else second.healthy = false;
      await expect
        .poll(async () => (await instanceOf(second)).healthy, { timeout: 10_000, interval: 50 })
        .toBe(false);
      expect(typeof (await instanceOf(second)).lastError).toBe('string');
      const during = await Promise.all(
        Array.from({ length: 8 }, () => call(t.gatewayUrl, 'GET', '/api/v1/events')),
      );
      expect(
        during.every((answer) => answer.body.instance === first.name),
        failure,
      ).toBe(true);
      second.healthy = true;
      second.healthHangs = false;
      await expect
        .poll(async () => (await instanceOf(second)).healthy, { timeout: 10_000, interval: 50 })
        .toBe(true);
    }
  });

  it('answers 503 problem+json within a second or two for a service that is not running, never hanging', async () => {
    const { tokens } = await registerAndLogin(t.gatewayUrl);
    const response = await request(`${t.gatewayUrl}/api/v1/orders`, {
      headers: { authorization: `Bearer ${tokens.accessToken}` },
      headersTimeout: 2_000,
    });
    const body = (await response.body.json()) as { code: string; status: number };
    expect(response.statusCode).toBe(503);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(body.code).toMatch(/^(upstream_unavailable|circuit_open)$/);
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
  });
});
