// Internal service tokens: what one service signs, another accepts; anything expired,
// forged, unsigned or tampered with is simply not a token.
import { SignJWT } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { type InternalClaims, InternalTokens } from '../src/auth.js';

const SECRET = 'the-shared-internal-secret-of-this-test';
const tokens = new InternalTokens(SECRET);
const buyer: InternalClaims = {
  service: 'gateway',
  user: { userId: 'user-1', roles: ['USER'], tokenId: 'jti-1' },
};

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Signs claims the way InternalTokens does, with full control over every field. */
function craft(payload: Record<string, unknown>, secret = SECRET) {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('ticketing-internal')
    .setAudience('ticketing-services')
    .setIssuedAt()
    .sign(new TextEncoder().encode(secret));
}

describe('InternalTokens', () => {
  it('round-trips a service and its end user', async () => {
    expect(await tokens.verify(await tokens.issue(buyer))).toEqual(buyer);
    expect(await tokens.verify(await tokens.issue({ service: 'order' }))).toEqual({ service: 'order' });
  });

  it('is accepted by another instance holding the same secret', async () => {
    const elsewhere = new InternalTokens(SECRET);
    expect(await elsewhere.verify(await tokens.issue(buyer))).toEqual(buyer);
  });

  it('reuses a token for the same claims, and never mixes up different users', async () => {
    const first = await tokens.issue(buyer);
    expect(await tokens.issue(buyer)).toBe(first);
    const other = await tokens.issue({ service: 'gateway', user: { userId: 'user-2', roles: ['ADMIN'] } });
    expect(other).not.toBe(first);
    expect((await tokens.verify(other))?.user?.userId).toBe('user-2');
  });

  it('treats a missing or malformed token as no token', async () => {
    expect(await tokens.verify(undefined)).toBeUndefined();
    expect(await tokens.verify('')).toBeUndefined();
    expect(await tokens.verify('not.a.jwt')).toBeUndefined();
    expect(await tokens.verify('Bearer abc')).toBeUndefined();
  });

  it('refuses an expired token', async () => {
    const valid = await craft({ svc: 'gateway', exp: nowSeconds() + 60 });
    expect(await tokens.verify(valid)).toEqual({ service: 'gateway' }); // the crafting itself is right
    const expired = await craft({ svc: 'gateway', exp: nowSeconds() - 5 });
    expect(await tokens.verify(expired)).toBeUndefined();
  });

  it('refuses a token it issued once its lifetime has passed, and signs a fresh one', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const token = await tokens.issue({ service: 'ticket' });
      expect(await tokens.verify(token)).toEqual({ service: 'ticket' });
      vi.setSystemTime(Date.now() + 61_000); // the default lifetime is 60 s
      expect(await tokens.verify(token)).toBeUndefined();
      const fresh = await tokens.issue({ service: 'ticket' });
      expect(fresh).not.toBe(token);
      expect(await tokens.verify(fresh)).toEqual({ service: 'ticket' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('reuses a token for ten seconds only, so a request queued under load arrives with most of its life', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const token = await tokens.issue({ service: 'order' });
      vi.setSystemTime(Date.now() + 9_000);
      expect(await tokens.issue({ service: 'order' })).toBe(token);
      vi.setSystemTime(Date.now() + 2_000);
      const fresh = await tokens.issue({ service: 'order' });
      expect(fresh).not.toBe(token);
      vi.setSystemTime(Date.now() + 45_000); // issued 11 s in, still valid 56 s in
      expect(await tokens.verify(fresh)).toEqual({ service: 'order' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses a token signed with another secret', async () => {
    const forger = new InternalTokens('someone-elses-secret');
    expect(await tokens.verify(await forger.issue(buyer))).toBeUndefined();
    expect(
      await tokens.verify(await craft({ svc: 'gateway', exp: nowSeconds() + 60 }, 'guess')),
    ).toBeUndefined();
  });

  it('refuses an unsigned (alg: none) token', async () => {
    const payload = {
      svc: 'gateway',
      usr: { userId: 'attacker', roles: ['ADMIN'] },
      iss: 'ticketing-internal',
      aud: 'ticketing-services',
      iat: nowSeconds(),
      exp: nowSeconds() + 60,
    };
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(payload)}.`;
    expect(await tokens.verify(unsigned)).toBeUndefined();
    // Nor does keeping an HS256 header with an empty signature help.
    expect(
      await tokens.verify(`${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(payload)}.`),
    ).toBeUndefined();
  });

  it('refuses a token whose payload was tampered with', async () => {
    const token = await tokens.issue(buyer);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    claims.usr.roles = ['ADMIN'];
    const tampered = `${header}.${base64url(claims)}.${signature}`;
    expect(tampered).not.toBe(token);
    expect(await tokens.verify(tampered)).toBeUndefined();
  });

  it('refuses well-signed tokens that are not internal service tokens', async () => {
    const exp = nowSeconds() + 60;
    expect(await tokens.verify(await craft({ exp }))).toBeUndefined(); // no calling service
    expect(await tokens.verify(await craft({ svc: 'gateway', usr: { userId: 7 }, exp }))).toBeUndefined();
    expect(
      await tokens.verify(await craft({ svc: 'gateway', usr: { userId: 'u', roles: 'ADMIN' }, exp })),
    ).toBe(undefined);
    const otherAudience = await new SignJWT({ svc: 'gateway' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('ticketing-internal')
      .setAudience('someone-else')
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode(SECRET));
    expect(await tokens.verify(otherAudience)).toBeUndefined();
  });
});
