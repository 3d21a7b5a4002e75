// Shared steps of the gateway's stories: small upstream services started by the test (real
// HTTP, built with the platform's createHttpApp, so they check the gateway's internal token),
// and accounts to call them with.
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createHttpApp,
  createLogger,
  type HttpApp,
  InternalTokens,
  type ServiceName,
} from '@ticketing/platform';
import { expect } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { TEST_ADMIN } from '../../../tools/test/platform.js';

/** Shared by the platform under test and the test upstreams, so they accept the gateway's tokens. */
export const INTERNAL_TOKEN_SECRET = 'gateway-tests-internal-token-secret-0123456789';

export interface UpstreamOptions {
  /** Answer `failStatus` on GET /api/v1/events while true. */
  failing?: boolean;
}

/** A test instance of a service: counts its hits and can be killed and revived on the same port. */
export class TestUpstream {
  hits = 0;
  /** Requests whose handler ran, by `METHOD path`. */
  handled: string[] = [];
  failing = false;
  /** The status answered while failing. */
  failStatus = 500;
  /** Whether the availability stream wrote its last event. */
  streamFinished = false;
  /** /actuator/health answers 503 while false (the API itself keeps working). */
  healthy = true;
  /** /actuator/health takes two seconds to answer while true. */
  healthHangs = false;
  private app: HttpApp | undefined;
  port = 0;

  constructor(
    readonly service: ServiceName,
    readonly name: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.app = await buildUpstreamApp(this);
    await this.app.listen({ port: this.port, host: '127.0.0.1' });
    const address = this.app.server.address();
    this.port = typeof address === 'object' && address ? address.port : this.port;
    return this;
  }

  async kill(): Promise<void> {
    await this.app?.close();
    this.app = undefined;
  }

  async revive(): Promise<void> {
    // The port was just released; another process could take it, but not in a test this short.
    await this.start();
  }
}

async function buildUpstreamApp(upstream: TestUpstream): Promise<HttpApp> {
  const app = await createHttpApp({
    service: upstream.service,
    logger: createLogger('silent'),
    tokens: new InternalTokens(INTERNAL_TOKEN_SECRET),
    bodyLimitBytes: 50 * 1_048_576,
    description: `test instance ${upstream.name}`,
    healthChecks: {
      probe: async () => {
        if (upstream.healthHangs) await sleep(2_000);
        if (!upstream.healthy) throw new Error('unhealthy on purpose');
      },
    },
  });
  app.addHook('onRequest', async () => {
    upstream.hits++;
  });
  const seen = (request: { method: string; url: string }) =>
    upstream.handled.push(`${request.method} ${request.url}`);
  const echo = (request: import('fastify').FastifyRequest) => ({
    instance: upstream.name,
    service: upstream.service,
    identity: request.identity ?? null,
    caller: request.caller ?? null,
    requestId: request.headers['x-request-id'] ?? null,
    forwardedFor: request.headers['x-forwarded-for'] ?? null,
    authorization: request.headers.authorization ?? null,
    cookie: request.headers.cookie ?? null,
    path: request.url,
  });

  app.get(
    '/api/v1/events',
    { config: { access: 'public' }, schema: { summary: `List events (${upstream.name})`, tags: ['events'] } },
    async (request, reply) => {
      seen(request);
      if (upstream.failing) return reply.status(upstream.failStatus).send({ error: 'failing on purpose' });
      return echo(request);
    },
  );
  app.post(
    '/api/v1/events',
    {
      config: { access: { roles: ['ORGANIZER', 'ADMIN'] } },
      schema: { summary: 'Create an event', tags: ['events'] },
    },
    async (request) => {
      seen(request);
      const body = request.body as { payload?: string } | undefined;
      return { ...echo(request), receivedLength: body?.payload?.length ?? 0 };
    },
  );
  app.get<{ Params: { id: string }; Querystring: { delayMs?: string; bytes?: string } }>(
    '/api/v1/events/:id',
    { config: { access: 'public' }, schema: { hide: true } },
    async (request, reply) => {
      seen(request);
      const delay = Number(request.query.delayMs ?? 0);
      if (delay > 0) await sleep(delay);
      if (request.query.bytes)
        return reply.type('application/octet-stream').send(Buffer.alloc(Number(request.query.bytes), 'x'));
      return echo(request);
    },
  );
  app.get<{ Querystring: { pauseMs?: string } }>(
    '/api/v1/events/:id/availability/stream',
    { config: { access: 'public' }, schema: { hide: true } },
    async (request, reply) => {
      seen(request);
      upstream.streamFinished = false;
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      reply.raw.write('data: {"seat":"A1","status":"HELD"}\n\n');
      await sleep(Number(request.query.pauseMs ?? 100));
      reply.raw.write('data: {"seat":"A2","status":"SOLD"}\n\n');
      upstream.streamFinished = true;
      reply.raw.end();
    },
  );
  app.get<{ Querystring: { delayMs?: string; bytes?: string } }>(
    '/api/v1/events/:id/seats',
    { config: { access: 'public' }, schema: { summary: 'Seat map', tags: ['seats'] } },
    async (request, reply) => {
      seen(request);
      const delay = Number(request.query.delayMs ?? 0);
      if (delay > 0) await sleep(delay);
      if (request.query.bytes)
        return reply.type('application/octet-stream').send(Buffer.alloc(Number(request.query.bytes), 'x'));
      return echo(request);
    },
  );
  app.post(
    '/api/v1/holds',
    { config: { access: 'authenticated' }, schema: { summary: 'Hold seats', tags: ['holds'] } },
    async (request, reply) => {
      seen(request);
      const body = request.body as { payload?: string } | undefined;
      return reply.status(201).send({ ...echo(request), receivedLength: body?.payload?.length ?? 0 });
    },
  );
  app.get(
    '/api/v1/orders',
    { config: { access: 'authenticated' }, schema: { summary: 'My orders', tags: ['orders'] } },
    async (request) => {
      seen(request);
      return echo(request);
    },
  );
  app.get(
    '/api/v1/internal/ping',
    { config: { access: 'internal' }, schema: { summary: 'For other services only', tags: ['internal'] } },
    async () => ({ pong: true }),
  );
  return app;
}

