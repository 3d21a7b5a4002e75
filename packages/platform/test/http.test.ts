// The http kit as a service sees it: schema validation, problem+json answers, access rules
// checked from the internal token, request ids, actuator health, metrics, OpenAPI and a
// graceful close. Most stories go through app.inject; the shutdown story uses real sockets.
import { once } from 'node:events';
import { connect } from 'node:net';
import { Type } from 'typebox';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Identity, INTERNAL_TOKEN_HEADER, InternalTokens } from '../src/auth.js';
import { createDatabase } from '../src/database/pool.js';
import { ConflictError, NotFoundError, ValidationError } from '../src/errors.js';
import { createHttpApp, type HealthCheck, type HttpApp, requireIdentity } from '../src/http.js';
import { createLogger } from '../src/logger.js';

const logger = createLogger('silent');
const tokens = new InternalTokens('the-platform-secret-for-http-tests');
const forger = new InternalTokens('a-secret-nobody-gave-out');
const alice: Identity = { userId: 'user-alice', roles: ['USER'] };
const root: Identity = { userId: 'user-root', roles: ['ADMIN'] };
const PROBLEM_JSON = 'application/problem+json';

const TicketOrder = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 20 }),
    email: Type.String({ format: 'email' }),
    venue: Type.Optional(
      Type.Object(
        {
          sections: Type.Array(
            Type.Object(
              { name: Type.String(), seats: Type.Integer({ minimum: 1 }) },
              {
                additionalProperties: false,
              },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

async function headersFor(
  service: string,
  user?: Identity,
  issuer = tokens,
): Promise<Record<string, string>> {
  return { [INTERNAL_TOKEN_HEADER]: await issuer.issue(user ? { service, user } : { service }) };
}

async function buildApp(
  options: { healthChecks?: Record<string, HealthCheck>; degradedBy?: Record<string, HealthCheck> } = {},
): Promise<HttpApp> {
  const app = await createHttpApp({
    service: 'shop',
    logger,
    tokens,
    bodyLimitBytes: 1024,
    healthChecks: options.healthChecks ?? { db: async () => {} },
    degradedBy: options.degradedBy,
  });
  app.post(
    '/api/v1/orders',
    { config: { access: 'public' }, schema: { body: TicketOrder } },
    async (request, reply) => reply.status(201).send({ name: request.body.name }),
  );
  app.get(
    '/api/v1/orders',
    {
      config: { access: 'public' },
      schema: {
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })) }),
      },
    },
    async (request) => ({ limit: request.query.limit ?? 10 }),
  );
  app.get('/api/v1/me', { config: { access: 'authenticated' } }, async (request) => ({
    userId: requireIdentity(request).userId,
    caller: request.caller,
  }));
  app.get('/api/v1/admin/report', { config: { access: { roles: ['ADMIN'] } } }, async () => ({ ok: true }));
  app.get(
    '/api/v1/check-ins',
    { config: { access: { roles: ['STAFF'], services: true } } },
    async (request) => ({ caller: request.caller, user: request.identity?.userId ?? null }),
  );
  app.post('/api/v1/internal/sweep', { config: { access: 'internal' } }, async (request) => ({
    caller: request.caller,
  }));
  app.get<{ Params: { kind: string } }>(
    '/api/v1/fail/:kind',
    { config: { access: 'public' } },
    async (request) => {
      switch (request.params.kind) {
        case 'conflict':
          throw new ConflictError('Seat A-12 is already held', 'seat_unavailable', { seatId: 'A-12' });
        case 'not-found':
          throw new NotFoundError('Event 42', 'event_not_found');
        case 'validation':
          throw new ValidationError('seatIds', 'pick at least one seat');
        case 'database': {
          // A real pg error: nothing listens on port 1.
          const db = createDatabase({
            url: 'postgres://nobody:nothing@127.0.0.1:1/none',
            poolSize: 1,
            applicationName: 'http-test',
            logger,
          });
          try {
            await db.pool.query('SELECT 1');
          } finally {
            await db.close();
          }
          return { unreachable: true };
        }
        default:
          throw new Error('secret internals: password=hunter2 at db.internal:5432');
      }
    },
  );
  await app.ready();
  return app;
}

