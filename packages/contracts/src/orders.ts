// The order service's API as the web app, tests and the benchmark see it: buying a hold,
// an order with its lines and tickets, and the order events. Money in integer minor units.
import { type Static, type TSchema, Type } from 'typebox';
import { PaymentMethodInput } from './payments.js';

const Id = Type.String({ format: 'uuid' });
const Instant = Type.String({ format: 'date-time' });
const Money = Type.Integer({ minimum: 0, description: 'Minor units of the order currency' });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const OrderTopics = {
  orderCreated: 'order-created',
  orderConfirmed: 'order-confirmed',
  orderCancelled: 'order-cancelled',
  orderFailed: 'order-failed',
} as const;

/** `POST /api/v1/orders` with an `Idempotency-Key` header: buy a hold. */
export const CreateOrderBody = Type.Object(
  { holdId: Id, payment: PaymentMethodInput },
  { additionalProperties: false },
);
export type CreateOrderBody = Static<typeof CreateOrderBody>;

export const OrderStatus = Type.Union([
  Type.Literal('PENDING'),
  Type.Literal('CONFIRMED'),
  Type.Literal('CANCELLED'),
  Type.Literal('FAILED'),
]);
export type OrderStatus = Static<typeof OrderStatus>;

/** One ticket of an order: what was bought at what price, and its e-ticket once sold. */
export const OrderTicket = Type.Object({
  id: Id,
  seatId: Nullable(Id),
  ticketTypeId: Nullable(Id),
  ticketTypeName: Nullable(Type.String()),
  label: Type.String(),
  section: Nullable(Type.String()),
  row: Nullable(Type.String()),
  seat: Nullable(Type.String()),
  category: Nullable(Type.String()),
  price: Money,
  fee: Money,
  total: Money,
  /** The ticket's status at the ticket service, when known (SOLD for a confirmed order). */
  status: Nullable(Type.String()),
  /** The e-ticket: a signed code the QR image encodes; null until sold, or when revoked. */
  code: Nullable(Type.String()),
  /** The QR image of the code, for the ticket's owner. */
  qrUrl: Nullable(Type.String()),
});
export type OrderTicket = Static<typeof OrderTicket>;

export const OrderView = Type.Object({
  id: Id,
  userId: Id,
  eventId: Id,
  holdId: Id,
  status: OrderStatus,
  currency: Type.String(),
  subtotal: Money,
  fees: Money,
  total: Money,
  quantity: Type.Integer(),
  paymentId: Nullable(Id),
  refundedAmount: Money,
  /** Why a FAILED order failed (card_declined, tickets_unavailable, payment_unavailable, …). */
  failureCode: Nullable(Type.String()),
  failureReason: Nullable(Type.String()),
  /** Set once a cancellation was asked for; the order is CANCELLED when it is done. */
  cancellation: Nullable(
    Type.Object({
      requestedAt: Instant,
      by: Type.Union([Type.Literal('buyer'), Type.Literal('admin'), Type.Literal('event_cancelled')]),
      reason: Type.String(),
      /** Tickets that had been checked in and were refunded anyway (only an admin can). */
      checkedInTicketsRefunded: Type.Optional(Type.Integer({ minimum: 1 })),
    }),
  ),
  event: Type.Object({ title: Nullable(Type.String()), startsAt: Nullable(Instant) }),
  tickets: Type.Array(OrderTicket),
  orderDate: Instant,
  confirmedAt: Nullable(Instant),
  cancelledAt: Nullable(Instant),
  createdAt: Instant,
  updatedAt: Instant,
});
export type OrderView = Static<typeof OrderView>;

export const OrderPage = Type.Object({ items: Type.Array(OrderView), nextCursor: Nullable(Type.String()) });
export type OrderPage = Static<typeof OrderPage>;

const orderFacts = {
  orderId: Id,
  userId: Id,
  eventId: Id,
  total: Type.Integer(),
  currency: Type.String(),
  quantity: Type.Integer(),
  ticketIds: Type.Array(Id),
};

/** Key: orderId. The order was recorded PENDING for a hold. */
export const OrderCreatedPayload = Type.Object({ ...orderFacts, holdId: Id, createdAt: Instant });
export type OrderCreatedPayload = Static<typeof OrderCreatedPayload>;

/**
 * Key: orderId. Paid and the tickets are the buyer's. `event` is what the order copied of its
 * event at purchase (absent from events written before it was added).
 */
export const OrderConfirmedPayload = Type.Object({
  ...orderFacts,
  paymentId: Id,
  confirmedAt: Instant,
  event: Type.Optional(Type.Object({ title: Nullable(Type.String()), startsAt: Nullable(Instant) })),
});
export type OrderConfirmedPayload = Static<typeof OrderConfirmedPayload>;

/** Key: orderId. Refunded and the tickets returned. */
export const OrderCancelledPayload = Type.Object({
  ...orderFacts,
  refundedAmount: Type.Integer(),
  by: Type.String(),
  reason: Type.String(),
  cancelledAt: Instant,
});
export type OrderCancelledPayload = Static<typeof OrderCancelledPayload>;

/** Key: orderId. Nothing was bought (and anything charged was refunded). */
export const OrderFailedPayload = Type.Object({
  ...orderFacts,
  failureCode: Type.String(),
  failureReason: Type.String(),
  failedAt: Instant,
});
export type OrderFailedPayload = Static<typeof OrderFailedPayload>;
