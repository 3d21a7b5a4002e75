// The user as other services, the web app and tests see it.
import { type Static, Type } from 'typebox';

export const RoleSchema = Type.Union([
  Type.Literal('USER'),
  Type.Literal('ORGANIZER'),
  Type.Literal('STAFF'),
  Type.Literal('ADMIN'),
]);

export const UserView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  username: Type.String(),
  email: Type.String(),
  firstName: Type.String(),
  lastName: Type.String(),
  phoneNumber: Type.Union([Type.String(), Type.Null()]),
  locale: Type.String(),
  roles: Type.Array(RoleSchema),
  status: Type.Optional(
    Type.Union([Type.Literal('ACTIVE'), Type.Literal('DISABLED')], {
      description: 'DISABLED: suspended by an admin; cannot log in',
    }),
  ),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type UserView = Static<typeof UserView>;

export const TokenPair = Type.Object({
  accessToken: Type.String(),
  refreshToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'Seconds until the access token expires' }),
  user: UserView,
});
export type TokenPair = Static<typeof TokenPair>;

/** Claims every service agrees on for access tokens, issued by the user service. */
export const ACCESS_TOKEN_ISSUER = 'ticketing-user-service';
export const ACCESS_TOKEN_AUDIENCE = 'ticketing';

/** Cache-store key under which a logged-out access token's id is kept until it would expire. */
export const revokedAccessTokenKey = (tokenId: string) => `revoked-access-token:${tokenId}`;

/**
 * Cache-store key of a user's cut-off: the time (milliseconds since the epoch, as a decimal string)
 * before which every access token of the user is refused — set by a role change, a suspension, a
 * password change or a refresh-token reuse, kept until the last such token would have expired.
 */
export const accessTokensNotBeforeKey = (userId: string) => `access-tokens-not-before:${userId}`;

/**
 * `GET /api/v1/internal/access-tokens/{tokenId}/revocation?userId=&issuedAt=` on the user service
 * (services only): what the gateway asks when the cache store with the revocation list cannot be
 * read. Revoked when the token was logged out, or issued (`issuedAt`, epoch milliseconds) before
 * the user's cut-off.
 */
export const accessTokenRevocationPath = (tokenId: string, userId: string, issuedAtMs: number) =>
  `/api/v1/internal/access-tokens/${encodeURIComponent(tokenId)}/revocation?userId=${encodeURIComponent(userId)}&issuedAt=${issuedAtMs}`;
export const AccessTokenRevocation = Type.Object({ revoked: Type.Boolean() });
export type AccessTokenRevocation = Static<typeof AccessTokenRevocation>;