/** Rejects when promise does not settle within ms: proves "does not hang", says nothing of speed. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

let app: HttpApp;
let publicHeaders: Record<string, string>;
beforeAll(async () => {
  app = await buildApp();
  publicHeaders = await headersFor('gateway');
});
afterAll(() => app?.close());

describe('validation errors are 400 problems naming the field', () => {
  const validOrder = { name: 'Alice', email: 'alice@example.com' };
  const postOrder = (payload: unknown) =>
    app.inject({ method: 'POST', url: '/api/v1/orders', headers: publicHeaders, payload: payload as object });

  it('accepts a valid body', async () => {
    const response = await postOrder(validOrder);
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({ name: 'Alice' });
  });

  it.each([
    ['a missing property', { email: 'alice@example.com' }, 'name', 'name is required'],
    ['an unknown property', { ...validOrder, isAdmin: true }, 'isAdmin', 'isAdmin is not an accepted field'],
    ['a bad email', { ...validOrder, email: 'not-an-email' }, 'email', 'email must be a valid email'],
    [
      'a number where text is expected (bodies are not coerced)',
      { ...validOrder, name: 42 },
      'name',
      undefined,
    ],
    [
      'a too-long string',
      { ...validOrder, name: 'x'.repeat(21) },
      'name',
      'name must be at most 20 characters',
    ],
    [
      'a bad nested value',
      {
        ...validOrder,
        venue: {
          sections: [
            { name: 'A', seats: 10 },
            { name: 'B', seats: 0 },
          ],
        },
      },
      'venue.sections.1.seats',
      undefined,
    ],
    [
      'a missing nested property',
      { ...validOrder, venue: { sections: [{ seats: 10 }] } },
      'venue.sections.0.name',
      'venue.sections.0.name is required',
    ],
  ])('%s', async (_story, body, field, detail) => {
    const response = await postOrder(body);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain(PROBLEM_JSON);
    const problem = response.json();
    expect(problem).toMatchObject({
      status: 400,
      code: 'validation_failed',
      field,
      instance: '/api/v1/orders',
    });
    if (detail) expect(problem.detail).toBe(detail);
  });

  it('validates the query string too', async () => {
    const ok = await app.inject({ method: 'GET', url: '/api/v1/orders?limit=5', headers: publicHeaders });
    expect(ok.json()).toEqual({ limit: 5 });
    const bad = await app.inject({ method: 'GET', url: '/api/v1/orders?limit=many', headers: publicHeaders });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'validation_failed', field: 'limit' });
  });

  it('answers malformed JSON with a 400 problem', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: { ...publicHeaders, 'content-type': 'application/json' },
      payload: '{"name": "Alice", ',
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain(PROBLEM_JSON);
    expect(response.json()).toMatchObject({ status: 400, title: 'Bad Request' });
  });

  it('answers a body over the limit with a 413 problem', async () => {
    const response = await postOrder({ ...validOrder, padding: 'x'.repeat(2_000) });
    expect(response.statusCode).toBe(413);
    expect(response.headers['content-type']).toContain(PROBLEM_JSON);
    expect(response.json()).toMatchObject({ status: 413, title: 'Content Too Large' });
  });
});

describe('errors become problems in one place', () => {
  const fail = (kind: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'GET', url: `/api/v1/fail/${kind}`, headers: { ...publicHeaders, ...headers } });

  it('maps AppError subclasses to their status, code and extras', async () => {
    const conflict = await fail('conflict');
    expect(conflict.statusCode).toBe(409);
    expect(conflict.headers['content-type']).toContain(PROBLEM_JSON);
    expect(conflict.json()).toMatchObject({
      type: 'https://ticketing.dev/problems/seat-unavailable',
      title: 'Conflict',
      status: 409,
      code: 'seat_unavailable',
      detail: 'Seat A-12 is already held',
      seatId: 'A-12',
    });
    expect((await fail('not-found')).json()).toMatchObject({ status: 404, code: 'event_not_found' });
    expect((await fail('validation')).json()).toMatchObject({ status: 400, field: 'seatIds' });
  });

  it('hides the message of an unexpected error behind a 500 problem', async () => {
    const response = await fail('boom');
    expect(response.statusCode).toBe(500);
    expect(response.headers['content-type']).toContain(PROBLEM_JSON);
    expect(response.json()).toMatchObject({ status: 500, code: 'internal_error' });
    expect(response.body).not.toContain('hunter2');
    expect(response.body).not.toContain('secret internals');
  });

  it('answers an unreachable database with 503 database_unavailable', async () => {
    const response = await fail('database');
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ status: 503, code: 'database_unavailable' });
    expect(response.body).not.toContain('127.0.0.1:1');
  });

  it('answers an unknown route with a 404 problem', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/nothing-here?x=1' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain(PROBLEM_JSON);
    expect(response.json()).toMatchObject({
      status: 404,
      code: 'route_not_found',
      detail: 'No route for GET /api/v1/nothing-here',
    });
  });
});

describe('access rules', () => {
  const get = (url: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'GET', url, headers });

  it('refuses /api calls without an internal token', async () => {
    const response = await get('/api/v1/orders');
    expect(response.statusCode).toBe(401);
    expect(response.headers['content-type']).toContain(PROBLEM_JSON);
    expect(response.json()).toMatchObject({ code: 'internal_token_required' });
  });

  it('refuses a token signed with another secret', async () => {
    const response = await get('/api/v1/me', await headersFor('gateway', root, forger));
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: 'internal_token_required' });
  });

  it('refuses an authenticated route to a valid token without a user', async () => {
    const response = await get('/api/v1/me', await headersFor('gateway'));
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: 'unauthorized' });
  });

  it('gives an authenticated route the caller and the user from the token', async () => {
    const response = await get('/api/v1/me', await headersFor('gateway', alice));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ userId: 'user-alice', caller: 'gateway' });
  });

  it('checks roles: the wrong role is 403, the right role is 200', async () => {
    const wrong = await get('/api/v1/admin/report', await headersFor('gateway', alice));
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json()).toMatchObject({ code: 'forbidden' });
    const right = await get('/api/v1/admin/report', await headersFor('gateway', root));
    expect(right.statusCode).toBe(200);
    // Even a service cannot reach a roles-only route without a user.
    expect((await get('/api/v1/admin/report', await headersFor('order'))).statusCode).toBe(401);
  });

  it('lets a service without a user reach a {roles, services} route, but not the gateway', async () => {
    const fromService = await get('/api/v1/check-ins', await headersFor('ticket'));
    expect(fromService.statusCode).toBe(200);
    expect(fromService.json()).toEqual({ caller: 'ticket', user: null });
    expect((await get('/api/v1/check-ins', await headersFor('gateway'))).statusCode).toBe(401);
    expect((await get('/api/v1/check-ins', await headersFor('gateway', alice))).statusCode).toBe(403);
    const staff = await get(
      '/api/v1/check-ins',
      await headersFor('gateway', { userId: 's', roles: ['STAFF'] }),
    );
    expect(staff.json()).toEqual({ caller: 'gateway', user: 's' });
  });

  it('keeps internal routes for services: gateway-issued tokens are refused', async () => {
    const sweep = (headers: Record<string, string>) =>
      app.inject({ method: 'POST', url: '/api/v1/internal/sweep', headers });
    expect((await sweep(await headersFor('gateway', root))).statusCode).toBe(403);
    expect((await sweep(await headersFor('gateway'))).statusCode).toBe(403);
    const fromOrder = await sweep(await headersFor('order'));
    expect(fromOrder.statusCode).toBe(200);
    expect(fromOrder.json()).toEqual({ caller: 'order' });
  });

  it('needs no token for actuator and docs, and serves no /metrics on the service port', async () => {
    expect((await get('/actuator/health')).statusCode).toBe(200);
    expect((await get('/metrics')).statusCode).toBe(404);
    expect((await get('/openapi.json')).statusCode).toBe(200);
  });

  it('refuses to start when an /api route does not declare its access', async () => {
    const careless = await createHttpApp({ service: 'careless', logger, tokens });
    try {
      await expect(
        (async () => {
          careless.get('/api/v1/forgotten', async () => ({ leaked: true }));
          await careless.ready();
        })(),
      ).rejects.toThrow('route GET /api/v1/forgotten does not declare its access (config.access)');
    } finally {
      await careless.close().catch(() => undefined);
    }
  });

  it('lets the gateway (no internal token required) through without checking', async () => {
    const edge = await createHttpApp({ service: 'gateway', logger, tokens, requireInternalToken: false });
    edge.get('/api/v1/ping', { config: { access: 'authenticated' } }, async () => ({ pong: true }));
    try {
      const response = await edge.inject({ method: 'GET', url: '/api/v1/ping' });
      expect(response.statusCode).toBe(200);
    } finally {
      await edge.close();
    }
  });
});

describe('request ids', () => {
  it('echoes an incoming x-request-id and puts it in problems', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/fail/conflict',
      headers: { ...publicHeaders, 'x-request-id': 'checkout-42.retry_1' },
    });
    expect(response.headers['x-request-id']).toBe('checkout-42.retry_1');
    expect(response.json().requestId).toBe('checkout-42.retry_1');
  });

  it('puts it in problems raised before the handler (access refused)', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { 'x-request-id': 'no-token-here' },
    });
    expect(response.statusCode).toBe(401);
    expect(response.headers['x-request-id']).toBe('no-token-here');
    expect(response.json().requestId).toBe('no-token-here');
  });

  it('generates one when none (or a malformed one) comes in', async () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const plain = await app.inject({ method: 'GET', url: '/api/v1/orders', headers: publicHeaders });
    expect(plain.headers['x-request-id']).toMatch(uuid);
    const other = await app.inject({ method: 'GET', url: '/api/v1/orders', headers: publicHeaders });
    expect(other.headers['x-request-id']).not.toBe(plain.headers['x-request-id']);
    const hostile = await app.inject({
      method: 'GET',
      url: '/api/v1/fail/conflict',
      headers: { ...publicHeaders, 'x-request-id': 'evil id\twith spaces' },
    });
    expect(hostile.headers['x-request-id']).toMatch(uuid);
    expect(hostile.json().requestId).toBe(hostile.headers['x-request-id']);
  });
});

describe('actuator, metrics and OpenAPI', () => {
  it('reports UP with its components', async () => {
    const response = await app.inject({ method: 'GET', url: '/actuator/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'UP', service: 'shop', components: { db: { status: 'UP' } } });
    const db = await app.inject({ method: 'GET', url: '/actuator/health/db' });
    expect(db.statusCode).toBe(200);
    expect(db.json()).toEqual({ status: 'UP' });
  });

  it('reports DOWN with 503 when a check it cannot work without fails or never answers', async () => {
    const sick = await buildApp({
      healthChecks: {
        db: () => new Promise<void>(() => {}), // never answers
      },
    });
    try {
      for (const url of ['/actuator/health', '/actuator/health/readiness']) {
        const overall = await sick.inject({ method: 'GET', url });
        expect(overall.statusCode).toBe(503);
        expect(overall.json()).toEqual({
          status: 'DOWN',
          service: 'shop',
          components: { db: { status: 'DOWN', error: 'health check timed out' } },
        });
      }
      // Alive all the same: restarting the process would not bring the database back.
      const liveness = await sick.inject({ method: 'GET', url: '/actuator/health/liveness' });
      expect(liveness.statusCode).toBe(200);
      expect(liveness.json()).toEqual({ status: 'UP', service: 'shop' });
    } finally {
      await sick.close();
    }
  });

  it('stays ready, DEGRADED, when only Redis or Kafka is down', async () => {
    const degraded = await buildApp({
      healthChecks: { db: async () => {} },
      degradedBy: {
        redis: async () => {
          throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
        },
        kafka: async () => {},
      },
    });
    try {
      const overall = await degraded.inject({ method: 'GET', url: '/actuator/health' });
      expect(overall.statusCode).toBe(200);
      expect(overall.json()).toEqual({
        status: 'DEGRADED',
        service: 'shop',
        components: {
          db: { status: 'UP' },
          redis: { status: 'DOWN', error: 'connect ECONNREFUSED 127.0.0.1:6379' },
          kafka: { status: 'UP' },
        },
      });
      const redis = await degraded.inject({ method: 'GET', url: '/actuator/health/redis' });
      expect(redis.statusCode).toBe(503);
      expect(redis.json()).toMatchObject({ status: 'DOWN' });
      expect((await degraded.inject({ method: 'GET', url: '/actuator/health/db' })).statusCode).toBe(200);
    } finally {
      await degraded.close();
    }
  });

  it('counts request latencies per route in its registry (the management port serves it)', async () => {
    await app.inject({ method: 'GET', url: '/api/v1/orders', headers: publicHeaders });
    await app.inject({ method: 'GET', url: '/api/v1/fail/boom', headers: publicHeaders });
    const response = { body: await app.metrics.metrics() };
    expect(response.body).toContain('# TYPE http_request_duration_seconds histogram');
    const line = (metric: string, ...labels: string[]) =>
      response.body
        .split('\n')
        .find((text) => text.startsWith(`${metric}{`) && labels.every((l) => text.includes(l)));
    expect(line('http_request_duration_seconds_count', 'route="/api/v1/orders"', 'status="200"')).toMatch(
      / [1-9]\d*$/,
    );
    expect(line('http_request_duration_seconds_count', 'route="/api/v1/fail/:kind"', 'status="500"')).toMatch(
      / [1-9]\d*$/,
    );
    expect(line('http_server_errors_total', 'route="/api/v1/fail/:kind"', 'service="shop"')).toMatch(
      / [1-9]\d*$/,
    );
    expect(line('http_server_errors_total', 'route="/api/v1/orders"')).toBeUndefined();
  });

  it('lists the routes in /openapi.json, without the actuator', async () => {
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.title).toBe('shop service');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/v1/orders', '/api/v1/me', '/api/v1/admin/report', '/api/v1/fail/{kind}']),
    );
    expect(
      document.paths['/api/v1/orders'].post.requestBody.content['application/json'].schema.required,
    ).toEqual(['name', 'email']);
    expect(document.paths['/actuator/health']).toBeUndefined();
  });
});

describe('graceful shutdown', () => {
  it('finishes an in-flight request, then refuses new connections', async () => {
    const server = await createHttpApp({ service: 'slow', logger, tokens });
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    server.get('/api/v1/slow', { config: { access: 'public' } }, async () => {
      arrived();
      await new Promise((resolve) => setTimeout(resolve, 300));
      return { finished: true };
    });
    await server.listen({ host: '127.0.0.1', port: 0 });
    const address = server.server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    const baseUrl = `http://127.0.0.1:${address.port}`;

    const inFlight = request(`${baseUrl}/api/v1/slow`, { headers: await headersFor('gateway') });
    await requestArrived;
    const closing = server.close();
    const response = await inFlight;
    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toEqual({ finished: true });
    // A keep-alive connection must not hold the close for the keep-alive timeout.
    await within(closing, 5_000, 'app.close()');

    const socket = connect({ host: '127.0.0.1', port: address.port });
    const [error] = (await once(socket, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ECONNREFUSED');
  });
});
