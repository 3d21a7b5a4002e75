// Stories of access tokens at the edge: the gateway checks them itself against the user
// service's keys and the revocation list, and only a valid, live token reaches a service.
import { randomUUID } from 'node:crypto';
import { ManualClock } from '@ticketing/platform';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { startTestPlatform, type TestPlatform } from '../../../tools/test/platform.js';
import {
  expectProblem,
  INTERNAL_TOKEN_SECRET,
  loginAsAdmin,
  registerAndLogin,
  startUpstreams,
  type TestUpstream,
} from './support.js';

const clock = new ManualClock('2030-03-01T09:00:00Z');
let t: TestPlatform;
let ticket: TestUpstream;

beforeAll(async () => {
  [ticket] = (await startUpstreams('ticket', ['ticket-a'])) as [TestUpstream];
  t = await startTestPlatform({
    services: ['user', 'gateway'],
    clock,
    env: { INTERNAL_TOKEN_SECRET, TICKET_SERVICE_URL: ticket.url, ACCESS_TOKEN_TTL_SECONDS: '60' },
  });
});
afterAll(async () => {
  await t?.stop();
  await ticket?.kill();
});

const hold = (headers: Record<string, string>) =>
  call(t.gatewayUrl, 'POST', '/api/v1/holds', { headers, body: { eventId: '42', seatIds: ['A1'] } });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('an access token', () => {
  it('that is valid lets its user through, and the service learns who it is', async () => {
    const { tokens, user } = await registerAndLogin(t.gatewayUrl);
    const answer = await hold(bearer(tokens.accessToken));
    expect(answer.status).toBe(201);
    expect(answer.body.identity).toMatchObject({ userId: user.id, roles: ['USER'] });
  });

  it('that has expired is refused with token_expired', async () => {
    const { tokens } = await registerAndLogin(t.gatewayUrl);
    clock.advance(61_000);
    expectProblem(await hold(bearer(tokens.accessToken)), 401, 'token_expired');
  });

  it('signed with a key the user service never published is refused, whatever key id it claims', async () => {
    const { tokens, user } = await registerAndLogin(t.gatewayUrl);
    const realKid = JSON.parse(Buffer.from(tokens.accessToken.split('.')[0]!, 'base64url').toString()).kid;
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const now = Math.floor(clock.now().getTime() / 1000);
    for (const kid of [realKid, randomUUID()]) {
      const forged = await new SignJWT({ roles: ['ADMIN'] })
        .setProtectedHeader({ alg: 'EdDSA', kid })
        .setIssuer('ticketing-user-service')
        .setAudience('ticketing')
        .setSubject(user.id)
        .setJti(randomUUID())
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(privateKey);
      expectProblem(await hold(bearer(forged)), 401, 'invalid_token');
    }
  });

  it('is refused once its user logged out, though it has not expired', async () => {
    const { tokens } = await registerAndLogin(t.gatewayUrl);
    expect((await hold(bearer(tokens.accessToken))).status).toBe(201);
    const logout = await call(t.gatewayUrl, 'POST', '/api/v1/auth/logout', {
      token: tokens.accessToken,
      body: { refreshToken: tokens.refreshToken },
    });
    expect(logout.status).toBe(204);
    expectProblem(await hold(bearer(tokens.accessToken)), 401, 'token_revoked');
  });

  it('in a malformed Authorization header is refused with 401, even on a public route', async () => {
    for (const header of ['Token abc', 'Bearer', 'Bearer not-a-jwt', 'Basic dXNlcjpwYXNz']) {
      expectProblem(await hold({ authorization: header }), 401, 'malformed_authorization');
      expectProblem(
        await call(t.gatewayUrl, 'GET', '/api/v1/events/1/seats', { headers: { authorization: header } }),
        401,
        'malformed_authorization',
      );
    }
  });

  it('that is stale does not stop anyone from browsing or logging in again', async () => {
    const { tokens, account } = await registerAndLogin(t.gatewayUrl);
    clock.advance(61_000);
    const seats = await call(t.gatewayUrl, 'GET', '/api/v1/events/1/seats', { token: tokens.accessToken });
    expect(seats.status).toBe(200);
    expect(seats.body.identity).toBeNull();
    const again = await call(t.gatewayUrl, 'POST', '/api/v1/auth/login', {
      token: tokens.accessToken,
      body: { username: account.username, password: account.password },
    });
    expect(again.status).toBe(200);
  });
});

describe('roles at the edge', () => {
  it('keep a buyer out of organizer and staff routes before any service is called', async () => {
    const { tokens } = await registerAndLogin(t.gatewayUrl);
    const handledBefore = ticket.handled.length;
    expectProblem(
      await call(t.gatewayUrl, 'POST', '/api/v1/checkin', { token: tokens.accessToken, body: { code: 'x' } }),
      403,
      'forbidden',
    );
    expect(ticket.handled.length).toBe(handledBefore);
  });

  it('let an admin into every admin route', async () => {
    const admin = await loginAsAdmin(t.gatewayUrl);
    expect(
      (await call(t.gatewayUrl, 'GET', '/api/v1/gateway/upstreams', { token: admin.accessToken })).status,
    ).toBe(200);
  });
});
