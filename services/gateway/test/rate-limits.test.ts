// Stories of rate limits: strict on login, per user on holds, counted per client in sliding
// windows in the cache store (memory in `npm test`, Redis in `test:full`).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { startTestPlatform, type TestPlatform } from '../../../tools/test/platform.js';
import {
  expectProblem,
  INTERNAL_TOKEN_SECRET,
  registerAndLogin,
  startUpstreams,
  type TestUpstream,
} from './support.js';

let t: TestPlatform;
let ticket: TestUpstream;

beforeAll(async () => {
  [ticket] = (await startUpstreams('ticket', ['ticket-a'])) as [TestUpstream];
  t = await startTestPlatform({
    services: ['user', 'gateway'],
    env: {
      INTERNAL_TOKEN_SECRET,
      TICKET_SERVICE_URL: ticket.url,
      RATE_LIMIT_AUTH: '3/1m',
      RATE_LIMIT_HOLDS: '4/1m',
      // Clients are told apart by X-Forwarded-For from the (loopback) proxy in front: each story
      // below is a new client, even in test:full where every test file shares one Redis.
      GATEWAY_TRUST_PROXY: 'loopback',
    },
  });
});
afterAll(async () => {
  await t?.stop();
  await ticket?.kill();
});

/** A client address of its own (documentation range), new for every run. */
const newClient = () => ({
  'x-forwarded-for': `2001:db8::${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}`,
});

it('counts in the store the platform runs on', () => {
  expect(t.platform.infrastructure.cache.kind).toBe(inject('redisUrl') ? 'redis' : 'memory');
});

describe('login', () => {
  it('allows a few attempts per client, then answers 429 with Retry-After and RateLimit headers', async () => {
    const client = newClient();
    const attempt = () =>
      call(t.gatewayUrl, 'POST', '/api/v1/auth/login', {
        headers: client,
        body: { username: 'nobody-here', password: 'wrong-password-1' },
      });
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await attempt();
      expect(answer.status).toBe(401);
      expect(answer.headers['ratelimit-limit']).toBe('3');
      expect(answer.headers['ratelimit-policy']).toBe('3;w=60');
      remaining.push(String(answer.headers['ratelimit-remaining']));
    }
    expect(remaining).toEqual(['2', '1', '0']);

    const refused = await attempt();
    expectProblem(refused, 429, 'rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.headers['ratelimit-remaining']).toBe('0');
    expect(Number(refused.headers['ratelimit-reset'])).toBeGreaterThan(0);

    // Register and refresh share the strict class; another client is not affected.
    expectProblem(
      await call(t.gatewayUrl, 'POST', '/api/v1/auth/refresh', {
        headers: client,
        body: { refreshToken: 'x' },
      }),
      429,
    );
    const other = await call(t.gatewayUrl, 'POST', '/api/v1/auth/login', {
      headers: newClient(),
      body: { username: 'nobody-here', password: 'wrong-password-1' },
    });
    expect(other.status).toBe(401);
  });
});

describe('holds', () => {
  it('are limited per user, so two buyers behind one address each get their own budget', async () => {
    const office = newClient();
    const alice = await registerAndLogin(t.gatewayUrl, newClient());
    const bob = await registerAndLogin(t.gatewayUrl, newClient());
    const holdAs = (token: string) =>
      call(t.gatewayUrl, 'POST', '/api/v1/holds', {
        token,
        headers: office,
        body: { eventId: '42', seatIds: ['A1'] },
      });
    for (let i = 0; i < 4; i++) expect((await holdAs(alice.tokens.accessToken)).status).toBe(201);
    const handled = ticket.handled.length;
    const refused = await holdAs(alice.tokens.accessToken);
    expectProblem(refused, 429, 'rate_limited');
    expect(ticket.handled.length).toBe(handled); // refused at the edge
    expect((await holdAs(bob.tokens.accessToken)).status).toBe(201);
  });

  it('do not eat into the budget of other routes', async () => {
    const buyer = await registerAndLogin(t.gatewayUrl, newClient());
    for (let i = 0; i < 4; i++)
      await call(t.gatewayUrl, 'POST', '/api/v1/holds', {
        token: buyer.tokens.accessToken,
        body: { eventId: '42' },
      });
    expect(
      (await call(t.gatewayUrl, 'GET', '/api/v1/users/me', { token: buyer.tokens.accessToken })).status,
    ).toBe(200);
  });
});
