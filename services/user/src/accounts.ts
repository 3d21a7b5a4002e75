// Accounts: registration, profiles, passwords, roles, suspension and the first admin.
import { randomBytes } from 'node:crypto';
import { Topics, type UserRegisteredPayload, type UserView } from '@ticketing/contracts';
import {
  appendToOutbox,
  type Executor,
  type Logger,
  NotFoundError,
  newId,
  type Role,
} from '@ticketing/platform';
import { type CutoffDeps, cutAccessTokens, publishCutoff } from './access-token-cutoffs.js';
import {
  DuplicateAccountError,
  OwnAccountSuspensionError,
  OwnAdminRoleError,
  WrongCurrentPasswordError,
} from './errors.js';
import { accountKeyOf, clearFailedLogins } from './login-throttle.js';
import { checkPasswordPolicy, hashPassword, verifyPassword } from './passwords.js';
import * as repository from './repository.js';
import type { RegisterBody, UpdateProfileBody } from './schema.js';
import type { UserRow } from './tables.js';

/** A role, status or password change cuts the user's access tokens, so AccountDeps reaches the cache. */
export type AccountDeps = CutoffDeps;

export const USER_SCHEMA = 'users';

export function toUserView(row: UserRow): UserView {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    firstName: row.firstName,
    lastName: row.lastName,
    phoneNumber: row.phoneNumber,
    locale: row.locale,
    roles: row.roles as Role[],
    status: row.status as 'ACTIVE' | 'DISABLED',
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Maps a unique-index violation to the field it is about; rethrows anything else. */
function rethrowDuplicate(error: unknown): never {
  const pgError = ((error as { cause?: unknown }).cause ?? error) as { code?: string; constraint?: string };
  if (pgError.code === '23505' && pgError.constraint === 'users_username_unique')
    throw new DuplicateAccountError('username');
  if (pgError.code === '23505' && pgError.constraint === 'users_email_unique')
    throw new DuplicateAccountError('email');
  throw error;
}

/** Inserts the account and its user-registered event; the password is hashed before, outside the transaction. */
async function createAccount(
  tx: Executor,
  input: Omit<RegisterBody, 'password'>,
  passwordHash: string,
  roles: Role[],
  now: Date,
): Promise<UserRow> {
  const user = await repository
    .insertUser(tx, {
      id: newId(),
      username: input.username,
      email: input.email,
      passwordHash,
      firstName: input.firstName.trim(),
      lastName: input.lastName.trim(),
      phoneNumber: input.phoneNumber ?? null,
      locale: input.locale ?? 'en',
      roles,
      createdAt: now,
    })
    .catch(rethrowDuplicate);
  const payload: UserRegisteredPayload = {
    userId: user.id,
    username: user.username,
    email: user.email,
    firstName: user.firstName,
    lastName: user.lastName,
    locale: user.locale,
    registeredAt: now.toISOString(),
  };
  await appendToOutbox(tx, USER_SCHEMA, [{ type: Topics.userRegistered, key: user.id, payload }]);
  return user;
}

export async function registerUser(deps: AccountDeps, input: RegisterBody): Promise<UserView> {
  checkPasswordPolicy('password', input.password, [input.username, input.email]);
  // Checked before hashing so the common mistake answers fast; the unique index still decides races.
  if (await repository.findUserByLogin(deps.db.orm, { username: input.username }))
    throw new DuplicateAccountError('username');
  if (await repository.findUserByLogin(deps.db.orm, { email: input.email }))
    throw new DuplicateAccountError('email');
  const passwordHash = await hashPassword(input.password);
  const user = await deps.db.transaction((tx) =>
    createAccount(tx, input, passwordHash, ['USER'], deps.clock.now()),
  );
  return toUserView(user);
}

export async function getUser(deps: AccountDeps, userId: string): Promise<UserView> {
  const user = await repository.findUserById(deps.db.orm, userId);
  if (!user) throw new NotFoundError('The user');
  return toUserView(user);
}

export async function updateProfile(
  deps: AccountDeps,
  userId: string,
  changes: UpdateProfileBody,
): Promise<UserView> {
  if (changes.email && (await repository.emailBelongsToAnother(deps.db.orm, changes.email, userId))) {
    throw new DuplicateAccountError('email');
  }
  const updated = await repository
    .updateUser(
      deps.db.orm,
      userId,
      {
        ...(changes.email !== undefined && { email: changes.email }),
        ...(changes.firstName !== undefined && { firstName: changes.firstName.trim() }),
        ...(changes.lastName !== undefined && { lastName: changes.lastName.trim() }),
        ...(changes.phoneNumber !== undefined && { phoneNumber: changes.phoneNumber }),
        ...(changes.locale !== undefined && { locale: changes.locale }),
      },
      deps.clock.now(),
    )
    .catch(rethrowDuplicate);
  if (!updated) throw new NotFoundError('The user');
  return toUserView(updated);
}

/**
 * Changes the password and ends every session and access token of the user, so a stolen refresh
 * or access token dies too; failed logins on record are forgotten (the owner is back in control).
 */
export async function changePassword(
  deps: AccountDeps,
  userId: string,
  currentPassword: string,
  newPassword: string,
  logger?: Pick<Logger, 'warn'>,
): Promise<void> {
  const user = await repository.findUserById(deps.db.orm, userId);
  if (!user) throw new NotFoundError('The user');
  if (!(await verifyPassword(user.passwordHash, currentPassword))) throw new WrongCurrentPasswordError();
  checkPasswordPolicy('newPassword', newPassword, [user.username, user.email]);
  const passwordHash = await hashPassword(newPassword);
  const cutoff = await deps.db.transaction(async (tx) => {
    const now = deps.clock.now();
    await repository.updateUser(tx, userId, { passwordHash, passwordChangedAt: now }, now);
    await repository.revokeAllRefreshTokensOfUser(tx, userId, now);
    return cutAccessTokens(deps, tx, userId, now);
  });
  await publishCutoff(deps, cutoff, logger);
  await clearFailedLogins(deps, accountKeyOf(userId, ''));
}

export async function searchUsers(
  deps: AccountDeps,
  filter: { q?: string; role?: Role; cursor?: string; limit?: number },
): Promise<{ items: UserView[]; nextCursor: string | null }> {
  const limit = filter.limit ?? 20;
  const rows = await repository.searchUsers(deps.db.orm, {
    query: filter.q,
    role: filter.role,
    before: filter.cursor,
    limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  return { items: page.map(toUserView), nextCursor: rows.length > limit ? page[page.length - 1]!.id : null };
}

export async function setRoles(
  deps: AccountDeps,
  actorId: string,
  userId: string,
  roles: Role[],
  logger?: Pick<Logger, 'warn'>,
): Promise<UserView> {
  if (actorId === userId && !roles.includes('ADMIN')) throw new OwnAdminRoleError();
  // Tokens carry the roles they were issued with: the user's next request must not use the old
  // ones. The same roles again change nothing, and cut nothing.
  const { updated, cutoff } = await deps.db.transaction(async (tx) => {
    const now = deps.clock.now();
    const before = await repository.lockUser(tx, userId);
    if (!before) return { updated: undefined, cutoff: undefined };
    const updated = await repository.updateUser(tx, userId, { roles }, now);
    const same = before.roles.length === roles.length && roles.every((role) => before.roles.includes(role));
    return { updated, cutoff: same ? undefined : await cutAccessTokens(deps, tx, userId, now) };
  });
  if (!updated) throw new NotFoundError('The user');
  if (cutoff) await publishCutoff(deps, cutoff, logger);
  return toUserView(updated);
}

/**
 * Suspends an account (an admin's decision): its sessions end, its access tokens are refused
 * from the next request, and login answers account_disabled until an admin reactivates it.
 */
export async function suspendUser(
  deps: AccountDeps,
  actorId: string,
  userId: string,
  logger?: Pick<Logger, 'warn' | 'info'>,
): Promise<UserView> {
  if (actorId === userId) throw new OwnAccountSuspensionError();
  const { updated, cutoff } = await deps.db.transaction(async (tx) => {
    const now = deps.clock.now();
    const updated = await repository.updateUserStatus(tx, userId, 'DISABLED', now);
    if (!updated) return { updated, cutoff: undefined };
    await repository.revokeAllRefreshTokensOfUser(tx, userId, now);
    return { updated, cutoff: await cutAccessTokens(deps, tx, userId, now) };
  });
  if (!updated || !cutoff) throw new NotFoundError('The user');
  await publishCutoff(deps, cutoff, logger);
  logger?.info({ actorId, userId }, 'account suspended');
  return toUserView(updated);
}

/** Lets a suspended account log in again (its old sessions stay ended). */
export async function reactivateUser(
  deps: AccountDeps,
  actorId: string,
  userId: string,
  logger?: Pick<Logger, 'info'>,
): Promise<UserView> {
  const updated = await repository.updateUserStatus(deps.db.orm, userId, 'ACTIVE', deps.clock.now());
  if (!updated) throw new NotFoundError('The user');
  logger?.info({ actorId, userId }, 'account reactivated');
  return toUserView(updated);
}

export interface FirstAdminSettings {
  username: string | undefined;
  email: string | undefined;
  password: string | undefined;
}

/**
 * Creates the first ADMIN when none exists. Without configured credentials a password
 * is generated and returned so the caller can print it once; it is never stored in clear.
 */
export async function ensureFirstAdmin(
  deps: AccountDeps,
  settings: FirstAdminSettings,
): Promise<{ username: string; generatedPassword?: string } | undefined> {
  if (await repository.anyAdminExists(deps.db.orm)) return undefined;
  const generated =
    settings.password === undefined ? `${randomBytes(12).toString('base64url')}7!` : undefined;
  const password = settings.password ?? generated!;
  checkPasswordPolicy('ADMIN_PASSWORD', password, []);
  const passwordHash = await hashPassword(password);
  const username = settings.username ?? 'admin';
  const profile = {
    username,
    email: settings.email ?? 'admin@ticketing.local',
    firstName: 'Platform',
    lastName: 'Administrator',
  };
  return deps.db.transaction(async (tx) => {
    await repository.lockFirstAdminBootstrap(tx);
    if (await repository.anyAdminExists(tx)) return undefined;
    await createAccount(tx, profile, passwordHash, ['ADMIN', 'USER'], deps.clock.now());
    return generated ? { username, generatedPassword: generated } : { username };
  });
}
