// Login throttling per account: after a few failed passwords for one account name, each further
// attempt waits for a block that doubles, up to a cap. An unknown name is throttled exactly like a
// real account, so the answers never say which names exist. A block ends by itself, on a successful
// login from a device the account used before, or on a password change, so an attacker cannot keep
// a real user out (ADR 0029). Kept in PostgreSQL, beside the accounts.
import type { Clock, Database } from '@ticketing/platform';
import { LoginThrottledError } from './errors.js';
import * as repository from './repository.js';

export interface LoginThrottlePolicy {
  /** Failures of one account before the first block. */
  afterFailures: number;
  /** The first block; each further failure doubles it. */
  firstBlockSeconds: number;
  maxBlockSeconds: number;
}

export interface LoginThrottleDeps {
  db: Database;
  clock: Clock;
  loginThrottle: LoginThrottlePolicy;
}

/** A failure older than this no longer counts. */
export const FORGET_FAILURES_AFTER_MS = 24 * 3_600_000;

/** The account an attempt counts against: its id when it exists (username and email share one count), else the name as typed. */
export const accountKeyOf = (userId: string | undefined, identifier: string) =>
  userId ? `user:${userId}` : `name:${identifier.trim().toLowerCase()}`;

/** How long an account is held back after its failureCount-th failure in a row (0: not at all). */
export function blockAfter(failureCount: number, policy: LoginThrottlePolicy): number {
  if (failureCount < policy.afterFailures) return 0;
  const doublings = Math.min(failureCount - policy.afterFailures, 30);
  return Math.min(policy.firstBlockSeconds * 2 ** doublings, policy.maxBlockSeconds);
}

/**
 * Throws while the account is blocked. Returns whether failures are on record, so a successful
 * login clears them only when there is something to clear.
 */
export async function refuseWhileBlocked(
  deps: LoginThrottleDeps,
  accountKey: string,
  now: Date,
): Promise<boolean> {
  const failures = await repository.findLoginFailures(deps.db.orm, accountKey);
  if (failures?.blockedUntil && failures.blockedUntil > now)
    throw new LoginThrottledError(Math.ceil((failures.blockedUntil.getTime() - now.getTime()) / 1000));
  return failures !== undefined;
}

export async function countFailedLogin(deps: LoginThrottleDeps, accountKey: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const now = deps.clock.now();
    const failureCount = await repository.countLoginFailure(
      tx,
      accountKey,
      now,
      new Date(now.getTime() - FORGET_FAILURES_AFTER_MS),
    );
    const blockSeconds = blockAfter(failureCount, deps.loginThrottle);
    if (blockSeconds > 0)
      await repository.blockLogins(tx, accountKey, new Date(now.getTime() + blockSeconds * 1000));
  });
}

export async function clearFailedLogins(deps: Pick<LoginThrottleDeps, 'db'>, ...accountKeys: string[]) {
  await repository.clearLoginFailures(deps.db.orm, ...accountKeys);
}

/** Forgets failures nobody repeated for a day (most are an attacker's made-up names). */
export async function forgetOldFailedLogins(deps: Omit<LoginThrottleDeps, 'loginThrottle'>): Promise<void> {
  const now = deps.clock.now();
  await repository.deleteStaleLoginFailures(
    deps.db.orm,
    new Date(now.getTime() - FORGET_FAILURES_AFTER_MS),
    now,
  );
}
