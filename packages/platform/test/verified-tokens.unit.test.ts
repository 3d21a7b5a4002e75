// The cache of checked signatures answers only until a token's own expiry, and stays bounded.
import { describe, expect, it } from 'vitest';
import { VerifiedTokens } from '../src/verified-tokens.js';

describe('VerifiedTokens', () => {
  it('answers a remembered token until its expiry, and not after', () => {
    const verified = new VerifiedTokens<{ sub: string }>();
    verified.remember('a.b.c', { sub: 'buyer' }, 1_000);
    expect(verified.get('a.b.c', 999_999)).toEqual({ sub: 'buyer' });
    expect(verified.get('a.b.c', 1_000_000)).toBeUndefined();
    expect(verified.get('a.b.c', 999_999)).toBeUndefined(); // forgotten once seen expired
  });

  it('knows nothing of a token it was not given, nor of one without an expiry', () => {
    const verified = new VerifiedTokens<string>();
    verified.remember('no.exp.token', 'claims', undefined);
    expect(verified.get('no.exp.token', 0)).toBeUndefined();
    expect(verified.get('other.token.here', 0)).toBeUndefined();
  });

  it('drops the oldest half when full, keeping the newest', () => {
    const verified = new VerifiedTokens<number>();
    for (let index = 0; index <= 20_000; index++) verified.remember(`t${index}`, index, 10);
    expect(verified.get('t0', 0)).toBeUndefined();
    expect(verified.get('t20000', 0)).toBe(20_000);
    expect(verified.get('t19999', 0)).toBe(19_999);
  });
});
