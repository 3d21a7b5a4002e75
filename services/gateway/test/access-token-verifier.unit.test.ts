// The purchase path's cost of revocation: every request with a token asks the cache store once —
// the token's logout and its user's cut-off in one round trip — even when its signature is cached.
import { randomUUID } from 'node:crypto';
import {
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_ISSUER,
  accessTokensNotBeforeKey,
  revokedAccessTokenKey,
} from '@ticketing/contracts';
import { type CacheStore, ManualClock, MemoryCacheStore } from '@ticketing/platform';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { AccessTokenVerifier } from '../src/authentication.js';

const clock = new ManualClock('2030-05-01T10:00:00Z');
let sign: (userId: string, issuedAtMs: number) => Promise<string>;
let publicJwk: Record<string, unknown>;

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  publicJwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA' };
  sign = (userId, issuedAtMs) =>
    new SignJWT({ roles: ['USER'] })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setSubject(userId)
      .setJti(randomUUID())
      .setIssuedAt(issuedAtMs / 1000)
      .setExpirationTime(Math.floor(issuedAtMs / 1000) + 900)
      .sign(privateKey);
});

/** A memory store that counts the round trips the verifier makes. */
function countingStore() {
  const inner = new MemoryCacheStore();
  const trips = { get: 0, getMany: 0 };
  const store: CacheStore = Object.create(inner);
  store.get = (key) => {
    trips.get++;
    return inner.get(key);
  };
  store.getMany = (keys) => {
    trips.getMany++;
    return inner.getMany(keys);
  };
  return { store, trips };
}

describe('checking an access token', () => {
  it('costs one cache round trip per request, the signature checked only the first time', async () => {
    const { store, trips } = countingStore();
    const verifier = new AccessTokenVerifier({
      fetchJwks: async () => ({ keys: [publicJwk] }),
      cache: store,
      clock,
    });
    const token = await sign(randomUUID(), clock.now().getTime());
    for (let request = 0; request < 3; request++)
      expect(await verifier.identify(`Bearer ${token}`)).toMatchObject({ roles: ['USER'] });
    expect(trips).toEqual({ get: 0, getMany: 3 });
  });

  it("refuses a token issued before its user's cut-off, to the millisecond, and not one issued at or after it", async () => {
    const { store } = countingStore();
    const verifier = new AccessTokenVerifier({
      fetchJwks: async () => ({ keys: [publicJwk] }),
      cache: store,
      clock,
    });
    const userId = randomUUID();
    const cutoff = clock.now().getTime() + 250;
    const before = await sign(userId, cutoff - 1);
    const at = await sign(userId, cutoff);
    const verified = await verifier.identify(`Bearer ${before}`);
    expect(verified?.userId).toBe(userId);

    await store.set(accessTokensNotBeforeKey(userId), String(cutoff), 60_000);
    await expect(verifier.identify(`Bearer ${before}`)).rejects.toMatchObject({ code: 'token_revoked' });
    expect((await verifier.identify(`Bearer ${at}`))?.userId).toBe(userId);
    // Another user's cut-off changes nothing for this one.
    const bystander = await sign(randomUUID(), cutoff - 1);
    expect(await verifier.identify(`Bearer ${bystander}`)).toBeDefined();
  });

  it('asks the user service about both, with the issue time, when the cache store cannot answer', async () => {
    const { store } = countingStore();
    store.getMany = async () => {
      throw new Error('redis is gone');
    };
    const asked: unknown[] = [];
    const verifier = new AccessTokenVerifier({
      fetchJwks: async () => ({ keys: [publicJwk] }),
      cache: store,
      clock,
      revokedAtSource: async (question) => {
        asked.push(question);
        return true;
      },
    });
    const userId = randomUUID();
    const issuedAtMs = clock.now().getTime() - 1234;
    const token = await sign(userId, issuedAtMs);
    await expect(verifier.identify(`Bearer ${token}`)).rejects.toMatchObject({ code: 'token_revoked' });
    expect(asked).toEqual([{ tokenId: expect.any(String), userId, issuedAtMs }]);
    expect(revokedAccessTokenKey('x')).toBe('revoked-access-token:x');
  });
});
