// Revocation of access tokens before they expire: one token at logout, or every token of a user
// at once with a cut-off ("not before") when their roles, status or password change or a stolen
// refresh token comes back. Both are kept here in PostgreSQL and copied into the cache store, where
// the gateway reads them on every request (ADR 0029).
import { accessTokensNotBeforeKey, revokedAccessTokenKey } from '@ticketing/contracts';
import type { CacheStore, Clock, Database, Executor, Logger } from '@ticketing/platform';
import * as repository from './repository.js';

export interface CutoffDeps {
  db: Database;
  clock: Clock;
  cache: CacheStore;
  accessTokenTtlSeconds: number;
}

export interface Cutoff {
  userId: string;
  notBefore: Date;
  expiresAt: Date;
}

/**
 * Refuses, from now on, every access token of the user issued before `now`, in the caller's
 * transaction. Once it commits, hand the answer to publishCutoff.
 */
export async function cutAccessTokens(
  deps: Pick<CutoffDeps, 'accessTokenTtlSeconds'>,
  tx: Executor,
  userId: string,
  now: Date,
): Promise<Cutoff> {
  // The last token issued before the cut-off expires one lifetime later; after that it refuses nothing.
  const expiresAt = new Date(now.getTime() + deps.accessTokenTtlSeconds * 1000);
  const stored = await repository.upsertAccessTokenCutoff(tx, { userId, notBefore: now, expiresAt });
  return { userId, ...stored };
}

/**
 * Copies a committed cut-off into the cache store the gateway reads. When the store cannot be
 * written now, the mirror copies it within its interval, and the gateway asks this service meanwhile.
 */
export async function publishCutoff(
  deps: Pick<CutoffDeps, 'cache' | 'clock'>,
  cutoff: Cutoff,
  logger?: Pick<Logger, 'warn'>,
): Promise<void> {
  const remainingMs = cutoff.expiresAt.getTime() - deps.clock.now().getTime();
  if (remainingMs <= 0) return;
  await deps.cache
    .set(accessTokensNotBeforeKey(cutoff.userId), String(cutoff.notBefore.getTime()), remainingMs)
    .catch((error) => logger?.warn({ err: error }, 'cut-off not copied to the cache; the mirror will'));
}

/** Cuts the user's tokens in its own transaction and publishes the cut-off. */
export async function cutAccessTokensNow(deps: CutoffDeps, userId: string, logger?: Pick<Logger, 'warn'>) {
  const cutoff = await deps.db.transaction((tx) => cutAccessTokens(deps, tx, userId, deps.clock.now()));
  await publishCutoff(deps, cutoff, logger);
}

/**
 * Whether an access token was logged out, or (when its user and issue time are given) issued before
 * its user's cut-off. What the gateway asks while it cannot read the cache store.
 */
export async function isAccessTokenRevoked(
  deps: Pick<CutoffDeps, 'db' | 'clock'>,
  token: { tokenId: string; userId?: string; issuedAtMs?: number },
): Promise<boolean> {
  const now = deps.clock.now();
  if (await repository.isAccessTokenRevoked(deps.db.orm, token.tokenId, now)) return true;
  if (token.userId === undefined || token.issuedAtMs === undefined) return false;
  const cutoff = await repository.findAccessTokenCutoff(deps.db.orm, token.userId, now);
  return cutoff !== undefined && token.issuedAtMs < cutoff.notBefore.getTime();
}

/**
 * Copies every unexpired revocation and cut-off into the cache store, and forgets expired ones.
 * Run on an interval, it rebuilds the gateway's list after a Redis restart emptied it.
 */
export async function mirrorRevocations(deps: Pick<CutoffDeps, 'db' | 'clock' | 'cache'>): Promise<void> {
  const now = deps.clock.now();
  for (const revocation of await repository.unexpiredRevocations(deps.db.orm, now)) {
    const remainingMs = revocation.expiresAt.getTime() - now.getTime();
    if (remainingMs > 0) await deps.cache.set(revokedAccessTokenKey(revocation.tokenId), '1', remainingMs);
  }
  for (const cutoff of await repository.unexpiredCutoffs(deps.db.orm, now)) {
    const remainingMs = cutoff.expiresAt.getTime() - now.getTime();
    if (remainingMs > 0)
      await deps.cache.set(
        accessTokensNotBeforeKey(cutoff.userId),
        String(cutoff.notBefore.getTime()),
        remainingMs,
      );
  }
  await repository.deleteExpiredRevocations(deps.db.orm, now);
  await repository.deleteExpiredCutoffs(deps.db.orm, now);
}
