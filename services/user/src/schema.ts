// TypeBox schemas of the user service's requests and answers: one schema gives
// validation, handler types and the OpenAPI document.
import { RoleSchema, TokenPair, UserView } from '@ticketing/contracts';
import { type Static, Type } from 'typebox';
import { PASSWORD_MAX_LENGTH } from './passwords.js';

export { TokenPair, UserView };

const Username = Type.String({
  minLength: 3,
  maxLength: 32,
  pattern: '^[A-Za-z0-9._-]+$',
  description: 'Letters, digits, dot, underscore, hyphen',
});
const Email = Type.String({ format: 'email', maxLength: 254 });
const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' });
const Phone = Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$', description: 'E.164, e.g. +4915112345678' });
const Password = Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH });
const Locale = Type.Union([Type.Literal('en'), Type.Literal('de')]);

export const RegisterBody = Type.Object(
  {
    username: Username,
    email: Email,
    password: Password,
    firstName: Name,
    lastName: Name,
    phoneNumber: Type.Optional(Phone),
    locale: Type.Optional(Locale),
  },
  { additionalProperties: false },
);
export type RegisterBody = Static<typeof RegisterBody>;

export const LoginBody = Type.Object(
  {
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 254, description: 'Username or email' })),
    email: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
    password: Password,
    previousRefreshToken: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description:
          'The refresh token this device last held, even expired or logged out: a device the account used before is not held back by its failed-login block',
      }),
    ),
  },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const RefreshBody = Type.Object(
  { refreshToken: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

export const UpdateProfileBody = Type.Object(
  {
    email: Type.Optional(Email),
    firstName: Type.Optional(Name),
    lastName: Type.Optional(Name),
    phoneNumber: Type.Optional(Type.Union([Phone, Type.Null()])),
    locale: Type.Optional(Locale),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateProfileBody = Static<typeof UpdateProfileBody>;

export const ChangePasswordBody = Type.Object(
  { currentPassword: Password, newPassword: Password },
  { additionalProperties: false },
);

export const UserIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const UserSearchQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 100 })),
    role: Type.Optional(RoleSchema),
    cursor: Type.Optional(Type.String({ format: 'uuid' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  },
  { additionalProperties: false },
);

export const UserPage = Type.Object({
  items: Type.Array(UserView),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const SetRolesBody = Type.Object(
  { roles: Type.Array(RoleSchema, { minItems: 1, maxItems: 4, uniqueItems: true }) },
  { additionalProperties: false },
);

export const RevocationQuery = Type.Object(
  {
    userId: Type.Optional(Type.String({ format: 'uuid' })),
    issuedAt: Type.Optional(
      Type.Integer({ minimum: 0, description: 'When the token was issued, in epoch milliseconds' }),
    ),
  },
  { additionalProperties: false },
);

export const Jwks = Type.Object({ keys: Type.Array(Type.Object({}, { additionalProperties: true })) });
