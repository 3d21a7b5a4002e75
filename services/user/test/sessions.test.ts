// Login, tokens, refresh rotation and logout, as a buyer's app experiences them.
import { randomUUID } from 'node:crypto';
import { generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { startTestPlatform, type TestPlatform } from '../../../tools/test/platform.js';
import { expectProblem, login, register, registerAndLogin } from './support.js';

let t: TestPlatform;
beforeAll(async () => {
  // The timing story below repeats failed logins past the per-account throttle; it measures argon2, not the block.
  t = await startTestPlatform({
    services: ['user', 'gateway'],
    env: { USER_LOGIN_THROTTLE_AFTER_FAILURES: '1000' },
  });
});
afterAll(() => t?.stop());

const me = (token: string) => call(t.gatewayUrl, 'GET', '/api/v1/users/me', { token });
const refresh = (refreshToken: string) =>
  call(t.gatewayUrl, 'POST', '/api/v1/auth/refresh', { body: { refreshToken } });

/** Signs a token with the service's own key, to craft cases a client could not produce honestly. */
async function signWithServiceKey(claims: Record<string, unknown>, expiresAt: number) {
  const client = new pg.Client({ connectionString: t.databaseUrl });
  await client.connect();
  const { rows } = await client.query(
    'SELECT kid, private_jwk FROM users.signing_keys WHERE retired_at IS NULL',
  );
  await client.end();
  const key = await importJWK(rows[0].private_jwk as JWK, 'EdDSA');
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'EdDSA', kid: rows[0].kid })
    .setIssuer('ticketing-user-service')
    .setAudience('ticketing')
    .setJti(randomUUID())
    .setIssuedAt(expiresAt - 900)
    .setExpirationTime(expiresAt)
    .sign(key);
}

describe('logging in', () => {
  it('accepts the username or the email and returns a token pair with the user', async () => {
    const { account, user } = await register(t.gatewayUrl);
    const byUsername = await login(t.gatewayUrl, account.username, account.password);
    expect(byUsername).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user: { id: user.id } });
    expect(byUsername.accessToken.split('.')).toHaveLength(3);
    const byEmail = await call(t.gatewayUrl, 'POST', '/api/v1/auth/login', {
      body: { email: account.email, password: account.password },
    });
    expect(byEmail.status).toBe(200);
    const emailAsUsername = await login(t.gatewayUrl, account.email.toUpperCase(), account.password);
    expect(emailAsUsername.user.id).toBe(user.id);
    expect((await me(byUsername.accessToken)).body).toMatchObject({
      id: user.id,
      username: account.username,
    });
  });

  it('gives a wrong password and an unknown user the same answer, with the same work behind it', async () => {
    const { account } = await register(t.gatewayUrl);
    const wrong = await call(t.gatewayUrl, 'POST', '/api/v1/auth/login', {
      body: { username: account.username, password: 'not-the-password-1' },
    });
    const unknown = await call(t.gatewayUrl, 'POST', '/api/v1/auth/login', {
      body: { username: 'nobody_here', password: 'not-the-password-1' },
    });
    expectProblem(wrong, 401, 'invalid_credentials');
    expectProblem(unknown, 401, 'invalid_credentials');
    expect(unknown.body.detail).toBe(wrong.body.detail);

    // Timing class, not speed: an unknown user must cost an argon2 verification too
    // (without it the answer is an order of magnitude faster).
    const median = async (username: string) => {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        await call(t.gatewayUrl, 'POST', '/api/v1/auth/login', {
          body: { username, password: 'not-the-password-1' },
        });
        times.push(performance.now() - started);
      }
      return times.sort((a, b) => a - b)[2]!;
    };
    const ratio = (await median('nobody_here')) / (await median(account.username));
    expect(ratio).toBeGreaterThan(0.4);
  });

  it('names the missing credential', async () => {
    expectProblem(
      await call(t.gatewayUrl, 'POST', '/api/v1/auth/login', { body: { password: 'x' } }),
      400,
      'validation_failed',
      'username',
    );
    expectProblem(
      await call(t.gatewayUrl, 'POST', '/api/v1/auth/login', { body: { username: 'x' } }),
      400,
      'validation_failed',
      'password',
    );
  });
});

