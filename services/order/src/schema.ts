// TypeBox schemas of the order service's requests and answers: one schema gives validation,
// handler types and the OpenAPI document. Shapes other services share live in contracts.
import { CreateOrderBody, OrderPage, OrderStatus, OrderView } from '@ticketing/contracts';
import { Type } from 'typebox';

export { CreateOrderBody, OrderPage, OrderView };

export const OrderIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x21-\\x7e]+$',
      description: 'A new random key per purchase (e.g. a UUID); the same key when retrying it',
    }),
  ),
  'queue-token': Type.Optional(
    Type.String({
      maxLength: 4_000,
      description:
        'The waiting-room admission token, when the hold was made in an on-sale with a waiting room',
    }),
  ),
});

export const MyOrdersQuery = Type.Object(
  {
    status: Type.Optional(OrderStatus),
    eventId: Type.Optional(Type.String({ format: 'uuid' })),
    cursor: Type.Optional(Type.String({ format: 'uuid' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  },
  { additionalProperties: false },
);

export const OrderSearchQuery = Type.Object(
  {
    userId: Type.Optional(Type.String({ format: 'uuid' })),
    eventId: Type.Optional(Type.String({ format: 'uuid' })),
    status: Type.Optional(OrderStatus),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    cursor: Type.Optional(Type.String({ format: 'uuid' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  },
  { additionalProperties: false },
);

export const CancelOrderBody = Type.Object(
  { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) },
  { additionalProperties: false },
);
