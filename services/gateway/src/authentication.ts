// Verifies access tokens at the edge against the user service's JWKS (fetched once, cached,
// refetched on an unknown key id) and the revocation list in the cache store — the token's own
// logout and its user's cut-off ("not before"), read together — so no call to the user service
// is needed per request.
import {
  ACCESS_TOKEN_AUDIENCE,
  ACCESS_TOKEN_ISSUER,
  accessTokensNotBeforeKey,
  revokedAccessTokenKey,
} from '@ticketing/contracts';
import {
  type CacheStore,
  type Clock,
  type Identity,
  ROLES,
  type Role,
  UnauthorizedError,
  VerifiedTokens,
} from '@ticketing/platform';
import {
  createLocalJWKSet,
  errors,
  type JSONWebKeySet,
  type JWSHeaderParameters,
  type JWTPayload,
  jwtVerify,
} from 'jose';
import { request } from 'undici';
import { AuthenticationUnavailableError } from './errors.js';
import type { UpstreamPool } from './upstreams.js';
import { withTimeout } from './with-timeout.js';

export interface AccessTokenVerifierDeps {
  /** Fetches the user service's JWKS (from a healthy instance). */
  fetchJwks(): Promise<JSONWebKeySet>;
  cache: CacheStore;
  /**
   * Asks the user service whether a token was logged out or issued before its user's cut-off;
   * used only when the cache store cannot be read, so a Redis outage neither stops every
   * signed-in request nor lets a revoked token through.
   */
  revokedAtSource?(token: RevocationQuestion): Promise<boolean>;
  /** How long a revocation-list read may take before the cache store counts as down (default 500 ms). */
  cacheTimeoutMs?: number;
  clock: Clock;
  /** How long fetched keys are trusted before they are fetched again anyway. */
  maxAgeMs?: number;
  /** The shortest pause between two fetches caused by unknown key ids (a forged kid must not flood the user service). */
  cooldownMs?: number;
}

export interface RevocationQuestion {
  tokenId: string;
  userId: string;
  /** When the token was issued, in epoch milliseconds (its `iat` may carry a fraction of a second). */
  issuedAtMs: number;
}

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;

export class AccessTokenVerifier {
  private keys: ReturnType<typeof createLocalJWKSet> | undefined;
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private refreshDueAt = 0;
  private fetching: Promise<void> | undefined;
  /** Signatures checked before (a buyer's token arrives with every request); revocation is checked each time. */
  private readonly verified = new VerifiedTokens<JWTPayload>();

  constructor(private readonly deps: AccessTokenVerifierDeps) {}

  /**
   * Undefined without an Authorization header. Throws 401 for a malformed, invalid, expired
   * or revoked token, and 503 when the keys or the revocation list cannot be read.
   */
  async identify(authorization: string | undefined): Promise<Identity | undefined> {
    if (authorization === undefined) return undefined;
    const match = BEARER.exec(authorization.trim());
    if (!match)
      throw new UnauthorizedError(
        'The Authorization header must be "Bearer <access token>"',
        'malformed_authorization',
      );
    const token = match[1]!;
    const now = this.deps.clock.now();
    let payload = this.verified.get(token, now.getTime());
    if (!payload) {
      try {
        ({ payload } = await jwtVerify(token, (header) => this.key(header), {
          issuer: ACCESS_TOKEN_ISSUER,
          audience: ACCESS_TOKEN_AUDIENCE,
          algorithms: ['EdDSA', 'ES256'],
          currentDate: now,
        }));
      } catch (error) {
        if (error instanceof errors.JWTExpired)
          throw new UnauthorizedError('The access token has expired', 'token_expired');
        if (error instanceof errors.JOSEError)
          throw new UnauthorizedError('The access token is not valid', 'invalid_token');
        throw error;
      }
      this.verified.remember(token, payload, payload.exp);
    }
    const roles = Array.isArray(payload.roles)
      ? payload.roles.filter((role): role is Role => ROLES.includes(role as Role))
      : [];
    if (
      typeof payload.sub !== 'string' ||
      typeof payload.jti !== 'string' ||
      typeof payload.iat !== 'number'
    ) {
      throw new UnauthorizedError('The access token is not valid', 'invalid_token');
    }
    const question = {
      tokenId: payload.jti,
      userId: payload.sub,
      issuedAtMs: Math.round(payload.iat * 1000),
    };
    if (await this.revoked(question))
      throw new UnauthorizedError('The access token has been revoked', 'token_revoked');
    return { userId: payload.sub, roles, tokenId: payload.jti };
  }

  /**
   * The token's logout and its user's cut-off are two keys read in one round trip: the purchase
   * path pays one cache lookup, as before the cut-off existed.
   */
  private async revoked(question: RevocationQuestion): Promise<boolean> {
    try {
      const [loggedOut, notBefore] = await withTimeout(
        this.deps.cache.getMany([
          revokedAccessTokenKey(question.tokenId),
          accessTokensNotBeforeKey(question.userId),
        ]),
        this.deps.cacheTimeoutMs ?? 500,
      );
      return loggedOut !== null || (notBefore !== null && question.issuedAtMs < Number(notBefore));
    } catch {
      // The cache store is down: the user service keeps every revocation. Without either, a
      // revoked token could pass: refuse rather than guess.
      if (!this.deps.revokedAtSource) throw new AuthenticationUnavailableError();
      try {
        return await this.deps.revokedAtSource(question);
      } catch {
        throw new AuthenticationUnavailableError();
      }
    }
  }

  private async key(header: JWSHeaderParameters) {
    if (!this.keys || Date.now() >= this.refreshDueAt) await this.refetch();
    try {
      return await this.keys!(header);
    } catch (error) {
      // A key id we do not know may be a key the user service rotated in since the last fetch.
      const cooledDown = Date.now() - this.fetchedAt >= (this.deps.cooldownMs ?? 5_000);
      if (!(error instanceof errors.JWKSNoMatchingKey) || !cooledDown) throw error;
      await this.refetch();
      return this.keys!(header);
    }
  }

  private async refetch(): Promise<void> {
    this.fetching ??= (async () => {
      try {
        this.keys = createLocalJWKSet(await this.deps.fetchJwks());
        this.fetchedAt = Date.now();
        this.refreshDueAt = this.fetchedAt + (this.deps.maxAgeMs ?? 600_000);
      } catch {
        // Keys fetched before stay in use and the fetch is tried again later; without any, nothing can be checked.
        if (!this.keys) throw new AuthenticationUnavailableError();
        this.refreshDueAt = Date.now() + (this.deps.cooldownMs ?? 5_000);
      } finally {
        this.fetching = undefined;
      }
    })();
    return this.fetching;
  }
}

/** Fetches the JWKS from a healthy instance of the user service, trying a second one when the first fails. */
export async function fetchJwksFrom(pool: UpstreamPool, timeoutMs = 3_000): Promise<JSONWebKeySet> {
  const tried = new Set<string>();
  let lastError: unknown;
  for (let attempt = 0; attempt < 2; attempt++) {
    const instance = pool.pick(tried);
    if (!instance) break;
    tried.add(instance.url);
    try {
      const response = await request(`${instance.url}/.well-known/jwks.json`, {
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.statusCode === 200) return (await response.body.json()) as JSONWebKeySet;
      await response.body.dump();
      lastError = new Error(`the JWKS answered ${response.statusCode}`);
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(
    `the user service's JWKS could not be fetched: ${(lastError as Error)?.message ?? 'no instance'}`,
  );
}
