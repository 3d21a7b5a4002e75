// Drizzle definitions of the user service's tables (the DDL is in migrations/).
import { customType, integer, pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const usersSchema = pgSchema('users');

const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });

export const users = usersSchema.table('users', {
  id: uuid('id').primaryKey(),
  username: text('username').notNull(),
  email: text('email').notNull(),
  passwordHash: text('password_hash').notNull(),
  firstName: text('first_name').notNull(),
  lastName: text('last_name').notNull(),
  phoneNumber: text('phone_number'),
  locale: text('locale').notNull(),
  roles: text('roles').array().notNull(),
  status: text('status').notNull(),
  passwordChangedAt: timestamp('password_changed_at', { withTimezone: true }).notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

export const refreshTokens = usersSchema.table('refresh_tokens', {
  id: uuid('id').primaryKey(),
  familyId: uuid('family_id').notNull(),
  userId: uuid('user_id').notNull(),
  tokenHash: bytea('token_hash').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
  userAgent: text('user_agent'),
  ipAddress: text('ip_address'),
});

/** Logged-out access tokens until they would have expired (the cache store holds a copy). */
export const revokedAccessTokens = usersSchema.table('revoked_access_tokens', {
  tokenId: uuid('token_id').primaryKey(),
  userId: uuid('user_id').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
});

// signing_keys (the service's Ed25519 keys) is read and written by the platform's signing-key kit.

export type UserRow = typeof users.$inferSelect;
export type RefreshTokenRow = typeof refreshTokens.$inferSelect;

/** Per-user cut-offs: the user's access tokens issued before notBefore are refused. */
export const accessTokenCutoffs = usersSchema.table('access_token_cutoffs', {
  userId: uuid('user_id').primaryKey(),
  notBefore: timestamp('not_before', { withTimezone: true, precision: 3 }).notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
});

/** Failed logins per account (or per unknown name), and until when the account is held back. */
export const loginFailures = usersSchema.table('login_failures', {
  accountKey: text('account_key').primaryKey(),
  failures: integer('failures').notNull(),
  lastFailedAt: timestamp('last_failed_at', { withTimezone: true }).notNull(),
  blockedUntil: timestamp('blocked_until', { withTimezone: true }),
});

export type LoginFailuresRow = typeof loginFailures.$inferSelect;
