// Access tokens follow what happens to their user at once, not when they expire: a demotion, a
// password change or a stolen refresh token coming back refuses every access token the user had
// at the very next request (their cut-off, "not before"), while tokens issued afterwards work.
import { accessTokensNotBeforeKey } from '@ticketing/contracts';
import { INTERNAL_TOKEN_HEADER } from '@ticketing/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { startTestPlatform, TEST_ADMIN, type TestPlatform } from '../../../tools/test/platform.js';
import { expectProblem, login, registerAndLogin } from './support.js';

let t: TestPlatform;
let adminToken: string;
beforeAll(async () => {
  t = await startTestPlatform({
    services: ['user', 'gateway'],
    env: { RATE_LIMIT_AUTH: 'off', USER_REVOCATION_MIRROR_INTERVAL_MS: '200' },
  });
  adminToken = (await login(t.gatewayUrl, TEST_ADMIN.username, TEST_ADMIN.password)).accessToken;
});
afterAll(() => t?.stop());

const me = (token: string) => call(t.gatewayUrl, 'GET', '/api/v1/users/me', { token });
const listUsers = (token: string) => call(t.gatewayUrl, 'GET', '/api/v1/users', { token });
const setRoles = (userId: string, roles: string[]) =>
  call(t.gatewayUrl, 'PUT', `/api/v1/users/${userId}/roles`, { token: adminToken, body: { roles } });
const claimsOf = (accessToken: string) =>
  JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as {
    jti: string;
    sub: string;
    iat: number;
  };