export async function startUpstreams(service: ServiceName, names: string[]): Promise<TestUpstream[]> {
  return Promise.all(names.map((name) => new TestUpstream(service, name).start()));
}

/** A port nothing listens on (taken and released at once). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 1;
}

let counter = 0;

export async function registerAndLogin(gatewayUrl: string, headers: Record<string, string> = {}) {
  counter++;
  const suffix = `${Date.now().toString(36)}${counter}${Math.random().toString(36).slice(2, 6)}`;
  const account = {
    username: `gw_${suffix}`,
    email: `gw_${suffix}@example.com`,
    password: 'a-Sturdy-passphrase-42',
    firstName: 'Grace',
    lastName: 'Hopper',
  };
  const registered = await call(gatewayUrl, 'POST', '/api/v1/auth/register', { body: account, headers });
  expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  const tokens = await login(gatewayUrl, account.username, account.password, headers);
  return { account, user: registered.body as { id: string }, tokens };
}

export async function login(
  gatewayUrl: string,
  username: string,
  password: string,
  headers: Record<string, string> = {},
) {
  const response = await call(gatewayUrl, 'POST', '/api/v1/auth/login', {
    body: { username, password },
    headers,
  });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as {
    accessToken: string;
    refreshToken: string;
    user: { id: string; roles: string[] };
  };
}

export const loginAsAdmin = (gatewayUrl: string) =>
  login(gatewayUrl, TEST_ADMIN.username, TEST_ADMIN.password);

/**
 * Logs the admin in at the user service itself, as the gateway would forward it: for a test
 * whose gateway has an upstream timeout too short for a password check on a busy machine.
 */
export async function loginAsAdminDirectly(userServiceUrl: string) {
  const token = await new InternalTokens(INTERNAL_TOKEN_SECRET).issue({ service: 'gateway' });
  const response = await call(userServiceUrl, 'POST', '/api/v1/auth/login', {
    headers: { 'x-internal-token': token },
    body: { username: TEST_ADMIN.username, password: TEST_ADMIN.password },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as { accessToken: string };
}

export function expectProblem(
  response: { status: number; headers: Record<string, unknown>; body: any },
  status: number,
  code?: string,
) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(String(response.headers['content-type'])).toContain('application/problem+json');
  expect(response.body.status).toBe(status);
  if (code) expect(response.body.code).toBe(code);
}

/** A GET whose path goes on the wire exactly as written (URL parsers would resolve dot segments first). */
export function rawGet(
  baseUrl: string,
  path: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: any }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: hostname, port, path, method: 'GET' }, (incoming) => {
      let text = '';
      incoming.setEncoding('utf8');
      incoming.on('data', (chunk) => (text += chunk));
      incoming.on('end', () => {
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON: keep the text
        }
        resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body });
      });
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}
