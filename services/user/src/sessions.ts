// Sessions: login (throttled per account), refresh-token rotation with reuse detection, logout.
import { createHash, randomBytes } from 'node:crypto';
import { revokedAccessTokenKey, type TokenPair } from '@ticketing/contracts';
import { type Executor, type Logger, newId, type Role, ValidationError } from '@ticketing/platform';
import { type Cutoff, type CutoffDeps, cutAccessTokens, publishCutoff } from './access-token-cutoffs.js';
import { toUserView } from './accounts.js';
import { AccountDisabledError, InvalidCredentialsError, InvalidRefreshTokenError } from './errors.js';
import {
  accountKeyOf,
  clearFailedLogins,
  countFailedLogin,
  type LoginThrottleDeps,
  refuseWhileBlocked,
} from './login-throttle.js';
import { verifyAgainstDummy, verifyPassword } from './passwords.js';
import * as repository from './repository.js';
import type { LoginBody } from './schema.js';
import type { AccessTokenSigner } from './signing-keys.js';
import type { UserRow } from './tables.js';

export interface SessionDeps extends CutoffDeps, LoginThrottleDeps {
  signer: AccessTokenSigner;
  refreshTokenTtlSeconds: number;
}

/** A refresh token issued to the account this long ago or less marks the device as one it used before. */
const KNOWN_DEVICE_WITHIN_MS = 30 * 86_400_000;

export interface ClientInfo {
  userAgent?: string;
  ipAddress?: string;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest();

async function issueTokens(
  deps: SessionDeps,
  tx: Executor,
  user: UserRow,
  familyId: string,
  client: ClientInfo,
  /** When the user's row was read: the access token counts as issued then (a cut-off after refuses it). */
  readAt: Date,
): Promise<TokenPair> {
  const now = deps.clock.now();
  const refreshToken = randomBytes(32).toString('base64url');
  await repository.insertRefreshToken(tx, {
    id: newId(),
    familyId,
    userId: user.id,
    tokenHash: hashToken(refreshToken),
    expiresAt: new Date(now.getTime() + deps.refreshTokenTtlSeconds * 1000),
    createdAt: now,
    userAgent: client.userAgent?.slice(0, 300) ?? null,
    ipAddress: client.ipAddress ?? null,
  });
  const access = await deps.signer.sign(
    { id: user.id, username: user.username, roles: user.roles as Role[] },
    readAt,
  );
  return {
    accessToken: access.token,
    refreshToken,
    tokenType: 'Bearer',
    expiresIn: access.expiresIn,
    user: toUserView(user),
  };
}

export async function login(deps: SessionDeps, body: LoginBody, client: ClientInfo): Promise<TokenPair> {
  const identifier = body.username ?? body.email;
  if (!identifier) throw new ValidationError('username', 'username or email is required');
  if (body.username && body.email)
    throw new ValidationError('email', 'send either username or email, not both');
  const lookup = identifier.includes('@') ? { email: identifier } : { username: identifier };
  const readAt = deps.clock.now();
  const user = await repository.findUserByLogin(deps.db.orm, lookup);
  const accountKey = accountKeyOf(user?.id, identifier);
  // A device the account used before gets past the account's block (an attacker's failures must
  // not lock the owner out); its own failures still count.
  const knownDevice =
    user !== undefined &&
    body.previousRefreshToken !== undefined &&
    (await repository.refreshTokenIssuedTo(
      deps.db.orm,
      hashToken(body.previousRefreshToken),
      user.id,
      new Date(readAt.getTime() - KNOWN_DEVICE_WITHIN_MS),
    ));
  const failuresOnRecord = knownDevice || (await refuseWhileBlocked(deps, accountKey, readAt));
  // An unknown user costs the same argon2 work as a wrong password: no enumeration by timing.
  const valid = user
    ? await verifyPassword(user.passwordHash, body.password)
    : await verifyAgainstDummy(body.password);
  if (!user || !valid) {
    await countFailedLogin(deps, accountKey);
    throw new InvalidCredentialsError();
  }
  if (user.status !== 'ACTIVE') throw new AccountDisabledError();
  if (failuresOnRecord) await clearFailedLogins(deps, accountKey);
  return deps.db.transaction((tx) => issueTokens(deps, tx, user, newId(), client, readAt));
}

export async function refresh(
  deps: SessionDeps,
  refreshToken: string,
  client: ClientInfo,
  logger?: Pick<Logger, 'warn'>,
): Promise<TokenPair> {
  type Outcome =
    | { ok: true; tokens: TokenPair }
    | { ok: false; error: 'unknown' | 'expired' | 'revoked' | 'reused'; cutoff?: Cutoff };
  const outcome = await deps.db.transaction(async (tx): Promise<Outcome> => {
    const now = deps.clock.now();
    const stored = await repository.lockRefreshTokenByHash(tx, hashToken(refreshToken));
    if (!stored) return { ok: false, error: 'unknown' };
    if (stored.revokedAt) return { ok: false, error: 'revoked' };
    if (stored.usedAt) {
      // A rotated token came back: someone holds a copy. End the whole family, and the access
      // tokens either holder has (committed); the user's other devices refresh theirs.
      await repository.revokeRefreshTokenFamily(tx, stored.familyId, now);
      return { ok: false, error: 'reused', cutoff: await cutAccessTokens(deps, tx, stored.userId, now) };
    }
    if (stored.expiresAt <= now) return { ok: false, error: 'expired' };
    const user = await repository.findUserById(tx, stored.userId);
    if (user?.status !== 'ACTIVE') return { ok: false, error: 'revoked' };
    await repository.markRefreshTokenUsed(tx, stored.id, now);
    return { ok: true, tokens: await issueTokens(deps, tx, user, stored.familyId, client, now) };
  });
  if (!outcome.ok) {
    if (outcome.cutoff) await publishCutoff(deps, outcome.cutoff, logger);
    throw new InvalidRefreshTokenError(outcome.error);
  }
  return outcome.tokens;
}

/**
 * Ends the login the refresh token belongs to. When the caller also presented its access
 * token, that token is revoked until it would have expired: recorded here, and copied into the
 * shared cache the gateway reads (when the cache cannot be written now, the revocation mirror
 * copies it within its interval, and the gateway asks this service meanwhile).
 */
export async function logout(
  deps: SessionDeps,
  refreshToken: string,
  accessToken: { tokenId?: string; userId: string } | undefined,
  logger?: Pick<Logger, 'warn'>,
): Promise<void> {
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    const stored = await repository.lockRefreshTokenByHash(tx, hashToken(refreshToken));
    if (stored) await repository.revokeRefreshTokenFamily(tx, stored.familyId, now);
    if (accessToken?.tokenId)
      await repository.insertRevokedAccessToken(tx, {
        tokenId: accessToken.tokenId,
        userId: accessToken.userId,
        expiresAt: new Date(now.getTime() + deps.accessTokenTtlSeconds * 1000),
      });
  });
  if (accessToken?.tokenId) {
    await deps.cache
      .set(revokedAccessTokenKey(accessToken.tokenId), '1', deps.accessTokenTtlSeconds * 1000)
      .catch((error) => logger?.warn({ err: error }, 'revocation not copied to the cache; the mirror will'));
  }
}
