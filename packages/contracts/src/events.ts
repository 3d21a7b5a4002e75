// Domain events shared between services: topic names and payload schemas.
// A producer and its consumers agree on these and nothing else.
import { type Static, Type } from 'typebox';

export const Topics = {
  userRegistered: 'user-registered',
} as const;

export type Topic = (typeof Topics)[keyof typeof Topics];

export const UserRegisteredPayload = Type.Object({
  userId: Type.String({ format: 'uuid' }),
  username: Type.String(),
  email: Type.String(),
  firstName: Type.String(),
  lastName: Type.String(),
  locale: Type.String(),
  registeredAt: Type.String({ format: 'date-time' }),
});
export type UserRegisteredPayload = Static<typeof UserRegisteredPayload>;
