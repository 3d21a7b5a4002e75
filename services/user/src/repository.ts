// The user service's SQL, and only SQL. Every function takes a database or a transaction first.
import type { Executor } from '@ticketing/platform';
import { and, desc, eq, gt, ilike, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import {
  accessTokenCutoffs,
  type LoginFailuresRow,
  loginFailures,
  type RefreshTokenRow,
  refreshTokens,
  revokedAccessTokens,
  type UserRow,
  users,
} from './tables.js';

export type NewUser = Omit<UserRow, 'status' | 'passwordChangedAt' | 'updatedAt'>;

export async function insertUser(tx: Executor, user: NewUser): Promise<UserRow> {
  const [row] = await tx
    .insert(users)
    .values({ ...user, status: 'ACTIVE', passwordChangedAt: user.createdAt, updatedAt: user.createdAt })
    .returning();
  return row!;
}

export async function findUserById(db: Executor, id: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row;
}

/** Locks the user's row until the transaction ends (a role change reads the roles it replaces). */
export async function lockUser(tx: Executor, id: string): Promise<UserRow | undefined> {
  const [row] = await tx.select().from(users).where(eq(users.id, id)).for('update');
  return row;
}

/** Finds by username or email, case-insensitively. */
export async function findUserByLogin(
  db: Executor,
  login: { username?: string; email?: string },
): Promise<UserRow | undefined> {
  const condition = login.username
    ? sql`lower(${users.username}) = lower(${login.username})`
    : sql`lower(${users.email}) = lower(${login.email ?? ''})`;
  const [row] = await db.select().from(users).where(condition);
  return row;
}

export async function emailBelongsToAnother(db: Executor, email: string, userId: string): Promise<boolean> {
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(and(sql`lower(${users.email}) = lower(${email})`, sql`${users.id} <> ${userId}`));
  return rows.length > 0;
}

export async function updateUser(
  tx: Executor,
  id: string,
  changes: Partial<
    Pick<
      UserRow,
      | 'email'
      | 'firstName'
      | 'lastName'
      | 'phoneNumber'
      | 'locale'
      | 'roles'
      | 'passwordHash'
      | 'passwordChangedAt'
    >
  >,
  now: Date,
): Promise<UserRow | undefined> {
  const [row] = await tx
    .update(users)
    .set({ ...changes, updatedAt: now })
    .where(eq(users.id, id))
    .returning();
  return row;
}

export async function anyAdminExists(db: Executor): Promise<boolean> {
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(sql`'ADMIN' = ANY(${users.roles})`)
    .limit(1);
  return rows.length > 0;
}

/** Newest first, keyset-paginated on the (time-ordered UUIDv7) id. */
export async function searchUsers(
  db: Executor,
  filter: { query?: string; role?: string; before?: string; limit: number },
): Promise<UserRow[]> {
  const conditions = [];
  if (filter.query) {
    const pattern = `%${filter.query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(
      or(
        ilike(users.username, pattern),
        ilike(users.email, pattern),
        ilike(users.firstName, pattern),
        ilike(users.lastName, pattern),
      ),
    );
  }
  if (filter.role) conditions.push(sql`${filter.role} = ANY(${users.roles})`);
  if (filter.before) conditions.push(lt(users.id, filter.before));
  return db
    .select()
    .from(users)
    .where(and(...conditions))
    .orderBy(desc(users.id))
    .limit(filter.limit);
}

export async function insertRefreshToken(
  tx: Executor,
  token: typeof refreshTokens.$inferInsert,
): Promise<void> {
  await tx.insert(refreshTokens).values(token);
}

/** Locks the token's row so two refreshes racing with one token cannot both rotate it. */
export async function lockRefreshTokenByHash(
  tx: Executor,
  tokenHash: Buffer,
): Promise<RefreshTokenRow | undefined> {
  const [row] = await tx
    .select()
    .from(refreshTokens)
    .where(eq(refreshTokens.tokenHash, tokenHash))
    .for('update');
  return row;
}

export async function markRefreshTokenUsed(tx: Executor, id: string, now: Date): Promise<void> {
  await tx.update(refreshTokens).set({ usedAt: now }).where(eq(refreshTokens.id, id));
}

export async function revokeRefreshTokenFamily(tx: Executor, familyId: string, now: Date): Promise<void> {
  await tx
    .update(refreshTokens)
    .set({ revokedAt: now })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
}

export async function insertRevokedAccessToken(
  tx: Executor,
  revocation: { tokenId: string; userId: string; expiresAt: Date },
): Promise<void> {
  await tx.insert(revokedAccessTokens).values(revocation).onConflictDoNothing();
}

export async function isAccessTokenRevoked(db: Executor, tokenId: string, now: Date): Promise<boolean> {
  const [row] = await db
    .select({ tokenId: revokedAccessTokens.tokenId })
    .from(revokedAccessTokens)
    .where(and(eq(revokedAccessTokens.tokenId, tokenId), gt(revokedAccessTokens.expiresAt, now)));
  return row !== undefined;
}

export async function unexpiredRevocations(
  db: Executor,
  now: Date,
): Promise<{ tokenId: string; expiresAt: Date }[]> {
  return db
    .select({ tokenId: revokedAccessTokens.tokenId, expiresAt: revokedAccessTokens.expiresAt })
    .from(revokedAccessTokens)
    .where(gt(revokedAccessTokens.expiresAt, now));
}

export async function deleteExpiredRevocations(db: Executor, now: Date): Promise<void> {
  await db.delete(revokedAccessTokens).where(lte(revokedAccessTokens.expiresAt, now));
}

export async function revokeAllRefreshTokensOfUser(tx: Executor, userId: string, now: Date): Promise<void> {
  await tx
    .update(refreshTokens)
    .set({ revokedAt: now })
    .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
}

export async function lockFirstAdminBootstrap(tx: Executor): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('users:first-admin'))`);
}

/** Sets the user's cut-off, never moving it back (two changes at once keep the later). */
export async function upsertAccessTokenCutoff(
  tx: Executor,
  cutoff: { userId: string; notBefore: Date; expiresAt: Date },
): Promise<{ notBefore: Date; expiresAt: Date }> {
  const [row] = await tx
    .insert(accessTokenCutoffs)
    .values(cutoff)
    .onConflictDoUpdate({
      target: accessTokenCutoffs.userId,
      set: {
        notBefore: sql`greatest(${accessTokenCutoffs.notBefore}, excluded.not_before)`,
        expiresAt: sql`greatest(${accessTokenCutoffs.expiresAt}, excluded.expires_at)`,
      },
    })
    .returning({ notBefore: accessTokenCutoffs.notBefore, expiresAt: accessTokenCutoffs.expiresAt });
  return row!;
}

export async function findAccessTokenCutoff(
  db: Executor,
  userId: string,
  now: Date,
): Promise<{ notBefore: Date } | undefined> {
  const [row] = await db
    .select({ notBefore: accessTokenCutoffs.notBefore })
    .from(accessTokenCutoffs)
    .where(and(eq(accessTokenCutoffs.userId, userId), gt(accessTokenCutoffs.expiresAt, now)));
  return row;
}

export async function unexpiredCutoffs(
  db: Executor,
  now: Date,
): Promise<{ userId: string; notBefore: Date; expiresAt: Date }[]> {
  return db.select().from(accessTokenCutoffs).where(gt(accessTokenCutoffs.expiresAt, now));
}

export async function deleteExpiredCutoffs(db: Executor, now: Date): Promise<void> {
  await db.delete(accessTokenCutoffs).where(lte(accessTokenCutoffs.expiresAt, now));
}

export async function updateUserStatus(
  tx: Executor,
  id: string,
  status: 'ACTIVE' | 'DISABLED',
  now: Date,
): Promise<UserRow | undefined> {
  const [row] = await tx.update(users).set({ status, updatedAt: now }).where(eq(users.id, id)).returning();
  return row;
}

export async function findLoginFailures(
  db: Executor,
  accountKey: string,
): Promise<LoginFailuresRow | undefined> {
  const [row] = await db.select().from(loginFailures).where(eq(loginFailures.accountKey, accountKey));
  return row;
}

/**
 * Counts one failure in one statement (two racing failures both count): the count starts again
 * when the last failure is older than forgetBefore.
 */
export async function countLoginFailure(
  tx: Executor,
  accountKey: string,
  now: Date,
  forgetBefore: Date,
): Promise<number> {
  const [row] = await tx
    .insert(loginFailures)
    .values({ accountKey, failures: 1, lastFailedAt: now })
    .onConflictDoUpdate({
      target: loginFailures.accountKey,
      set: {
        failures: sql`CASE WHEN ${loginFailures.lastFailedAt} < ${forgetBefore} THEN 1 ELSE ${loginFailures.failures} + 1 END`,
        lastFailedAt: now,
      },
    })
    .returning({ failures: loginFailures.failures });
  return row!.failures;
}

export async function blockLogins(tx: Executor, accountKey: string, until: Date): Promise<void> {
  await tx.update(loginFailures).set({ blockedUntil: until }).where(eq(loginFailures.accountKey, accountKey));
}

export async function clearLoginFailures(db: Executor, ...accountKeys: string[]): Promise<void> {
  await db.delete(loginFailures).where(inArray(loginFailures.accountKey, accountKeys));
}

export async function deleteStaleLoginFailures(
  db: Executor,
  lastFailedBefore: Date,
  now: Date,
): Promise<void> {
  await db
    .delete(loginFailures)
    .where(
      and(
        lt(loginFailures.lastFailedAt, lastFailedBefore),
        or(isNull(loginFailures.blockedUntil), lte(loginFailures.blockedUntil, now)),
      ),
    );
}

/** Whether a refresh token (whatever became of it since) was issued to this user after `since`. */
export async function refreshTokenIssuedTo(
  db: Executor,
  tokenHash: Buffer,
  userId: string,
  since: Date,
): Promise<boolean> {
  const rows = await db
    .select({ id: refreshTokens.id })
    .from(refreshTokens)
    .where(
      and(
        eq(refreshTokens.tokenHash, tokenHash),
        eq(refreshTokens.userId, userId),
        gt(refreshTokens.createdAt, since),
      ),
    );
  return rows.length > 0;
}
