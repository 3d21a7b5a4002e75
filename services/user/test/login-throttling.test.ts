// Guessing one account's password gets slower and slower, whatever IP addresses the guesses come
// from, and a guesser learns nothing about whether the account exists. The owner is not locked out
// for good: a block ends by itself, a device the account used before gets through, and a password
// change clears it.
import { ManualClock } from '@ticketing/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { startTestPlatform, type TestPlatform } from '../../../tools/test/platform.js';
import { expectProblem, login, registerAndLogin } from './support.js';

const clock = new ManualClock('2030-04-01T09:00:00Z');
let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform({
    services: ['user', 'gateway'],
    clock,
    env: {
      // The gateway's per-IP limit is another story (rate-limits.test.ts); here only the account's counts.
      RATE_LIMIT_AUTH: 'off',
      USER_LOGIN_THROTTLE_AFTER_FAILURES: '3',
      USER_LOGIN_THROTTLE_FIRST_BLOCK_SECONDS: '60',
      USER_LOGIN_THROTTLE_MAX_BLOCK_SECONDS: '300',
    },
  });
});
afterAll(() => t?.stop());

const tryLogin = (body: Record<string, unknown>, fromIp = '203.0.113.7') =>
  call(t.gatewayUrl, 'POST', '/api/v1/auth/login', { body, headers: { 'x-forwarded-for': fromIp } });
const WRONG = 'not-the-password-1';

/** Three wrong passwords, each from another address: a botnet gains nothing over one client. */
async function failThreeTimes(username: string) {
  for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3'])
    expectProblem(await tryLogin({ username, password: WRONG }, ip), 401, 'invalid_credentials');
}

describe('failed logins of one account', () => {
  it('hold the account back after three, even for the right password, and say for how long', async () => {
    const { account } = await registerAndLogin(t.gatewayUrl);
    await failThreeTimes(account.username);
    const held = await tryLogin({ username: account.username, password: account.password });
    expectProblem(held, 429, 'login_throttled');
    expect(held.headers['retry-after']).toBe('60');
    // By email too: it is the same account.
    expectProblem(
      await tryLogin({ email: account.email, password: account.password }),
      429,
      'login_throttled',
    );
  });

  it('give an unknown name exactly the answers a real account gets', async () => {
    const { account } = await registerAndLogin(t.gatewayUrl);
    const unknown = `nobody_${Date.now().toString(36)}`;
    const answers = async (username: string) => {
      const seen = [];
      for (let attempt = 0; attempt < 4; attempt++) {
        const answer = await tryLogin({ username, password: WRONG });
        seen.push({
          status: answer.status,
          body: { ...answer.body, requestId: undefined },
          retryAfter: answer.headers['retry-after'],
        });
      }
      return seen;
    };
    expect(await answers(unknown)).toEqual(await answers(account.username));
  });

  it('hold it back longer after each further failure, up to the cap, and then let the owner in', async () => {
    const { account } = await registerAndLogin(t.gatewayUrl);
    await failThreeTimes(account.username);
    const retryAfter = async () => {
      const held = await tryLogin({ username: account.username, password: account.password });
      expectProblem(held, 429, 'login_throttled');
      return Number(held.headers['retry-after']);
    };
    expect(await retryAfter()).toBe(60);
    const blocks = [];
    for (let round = 0; round < 4; round++) {
      clock.advance((await retryAfter()) * 1000);
      expectProblem(
        await tryLogin({ username: account.username, password: WRONG }),
        401,
        'invalid_credentials',
      );
      blocks.push(await retryAfter());
    }
    expect(blocks).toEqual([120, 240, 300, 300]);

    clock.advance(300_000);
    await login(t.gatewayUrl, account.username, account.password);
    // The success forgot the failures: one more wrong password does not block again.
    expectProblem(
      await tryLogin({ username: account.username, password: WRONG }),
      401,
      'invalid_credentials',
    );
    await login(t.gatewayUrl, account.username, account.password);
  });
});

describe('the owner of a held-back account', () => {
  it('logs in from a device the account used before (its last refresh token, even logged out)', async () => {
    const { account, tokens } = await registerAndLogin(t.gatewayUrl);
    const out = await call(t.gatewayUrl, 'POST', '/api/v1/auth/logout', {
      body: { refreshToken: tokens.refreshToken },
      token: tokens.accessToken,
    });
    expect(out.status).toBe(204);
    await failThreeTimes(account.username);

    const fromKnownDevice = await tryLogin({
      username: account.username,
      password: account.password,
      previousRefreshToken: tokens.refreshToken,
    });
    expect(fromKnownDevice.status, JSON.stringify(fromKnownDevice.body)).toBe(200);
    // The block is over for every device now.
    await login(t.gatewayUrl, account.username, account.password);
  });

  it('is not let through with another account’s refresh token or a made-up one', async () => {
    const stranger = await registerAndLogin(t.gatewayUrl);
    const { account } = await registerAndLogin(t.gatewayUrl);
    await failThreeTimes(account.username);
    for (const previousRefreshToken of [stranger.tokens.refreshToken, 'made-up-token'])
      expectProblem(
        await tryLogin({ username: account.username, password: account.password, previousRefreshToken }),
        429,
        'login_throttled',
      );
  });

  it('clears the block by changing the password from a session still open', async () => {
    const { account, tokens } = await registerAndLogin(t.gatewayUrl);
    await failThreeTimes(account.username);
    const changed = await call(t.gatewayUrl, 'POST', '/api/v1/users/me/password', {
      token: tokens.accessToken,
      body: { currentPassword: account.password, newPassword: 'another-Passphrase-7' },
    });
    expect(changed.status).toBe(204);
    await login(t.gatewayUrl, account.username, 'another-Passphrase-7');
  });
});

describe('a login with a bad device proof', () => {
  it('names the field', async () => {
    expectProblem(
      await tryLogin({ username: 'someone', password: WRONG, previousRefreshToken: '' }),
      400,
      'validation_failed',
      'previousRefreshToken',
    );
    expectProblem(
      await tryLogin({ username: 'someone', password: WRONG, previousRefreshToken: 'x'.repeat(201) }),
      400,
      'validation_failed',
      'previousRefreshToken',
    );
  });
});
