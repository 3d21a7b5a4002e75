// Logged-out access tokens stay refused whatever happens to the cache store that holds the
// gateway's copy of the list: the user service keeps every revocation in its database, copies
// them back into the cache (after a Redis restart emptied it), and answers the gateway itself
// while the cache store cannot be read at all.
import { revokedAccessTokenKey } from '@ticketing/contracts';
import { INTERNAL_TOKEN_HEADER } from '@ticketing/platform';
import { freePort } from '@ticketing/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { startTestPlatform, type TestPlatform } from '../../../tools/test/platform.js';
import { expectProblem, registerAndLogin } from './support.js';

const tokenId = (accessToken: string): string =>
  JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()).jti;

async function logout(t: TestPlatform, tokens: { accessToken: string; refreshToken: string }) {
  const out = await call(t.gatewayUrl, 'POST', '/api/v1/auth/logout', {
    body: { refreshToken: tokens.refreshToken },
    token: tokens.accessToken,
  });
  expect(out.status, JSON.stringify(out.body)).toBe(204);
}

const me = (t: TestPlatform, token: string) => call(t.gatewayUrl, 'GET', '/api/v1/users/me', { token });

describe('with the cache store up', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({
      services: ['user', 'gateway'],
      env: { USER_REVOCATION_MIRROR_INTERVAL_MS: '200' },
    });
  });
  afterAll(() => t?.stop());

  const revocation = async (id: string, caller: string) =>
    call(t.platform.url('user'), 'GET', `/api/v1/internal/access-tokens/${id}/revocation`, {
      headers: { [INTERNAL_TOKEN_HEADER]: await t.platform.infrastructure.tokens.issue({ service: caller }) },
    });

  it('tells services whether a token was logged out, and nobody else', async () => {
    const { tokens } = await registerAndLogin(t.gatewayUrl);
    const id = tokenId(tokens.accessToken);
    expect((await revocation(id, 'gateway-authentication')).body).toEqual({ revoked: false });
    await logout(t, tokens);
    expect((await revocation(id, 'gateway-authentication')).body).toEqual({ revoked: true });

    // What every proxied request carries is not enough, and the route is not on the public API.
    expectProblem(await revocation(id, 'gateway'), 403);
    expect((await call(t.gatewayUrl, 'GET', `/api/v1/internal/access-tokens/${id}/revocation`)).status).toBe(
      404,
    );
    expectProblem(await revocation('not-a-token-id', 'gateway-authentication'), 400, undefined, 'tokenId');
  });

  it('copies the revocation back after the cache store lost it', async () => {
    const { tokens } = await registerAndLogin(t.gatewayUrl);
    await logout(t, tokens);
    expectProblem(await me(t, tokens.accessToken), 401, 'token_revoked');

    // As after a Redis restart: the cache store forgot the list.
    await t.platform.infrastructure.cache.delete(revokedAccessTokenKey(tokenId(tokens.accessToken)));
    await expect
      .poll(async () => (await me(t, tokens.accessToken)).body?.code, { timeout: 10_000, interval: 100 })
      .toBe('token_revoked');
  });
});

describe('with the cache store unreachable', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    // A Redis URL where nothing listens: every cache read and write fails.
    t = await startTestPlatform({
      services: ['user', 'gateway'],
      env: { REDIS_URL: `redis://127.0.0.1:${await freePort()}` },
    });
  });
  afterAll(() => t?.stop());

  it('lets signed-in buyers on, and keeps a logged-out token out', async () => {
    const { tokens, user } = await registerAndLogin(t.gatewayUrl);
    const mine = await me(t, tokens.accessToken);
    expect(mine.status, JSON.stringify(mine.body)).toBe(200);
    expect(mine.body.id).toBe(user.id);

    await logout(t, tokens);
    expectProblem(await me(t, tokens.accessToken), 401, 'token_revoked');
  }, 60_000);

  it("keeps a token issued before its user's cut-off out (a password change)", async () => {
    const { account, tokens } = await registerAndLogin(t.gatewayUrl);
    const changed = await call(t.gatewayUrl, 'POST', '/api/v1/users/me/password', {
      token: tokens.accessToken,
      body: { currentPassword: account.password, newPassword: 'another-Passphrase-7' },
    });
    expect(changed.status).toBe(204);
    expectProblem(await me(t, tokens.accessToken), 401, 'token_revoked');
  }, 60_000);
});
