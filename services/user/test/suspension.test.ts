// An admin suspends an account and later reactivates it: while suspended, its sessions and access
// tokens are dead and login says why (only to someone who knows the password).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { startTestPlatform, TEST_ADMIN, type TestPlatform } from '../../../tools/test/platform.js';
import { expectProblem, login, registerAndLogin } from './support.js';

let t: TestPlatform;
let admin: Awaited<ReturnType<typeof login>>;
beforeAll(async () => {
  t = await startTestPlatform({ services: ['user', 'gateway'], env: { RATE_LIMIT_AUTH: 'off' } });
  admin = await login(t.gatewayUrl, TEST_ADMIN.username, TEST_ADMIN.password);
});
afterAll(() => t?.stop());

const suspend = (userId: string, token = admin.accessToken) =>
  call(t.gatewayUrl, 'POST', `/api/v1/users/${userId}/suspend`, { token });
const reactivate = (userId: string, token = admin.accessToken) =>
  call(t.gatewayUrl, 'POST', `/api/v1/users/${userId}/reactivate`, { token });
const tryLogin = (username: string, password: string) =>
  call(t.gatewayUrl, 'POST', '/api/v1/auth/login', { body: { username, password } });

/** The session's access token is refused at once, and its refresh token too. */
async function expectSessionEnded(tokens: { accessToken: string; refreshToken: string }) {
  expectProblem(
    await call(t.gatewayUrl, 'GET', '/api/v1/users/me', { token: tokens.accessToken }),
    401,
    'token_revoked',
  );
  expectProblem(
    await call(t.gatewayUrl, 'POST', '/api/v1/auth/refresh', {
      body: { refreshToken: tokens.refreshToken },
    }),
    401,
    'refresh_token_revoked',
  );
}

describe('suspending an account', () => {
  it('ends its sessions and access tokens at once, and login says the account is suspended', async () => {
    const { account, user, tokens } = await registerAndLogin(t.gatewayUrl);
    const suspended = await suspend(user.id);
    expect(suspended.status, JSON.stringify(suspended.body)).toBe(200);
    expect(suspended.body).toMatchObject({ id: user.id, status: 'DISABLED' });

    await expectSessionEnded(tokens);
    const refused = await tryLogin(account.username, account.password);
    expectProblem(refused, 403, 'account_disabled');
    expect(refused.body.detail).toContain('suspended');
    // A wrong password learns nothing about the suspension.
    expectProblem(await tryLogin(account.username, 'not-the-password-1'), 401, 'invalid_credentials');

    const read = await call(t.gatewayUrl, 'GET', `/api/v1/users/${user.id}`, { token: admin.accessToken });
    expect(read.body.status).toBe('DISABLED');
  });

  it('is undone by reactivation: the account logs in again, its old sessions stay ended', async () => {
    const { account, user, tokens } = await registerAndLogin(t.gatewayUrl);
    expect((await suspend(user.id)).status).toBe(200);
    const reactivated = await reactivate(user.id);
    expect(reactivated.status).toBe(200);
    expect(reactivated.body.status).toBe('ACTIVE');

    const again = await login(t.gatewayUrl, account.username, account.password);
    expect((await call(t.gatewayUrl, 'GET', '/api/v1/users/me', { token: again.accessToken })).status).toBe(
      200,
    );
    await expectSessionEnded(tokens);
  });

  it('refuses an admin suspending themselves, an unknown user and a malformed id', async () => {
    expectProblem(await suspend(admin.user.id), 409, 'cannot_suspend_self', 'id');
    expectProblem(await suspend('01a21470-0000-7000-8000-000000000000'), 404, 'not_found');
    expectProblem(await suspend('not-a-uuid'), 400, 'validation_failed', 'id');
    expectProblem(await reactivate('not-a-uuid'), 400, 'validation_failed', 'id');
    expectProblem(await reactivate('01a21470-0000-7000-8000-000000000000'), 404, 'not_found');
  });
});

describe('who may suspend and reactivate', () => {
  const roleMatrix = [
    { role: 'anonymous', expected: 401 },
    { role: 'USER', expected: 403 },
    { role: 'ORGANIZER', expected: 403 },
    { role: 'STAFF', expected: 403 },
    { role: 'ADMIN', expected: 200 },
  ] as const;

  async function tokenFor(role: (typeof roleMatrix)[number]['role']): Promise<string | undefined> {
    if (role === 'anonymous') return undefined;
    if (role === 'ADMIN') return admin.accessToken;
    const { account, user } = await registerAndLogin(t.gatewayUrl);
    if (role !== 'USER') {
      const set = await call(t.gatewayUrl, 'PUT', `/api/v1/users/${user.id}/roles`, {
        token: admin.accessToken,
        body: { roles: [role, 'USER'] },
      });
      expect(set.status).toBe(200);
    }
    return (await login(t.gatewayUrl, account.username, account.password)).accessToken;
  }

  for (const { role, expected } of roleMatrix) {
    it(`${role}: ${expected}`, async () => {
      const token = await tokenFor(role);
      const { user: target } = await registerAndLogin(t.gatewayUrl);
      for (const action of ['suspend', 'reactivate']) {
        const answer = await call(t.gatewayUrl, 'POST', `/api/v1/users/${target.id}/${action}`, {
          ...(token && { token }),
        });
        if (expected === 200) expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        else expectProblem(answer, expected);
      }
    });
  }
});