describe('a role change', () => {
  it("refuses the demoted user's token at the next request; a fresh login carries the new roles", async () => {
    const { account, user } = await registerAndLogin(t.gatewayUrl);
    expect((await setRoles(user.id, ['ADMIN', 'USER'])).status).toBe(200);
    const asAdmin = await login(t.gatewayUrl, account.username, account.password);
    expect((await listUsers(asAdmin.accessToken)).status).toBe(200);

    expect((await setRoles(user.id, ['USER'])).status).toBe(200);
    // No waiting for the 15-minute token to expire: the very next request is refused.
    expectProblem(await listUsers(asAdmin.accessToken), 401, 'token_revoked');
    expectProblem(await me(asAdmin.accessToken), 401, 'token_revoked');

    const demoted = await login(t.gatewayUrl, account.username, account.password);
    expect(demoted.user.roles).toEqual(['USER']);
    expect((await me(demoted.accessToken)).status).toBe(200);
    expectProblem(await listUsers(demoted.accessToken), 403, 'forbidden');
  });

  it('also refuses a promoted user’s old token, so nobody runs on roles that are no longer theirs', async () => {
    const { account, user, tokens } = await registerAndLogin(t.gatewayUrl);
    expect((await setRoles(user.id, ['ORGANIZER', 'USER'])).status).toBe(200);
    expectProblem(await me(tokens.accessToken), 401, 'token_revoked');
    // The refresh token still works (a role change ends no session) and yields the new roles.
    const refreshed = await call(t.gatewayUrl, 'POST', '/api/v1/auth/refresh', {
      body: { refreshToken: tokens.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.user.roles).toEqual(['ORGANIZER', 'USER']);
    expect((await me(refreshed.body.accessToken)).status).toBe(200);
    expect((await login(t.gatewayUrl, account.username, account.password)).user.roles).toContain('ORGANIZER');
  });

  it('cuts nothing when the roles stay the same', async () => {
    const { user, tokens } = await registerAndLogin(t.gatewayUrl);
    expect((await setRoles(user.id, ['USER'])).status).toBe(200);
    expect((await me(tokens.accessToken)).status).toBe(200);
  });

  it("leaves other users' tokens alone", async () => {
    const bystander = await registerAndLogin(t.gatewayUrl);
    const { user } = await registerAndLogin(t.gatewayUrl);
    expect((await setRoles(user.id, ['STAFF', 'USER'])).status).toBe(200);
    expect((await me(bystander.tokens.accessToken)).status).toBe(200);
  });
});

describe('a password change', () => {
  it('refuses every access token of the user, on every device, and the new password logs in', async () => {
    const { account, tokens: laptop } = await registerAndLogin(t.gatewayUrl);
    const phone = await login(t.gatewayUrl, account.username, account.password);
    const changed = await call(t.gatewayUrl, 'POST', '/api/v1/users/me/password', {
      token: laptop.accessToken,
      body: { currentPassword: account.password, newPassword: 'another-Passphrase-7' },
    });
    expect(changed.status).toBe(204);
    expectProblem(await me(laptop.accessToken), 401, 'token_revoked');
    expectProblem(await me(phone.accessToken), 401, 'token_revoked');

    const again = await login(t.gatewayUrl, account.username, 'another-Passphrase-7');
    expect((await me(again.accessToken)).status).toBe(200);
  });
});

describe('a refresh token that comes back after rotation', () => {
  it('ends the access tokens of whoever holds the copy, and of the rightful owner', async () => {
    const { tokens: stolen } = await registerAndLogin(t.gatewayUrl);
    const rotated = await call(t.gatewayUrl, 'POST', '/api/v1/auth/refresh', {
      body: { refreshToken: stolen.refreshToken },
    });
    expect(rotated.status).toBe(200);
    const reused = await call(t.gatewayUrl, 'POST', '/api/v1/auth/refresh', {
      body: { refreshToken: stolen.refreshToken },
    });
    expectProblem(reused, 401, 'refresh_token_reused');
    expectProblem(await me(rotated.body.accessToken), 401, 'token_revoked');
    expectProblem(await me(stolen.accessToken), 401, 'token_revoked');
  });
});

describe('the cut-off outside the cache store', () => {
  const revocation = async (tokenId: string, query: string) =>
    call(t.platform.url('user'), 'GET', `/api/v1/internal/access-tokens/${tokenId}/revocation${query}`, {
      headers: {
        [INTERNAL_TOKEN_HEADER]: await t.platform.infrastructure.tokens.issue({
          service: 'gateway-authentication',
        }),
      },
    });

  it('is told by the user service to a gateway that cannot read the cache store', async () => {
    const { user, tokens } = await registerAndLogin(t.gatewayUrl);
    const { jti, iat } = claimsOf(tokens.accessToken);
    const issuedAt = Math.round(iat * 1000);
    const ask = () => revocation(jti, `?userId=${user.id}&issuedAt=${issuedAt}`);
    expect((await ask()).body).toEqual({ revoked: false });
    expect((await setRoles(user.id, ['STAFF', 'USER'])).status).toBe(200);
    expect((await ask()).body).toEqual({ revoked: true });
    // A token issued after the cut-off is not refused; without the user, only the logout list counts.
    expect((await revocation(jti, `?userId=${user.id}&issuedAt=${Date.now() + 1_000}`)).body).toEqual({
      revoked: false,
    });
    expect((await revocation(jti, '')).body).toEqual({ revoked: false });
    expectProblem(
      await revocation(jti, `?userId=${user.id}&issuedAt=soon`),
      400,
      'validation_failed',
      'issuedAt',
    );
    expectProblem(await revocation(jti, '?userId=someone&issuedAt=1'), 400, 'validation_failed', 'userId');
  });

  it('is copied back into the cache store after the store lost it', async () => {
    const { user, tokens } = await registerAndLogin(t.gatewayUrl);
    expect((await setRoles(user.id, ['STAFF', 'USER'])).status).toBe(200);
    expectProblem(await me(tokens.accessToken), 401, 'token_revoked');

    // As after a Redis restart: the cache store forgot the cut-off.
    await t.platform.infrastructure.cache.delete(accessTokensNotBeforeKey(user.id));
    await expect
      .poll(() => t.platform.infrastructure.cache.get(accessTokensNotBeforeKey(user.id)), {
        timeout: 10_000,
        interval: 100,
      })
      .not.toBeNull();
    expectProblem(await me(tokens.accessToken), 401, 'token_revoked');
  });
});
