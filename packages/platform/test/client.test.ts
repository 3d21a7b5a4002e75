// The service client against real services built with the http kit, on loopback ports:
// it proves who it is, forwards the user and the request id, retries only what is safe to
// repeat, never hangs on a silent upstream, spreads load, and breaks the circuit when an
// upstream keeps failing (no connection, timeouts, 502/503/504, not a 500 one request provokes)
// — then closes it again once the upstream recovered.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { InternalTokens } from '../src/auth.js';
import { ServiceClient, type ServiceClientOptions } from '../src/client.js';
import { AppError, NotFoundError, ServiceUnavailableError } from '../src/errors.js';
import { createHttpApp, type HttpApp } from '../src/http.js';
import { createLogger } from '../src/logger.js';

const logger = createLogger('silent');
const tokens = new InternalTokens('the-internal-secret-for-client-tests');

/** What the fake ticket service saw, reset before each story. */
const seen = { flaky: 0, holdsPosted: 0, holdsRead: 0, slow: 0, toggle: 0, buggy: 0 };
let flakyFailures = 0;
let toggleDown = false;
let releaseSlow: () => void = () => {};
let slowReleased = Promise.resolve();

async function startTicketService(instance: string): Promise<{ app: HttpApp; url: string }> {
  const app = await createHttpApp({ service: `ticket-${instance}`, logger, tokens });
  app.get('/api/v1/whoami', { config: { access: { roles: ['USER'], services: true } } }, async (request) => ({
    instance,
    caller: request.caller,
    user: request.identity ?? null,
    requestId: request.id,
    query: request.query,
  }));
  app.get('/api/v1/flaky', { config: { access: 'public' } }, async () => {
    seen.flaky++;
    if (seen.flaky <= flakyFailures) throw new ServiceUnavailableError('warming up');
    return { attempt: seen.flaky };
  });
  app.post('/api/v1/holds', { config: { access: 'public' } }, async () => {
    seen.holdsPosted++;
    throw new ServiceUnavailableError('inventory offline');
  });
  app.get('/api/v1/holds/:id', { config: { access: 'public' } }, async (_request, reply) => {
    seen.holdsRead++;
    reply.header('x-hold-lookup', 'done');
    throw new NotFoundError('Hold', 'hold_not_found');
  });
  app.post('/api/v1/slow', { config: { access: 'public' } }, async () => {
    seen.slow++;
    await slowReleased;
    return { late: true };
  });
  app.get('/api/v1/toggle', { config: { access: 'public' } }, async () => {
    seen.toggle++;
    // What a service whose database is gone answers (the http kit's 503).
    if (toggleDown) throw new ServiceUnavailableError('the database is unavailable', 'database_unavailable');
    return { up: true };
  });
  // A bug one request can reach (the kind of 500 an unchecked input used to cause).
  app.get('/api/v1/buggy', { config: { access: 'public' } }, async () => {
    seen.buggy++;
    throw new Error('a bug this request reached');
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return { app, url: `http://127.0.0.1:${address.port}` };
}

let a: { app: HttpApp; url: string };
let b: { app: HttpApp; url: string };
const clients: ServiceClient[] = [];

function clientOf(options: Partial<ServiceClientOptions> = {}): ServiceClient {
  const client = new ServiceClient({ target: 'ticket', caller: 'order', urls: [a.url], tokens, ...options });
  clients.push(client);
  return client;
}

/** Rejects when promise does not settle within ms: proves "does not hang", says nothing of speed. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

beforeAll(async () => {
  [a, b] = await Promise.all([startTicketService('a'), startTicketService('b')]);
});
beforeEach(() => {
  for (const key of Object.keys(seen) as (keyof typeof seen)[]) seen[key] = 0;
  flakyFailures = 0;
  toggleDown = false;
  slowReleased = new Promise((resolve) => {
    releaseSlow = resolve;
  });
});
afterEach(async () => {
  releaseSlow();
  await Promise.all(clients.splice(0).map((client) => client.close()));
});
afterAll(async () => {
  releaseSlow();
  await Promise.all([a?.app.close(), b?.app.close()]);
});

describe('identity and tracing', () => {
  it('sends an internal token the service verifies, and the request id', async () => {
    const response = await clientOf().call<Record<string, unknown>>({
      method: 'GET',
      path: '/api/v1/whoami',
      query: { eventId: 'e-1', page: 2, skipped: undefined },
      requestId: 'checkout-7',
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      instance: 'a',
      caller: 'order',
      user: null,
      requestId: 'checkout-7',
      query: { eventId: 'e-1', page: '2' },
    });
    expect(response.headers['x-request-id']).toBe('checkout-7');
  });

  it('is refused by the service when its secret is not the shared one', async () => {
    const impostor = clientOf({ tokens: new InternalTokens('not-the-shared-secret') });
    const response = await impostor.call<{ code: string }>({ method: 'GET', path: '/api/v1/whoami' });
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('internal_token_required');
  });

  it('forwards the end user on whose behalf it calls', async () => {
    const user = { userId: 'user-42', roles: ['USER' as const], tokenId: 'jti-9' };
    const response = await clientOf().call<{ user: unknown; caller: string }>({
      method: 'GET',
      path: '/api/v1/whoami',
      user,
    });
    expect(response.body).toMatchObject({ caller: 'order', user });
    // A user without the route's role is refused by the service itself.
    const staff = await clientOf().call({
      method: 'GET',
      path: '/api/v1/whoami',
      user: { userId: 'user-43', roles: ['STAFF'] },
    });
    expect(staff.status).toBe(403);
  });
});

describe('retries', () => {
  it('retries a GET after 503s and returns the answer that finally came', async () => {
    flakyFailures = 2;
    const response = await clientOf().call<{ attempt: number }>({ method: 'GET', path: '/api/v1/flaky' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ attempt: 3 });
    expect(seen.flaky).toBe(3);
  });

  it('gives up after its retries with a 503 ServiceUnavailableError', async () => {
    flakyFailures = 100;
    const failure = await clientOf({ retries: 1 })
      .call({ method: 'GET', path: '/api/v1/flaky' })
      .catch((error) => error);
    expect(failure).toBeInstanceOf(ServiceUnavailableError);
    expect(failure).toMatchObject({ status: 503, code: 'upstream_unavailable' });
    expect(failure.message).toContain('the ticket service did not answer');
    expect(seen.flaky).toBe(2);
  });

  it('never repeats a POST, which may have taken effect', async () => {
    await expect(clientOf().call({ method: 'POST', path: '/api/v1/holds', body: {} })).rejects.toBeInstanceOf(
      ServiceUnavailableError,
    );
    expect(seen.holdsPosted).toBe(1);
  });

  it('repeats a POST that carries an idempotency key (declared idempotent)', async () => {
    await expect(
      clientOf().call({
        method: 'POST',
        path: '/api/v1/holds',
        body: {},
        idempotent: true,
        headers: { 'idempotency-key': 'k-1' },
      }),
    ).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(seen.holdsPosted).toBe(3);
  });

  it('returns a 4xx as the answer: not retried, not a failure of the upstream', async () => {
    const client = clientOf({ retries: 2 });
    for (let call = 1; call <= 8; call++) {
      const response = await client.call<{ code: string }>({ method: 'GET', path: '/api/v1/holds/h-1' });
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('hold_not_found');
      expect(response.headers['x-hold-lookup']).toBe('done');
    }
    expect(seen.holdsRead).toBe(8);
    expect(client.breakerState).toBe('closed');
    // And the upstream stays reachable.
    expect((await client.call({ method: 'GET', path: '/api/v1/toggle' })).status).toBe(200);
  });

  it('turns a non-2xx answer into an AppError with expectOk', async () => {
    const client = clientOf({ retries: 0 });
    const notFound = await client
      .expectOk({ method: 'GET', path: '/api/v1/holds/h-1' })
      .catch((error) => error);
    expect(notFound).toBeInstanceOf(AppError);
    expect(notFound).toMatchObject({ status: 404, code: 'hold_not_found', message: 'Hold was not found' });
    expect(await client.expectOk({ method: 'GET', path: '/api/v1/toggle' })).toEqual({ up: true });
  });
});

describe('timeouts and unreachable upstreams', () => {
  it('answers ServiceUnavailableError when the upstream never answers', async () => {
    const client = clientOf({ timeoutMs: 300 });
    const failure = await within(
      client.call({ method: 'POST', path: '/api/v1/slow', body: {} }).catch((error) => error),
      5_000,
      'a call to a hanging upstream',
    );
    expect(failure).toBeInstanceOf(ServiceUnavailableError);
    expect(seen.slow).toBe(1);
  });

  it('bounds a retried call to a hanging upstream too', async () => {
    const client = clientOf({ timeoutMs: 200, retries: 1 });
    const failure = await within(
      client.call({ method: 'POST', path: '/api/v1/slow', idempotent: true }).catch((error) => error),
      6_000,
      'a retried call to a hanging upstream',
    );
    expect(failure).toBeInstanceOf(ServiceUnavailableError);
    expect(seen.slow).toBe(2);
  });

  it('answers ServiceUnavailableError when nothing listens', async () => {
    const client = clientOf({ urls: ['http://127.0.0.1:1'], retries: 1 });
    const failure = await within(
      client.call({ method: 'GET', path: '/api/v1/whoami' }).catch((error) => error),
      5_000,
      'a call to a closed port',
    );
    expect(failure).toBeInstanceOf(ServiceUnavailableError);
    expect(failure.code).toBe('upstream_unavailable');
  });

  it('refuses to be built without a URL', () => {
    expect(() => new ServiceClient({ target: 'ticket', caller: 'order', urls: [], tokens })).toThrow(
      'no URL configured for the ticket service',
    );
  });
});

describe('load balancing', () => {
  it('spreads calls evenly over the instances', async () => {
    const client = clientOf({ urls: [a.url, b.url] });
    const instances: string[] = [];
    for (let call = 0; call < 10; call++) {
      const response = await client.call<{ instance: string }>({ method: 'GET', path: '/api/v1/whoami' });
      instances.push(response.body.instance);
    }
    expect(instances.filter((instance) => instance === 'a')).toHaveLength(5);
    expect(instances.filter((instance) => instance === 'b')).toHaveLength(5);
  });

  it('keeps serving from the live instance when another is dead, and stops trying the dead one', async () => {
    const dead = 'http://127.0.0.1:1';
    const client = clientOf({ urls: [dead, a.url], retries: 1, breakerResetTimeoutMs: 60_000 });
    const instances: string[] = [];
    for (let call = 0; call < 20; call++) {
      const response = await client.call<{ instance: string }>({ method: 'GET', path: '/api/v1/whoami' });
      instances.push(response.body.instance);
    }
    expect(instances.every((instance) => instance === 'a')).toBe(true);
    expect(client.breakerState).toBe('closed');
    // The dead instance's breaker is open: a call that must not be retried still goes to the live one.
    const post = await client.call<{ instance: string }>({
      method: 'GET',
      path: '/api/v1/whoami',
      idempotent: false,
    });
    expect(post.body.instance).toBe('a');
  });
});

describe('circuit breaker', () => {
  it('stays closed under a stream of 500s one caller provokes, and the other routes keep working', async () => {
    const client = clientOf({ retries: 0 });
    for (let call = 1; call <= 20; call++) {
      // Still no definite answer for the caller (a saga must not take a 500 for a refusal)…
      const failure = await client.call({ method: 'GET', path: '/api/v1/buggy' }).catch((error) => error);
      expect(failure).toBeInstanceOf(ServiceUnavailableError);
      expect(failure.message).toBe('the ticket service did not answer: the ticket service answered 500');
      // …but not a failure of the upstream.
      expect(client.breakerState).toBe('closed');
      expect((await client.call({ method: 'GET', path: '/api/v1/toggle' })).status).toBe(200);
    }
    expect(seen.buggy).toBe(20);
  });

  it('opens when the upstream is down (connection refused)', async () => {
    const client = clientOf({ urls: ['http://127.0.0.1:1'], retries: 0 });
    for (let call = 1; call <= 5; call++)
      await expect(client.call({ method: 'GET', path: '/api/v1/whoami' })).rejects.toBeInstanceOf(
        ServiceUnavailableError,
      );
    expect(client.breakerState).toBe('open');
  });

  it('opens after repeated failures, fails fast, then closes after a successful probe', async () => {
    const client = clientOf({ retries: 0, breakerResetTimeoutMs: 500 });
    toggleDown = true;
    for (let call = 1; call <= 5; call++) {
      await expect(client.call({ method: 'GET', path: '/api/v1/toggle' })).rejects.toBeInstanceOf(
        ServiceUnavailableError,
      );
    }
    expect(seen.toggle).toBe(5);
    expect(client.breakerState).toBe('open');

    // Open: calls fail at once, without reaching the upstream.
    const fast = await client.call({ method: 'GET', path: '/api/v1/toggle' }).catch((error) => error);
    expect(fast).toBeInstanceOf(ServiceUnavailableError);
    expect(fast.message).toBe('the ticket service is unavailable (circuit open)');
    expect(seen.toggle).toBe(5);

    // After the reset timeout one probe is let through; it succeeds and the circuit closes.
    toggleDown = false;
    await vi.waitFor(() => expect(client.breakerState).toBe('half-open'), { timeout: 5_000, interval: 25 });
    const probe = await client.call<{ up: boolean }>({ method: 'GET', path: '/api/v1/toggle' });
    expect(probe.body).toEqual({ up: true });
    expect(seen.toggle).toBe(6);
    expect(client.breakerState).toBe('closed');
    expect((await client.call({ method: 'GET', path: '/api/v1/toggle' })).status).toBe(200);
  });

  it('opens again when the half-open probe fails', async () => {
    const client = clientOf({ retries: 0, breakerResetTimeoutMs: 300 });
    toggleDown = true;
    for (let call = 1; call <= 5; call++) {
      await client.call({ method: 'GET', path: '/api/v1/toggle' }).catch(() => undefined);
    }
    expect(client.breakerState).toBe('open');
    await vi.waitFor(() => expect(client.breakerState).toBe('half-open'), { timeout: 5_000, interval: 25 });
    await expect(client.call({ method: 'GET', path: '/api/v1/toggle' })).rejects.toBeInstanceOf(
      ServiceUnavailableError,
    );
    expect(seen.toggle).toBe(6);
    expect(client.breakerState).toBe('open');
  });
});
