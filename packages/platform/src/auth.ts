// Internal service tokens: a short-lived JWT (HS256 over a shared secret) that every
// service-to-service call carries. The gateway puts the verified end user in it, so
// services trust the identity without each re-verifying the user's access token.
import { errors, jwtVerify, SignJWT } from 'jose';
import { VerifiedTokens } from './verified-tokens.js';

export const ROLES = ['USER', 'ORGANIZER', 'STAFF', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];

export interface Identity {
  userId: string;
  roles: Role[];
  /** Id of the access token, so logout can revoke it. */
  tokenId?: string;
}

export interface InternalClaims {
  /** The calling service. */
  service: string;
  /** The end user on whose behalf the call is made, if any. */
  user?: Identity;
}

export const INTERNAL_TOKEN_HEADER = 'x-internal-token';
const ISSUER = 'ticketing-internal';
const AUDIENCE = 'ticketing-services';

export class InternalTokens {
  private readonly key: Uint8Array;
  private readonly cache = new Map<string, { token: string; refreshAt: number }>();
  private readonly verified = new VerifiedTokens<InternalClaims>();

  constructor(
    secret: string,
    private readonly lifetimeSeconds = 60,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  async issue(claims: InternalClaims): Promise<string> {
    // Reuse a token for a sixth of its life: signing per request would be wasted work, and a
    // request that waits in queues under an on-sale crowd still arrives with most of its life left.
    const cacheKey = JSON.stringify(claims);
    const cached = this.cache.get(cacheKey);
    if (cached && cached.refreshAt > Date.now()) return cached.token;
    const token = await new SignJWT({ svc: claims.service, usr: claims.user })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${this.lifetimeSeconds}s`)
      .sign(this.key);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(cacheKey, { token, refreshAt: Date.now() + (this.lifetimeSeconds * 1000) / 6 });
    return token;
  }

  /** Returns the claims, or undefined for a missing, expired, forged or malformed token. */
  async verify(token: string | undefined): Promise<InternalClaims | undefined> {
    if (!token) return undefined;
    const known = this.verified.get(token, Date.now());
    if (known) return known;
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
      });
      if (typeof payload.svc !== 'string') return undefined;
      const user = payload.usr as Identity | undefined;
      if (user !== undefined && (typeof user.userId !== 'string' || !Array.isArray(user.roles)))
        return undefined;
      const claims = user ? { service: payload.svc, user } : { service: payload.svc };
      this.verified.remember(token, claims, payload.exp);
      return claims;
    } catch (error) {
      if (error instanceof errors.JOSEError) return undefined;
      throw error;
    }
  }
}