describe('access tokens', () => {
  it('are required for my profile', async () => {
    expectProblem(await call(t.gatewayUrl, 'GET', '/api/v1/users/me'), 401);
  });

  it('refuse a malformed header, a tampered token and one signed by another key', async () => {
    const { tokens } = await registerAndLogin(t.gatewayUrl);
    expectProblem(
      await call(t.gatewayUrl, 'GET', '/api/v1/users/me', { headers: { authorization: 'Token abc' } }),
      401,
      'malformed_authorization',
    );
    const [header, payload, signature] = tokens.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, roles: ['ADMIN'] })).toString('base64url');
    expectProblem(await me(`${header}.${forged}.${signature}`), 401, 'invalid_token');

    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const kid = JSON.parse(Buffer.from(header!, 'base64url').toString()).kid;
    const otherKey = await new SignJWT({ roles: ['ADMIN'] })
      .setProtectedHeader({ alg: 'EdDSA', kid })
      .setIssuer('ticketing-user-service')
      .setAudience('ticketing')
      .setSubject(claims.sub)
      .setJti(randomUUID())
      .setExpirationTime('5m')
      .sign(privateKey);
    expectProblem(await me(otherKey), 401, 'invalid_token');
  });

  it('refuse alg none', async () => {
    const { tokens } = await registerAndLogin(t.gatewayUrl);
    const payload = tokens.accessToken.split('.')[1];
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    expectProblem(await me(unsigned), 401);
  });

  it('refuse an expired token', async () => {
    const { user } = await registerAndLogin(t.gatewayUrl);
    const expired = await signWithServiceKey(
      { sub: user.id, roles: ['USER'] },
      Math.floor(Date.now() / 1000) - 60,
    );
    expectProblem(await me(expired), 401, 'token_expired');
    const fresh = await signWithServiceKey(
      { sub: user.id, roles: ['USER'] },
      Math.floor(Date.now() / 1000) + 60,
    );
    expect((await me(fresh)).status).toBe(200);
  });

  it('are verifiable by anyone with the published JWKS', async () => {
    const jwks = await call(t.gatewayUrl, 'GET', '/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    expect(jwks.body.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(jwks.body.keys[0]).not.toHaveProperty('d');
  });
});

describe('refreshing', () => {
  it('rotates the pair and refuses the old refresh token', async () => {
    const { tokens } = await registerAndLogin(t.gatewayUrl);
    const rotated = await refresh(tokens.refreshToken);
    expect(rotated.status).toBe(200);
    expect(rotated.body.refreshToken).not.toBe(tokens.refreshToken);
    expect((await me(rotated.body.accessToken)).status).toBe(200);
    expectProblem(await refresh(tokens.refreshToken), 401, 'refresh_token_reused');
  });

  it('treats a reused refresh token as theft and ends the whole login', async () => {
    const { tokens } = await registerAndLogin(t.gatewayUrl);
    const first = await refresh(tokens.refreshToken);
    const second = await refresh(first.body.refreshToken);
    expect(second.status).toBe(200);
    expectProblem(await refresh(tokens.refreshToken), 401, 'refresh_token_reused');
    expectProblem(await refresh(second.body.refreshToken), 401, 'refresh_token_revoked');
  });

  it('lets only one of two simultaneous refreshes with one token win', async () => {
    const { tokens } = await registerAndLogin(t.gatewayUrl);
    const answers = await Promise.all([refresh(tokens.refreshToken), refresh(tokens.refreshToken)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 401]);
  });

  it('refuses an unknown token', async () => {
    expectProblem(await refresh('made-up-token'), 401, 'refresh_token_invalid');
  });

  it('keeps other logins of the same user alive', async () => {
    const { account, tokens } = await registerAndLogin(t.gatewayUrl);
    const laptop = await login(t.gatewayUrl, account.username, account.password);
    await refresh(tokens.refreshToken);
    await refresh(tokens.refreshToken); // reuse on the phone kills the phone's login only
    expect((await refresh(laptop.refreshToken)).status).toBe(200);
  });
});

describe('logging out', () => {
  it('revokes the refresh token and the access token presented with it', async () => {
    const { tokens } = await registerAndLogin(t.gatewayUrl);
    const out = await call(t.gatewayUrl, 'POST', '/api/v1/auth/logout', {
      body: { refreshToken: tokens.refreshToken },
      token: tokens.accessToken,
    });
    expect(out.status).toBe(204);
    expectProblem(await refresh(tokens.refreshToken), 401, 'refresh_token_revoked');
    expectProblem(await me(tokens.accessToken), 401, 'token_revoked');
  });

  it('is harmless when repeated or when the token is unknown', async () => {
    const { tokens } = await registerAndLogin(t.gatewayUrl);
    for (const refreshToken of [tokens.refreshToken, tokens.refreshToken, 'unknown-token']) {
      expect(
        (await call(t.gatewayUrl, 'POST', '/api/v1/auth/logout', { body: { refreshToken } })).status,
      ).toBe(204);
    }
  });
});
