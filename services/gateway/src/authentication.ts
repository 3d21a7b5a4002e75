// Verifies access tokens at the edge against the user service's JWKS (fetched once,
// cached, refetched on an unknown key id) and the revocation list in the cache store.
import { type CacheStore, type Identity, ROLES, type Role, UnauthorizedError } from '@ticketing/platform';
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, revokedAccessTokenKey } from '@ticketing/user-service';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';

export class AccessTokenVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(
    jwksUrl: string,
    private readonly cache: CacheStore,
  ) {
    this.jwks = createRemoteJWKSet(new URL(jwksUrl), {
      cooldownDuration: 5_000,
      cacheMaxAge: 600_000,
      timeoutDuration: 3_000,
    });
  }

  /** Undefined without an Authorization header; throws 401 for a malformed, invalid, expired or revoked token. */
  async identify(authorization: string | undefined): Promise<Identity | undefined> {
    if (authorization === undefined) return undefined;
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(authorization);
    if (!match)
      throw new UnauthorizedError(
        'The Authorization header must be "Bearer <access token>"',
        'malformed_authorization',
      );
    let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
    try {
      ({ payload } = await jwtVerify(match[1]!, this.jwks, {
        issuer: ACCESS_TOKEN_ISSUER,
        audience: ACCESS_TOKEN_AUDIENCE,
        algorithms: ['EdDSA', 'ES256'],
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired)
        throw new UnauthorizedError('The access token has expired', 'token_expired');
      if (error instanceof errors.JOSEError)
        throw new UnauthorizedError('The access token is not valid', 'invalid_token');
      throw error;
    }
    const roles = Array.isArray(payload.roles)
      ? payload.roles.filter((role): role is Role => ROLES.includes(role as Role))
      : [];
    if (typeof payload.sub !== 'string' || typeof payload.jti !== 'string') {
      throw new UnauthorizedError('The access token is not valid', 'invalid_token');
    }
    if ((await this.cache.get(revokedAccessTokenKey(payload.jti))) !== null) {
      throw new UnauthorizedError('The access token has been revoked', 'token_revoked');
    }
    return { userId: payload.sub, roles, tokenId: payload.jti };
  }
}
