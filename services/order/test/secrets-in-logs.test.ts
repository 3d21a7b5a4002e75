// Everything the services log while people register, log in (and fail to), refresh, buy tickets
// with a card and read their order, at debug level: read back whole, it holds no password, hash,
// access or refresh token, internal token, ticket code, card number or configured secret.
import { Writable } from 'node:stream';
import { createLogger } from '@ticketing/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { TEST_ADMIN } from '../../../tools/test/platform.js';
import { expectProblem, newAccount, register } from '../../user/test/support.js';
import { buy, CARDS, holdStanding, type OrderPlatform, publishEvent, startOrderPlatform } from './support.js';

const INTERNAL_TOKEN_SECRET = 'log-scan-internal-token-secret-0123456789abcdef';
const CARD_FINGERPRINT_SECRET = 'log-scan-card-fingerprint-secret-0123456789abcdef';
/** A compact JWS/JWT: whatever it is (an access, internal or ticket code), it is a credential. */
const JWS = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}/;

/** Every line the services wrote. */
const lines: string[] = [];
const logged = new Writable({
  write(chunk, _encoding, done) {
    lines.push(String(chunk));
    done();
  },
});
let p: OrderPlatform;

beforeAll(async () => {
  p = await startOrderPlatform({
    logger: createLogger('debug', {}, logged),
    env: { INTERNAL_TOKEN_SECRET, PAYMENT_CARD_FINGERPRINT_SECRET: CARD_FINGERPRINT_SECRET },
  });
});
afterAll(() => p?.stop());

describe('the logs of a register, a login, a failed login, a refresh and a purchase', () => {
  it('hold none of the secrets that went through the services', async () => {
    const { account } = await register(p.gateway, newAccount());
    const signedIn = await call(p.gateway, 'POST', '/api/v1/auth/login', {
      body: { username: account.username, password: account.password },
    });
    expect(signedIn.status).toBe(200);
    const wrongPassword = 'Not-the-password-77';
    expectProblem(
      await call(p.gateway, 'POST', '/api/v1/auth/login', {
        body: { email: account.email, password: wrongPassword },
      }),
      401,
      'invalid_credentials',
    );
    const refreshed = await call(p.gateway, 'POST', '/api/v1/auth/refresh', {
      body: { refreshToken: signedIn.body.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    // A login that proves its device with the refresh token it held before.
    const again = await call(p.gateway, 'POST', '/api/v1/auth/login', {
      body: {
        username: account.username,
        password: account.password,
        previousRefreshToken: refreshed.body.refreshToken,
      },
    });
    expect(again.status).toBe(200);

    const buyer = { id: again.body.user.id, token: again.body.accessToken };
    const event = await publishEvent(p);
    const hold = await holdStanding(p, buyer, event, 1);
    const bought = await buy(p, buyer, hold.id, { card: CARDS.success });
    expect(bought.status, JSON.stringify(bought.body)).toBe(201);
    const order = await call(p.gateway, 'GET', `/api/v1/orders/${bought.body.id}`, { token: buyer.token });
    expect(order.status).toBe(200);
    const codes = order.body.tickets.map((ticket: { code: string }) => ticket.code);
    expect(codes.every(Boolean)).toBe(true);

    // The last request's line is written once the services are done with it.
    const last = await call(p.gateway, 'GET', '/api/v1/users/me', { token: 'not-a-token' });
    await expect
      .poll(() => lines.some((line) => line.includes(last.body.requestId)), { timeout: 10_000 })
      .toBe(true);

    const log = lines.join('');
    // The log is there and busy: the scan below has something to look at.
    expect(log).toContain('/api/v1/orders');
    expect(lines.length).toBeGreaterThan(20);
    const tokens = [signedIn.body, refreshed.body, again.body].flatMap((pair) => [
      pair.accessToken,
      pair.refreshToken,
      // The signature alone is enough to misuse a token someone could rebuild from the claims.
      pair.accessToken.split('.')[2],
    ]);
    const secrets: Record<string, string> = {
      'the password': account.password,
      'the wrong password': wrongPassword,
      "the admin's password": TEST_ADMIN.password,
      'an argon2 hash': '$argon2',
      'the card number': CARDS.success,
      'the internal token secret': INTERNAL_TOKEN_SECRET,
      'the card fingerprint secret': CARD_FINGERPRINT_SECRET,
      'the admin token': p.adminToken,
      ...Object.fromEntries(tokens.map((token, index) => [`token ${index}`, token])),
      ...Object.fromEntries(codes.map((code: string, index: number) => [`ticket code ${index}`, code])),
    };
    for (const [what, secret] of Object.entries(secrets))
      expect(log.includes(secret), `the log holds ${what}`).toBe(false);
    const credential = lines.find((line) => JWS.test(line));
    expect(credential, `a line holds a token: ${credential?.slice(0, 300)}`).toBeUndefined();
  });
});
