// The payment service's API as the order service, the web app and tests see it: how a
// card payment is asked for, what a payment and a refund look like, and the payment events.
// Money in integer minor units plus an ISO 4217 currency. Card numbers never leave the
// request that carries them: answers and events name the brand and the last four digits.
import { type Static, type TSchema, Type } from 'typebox';

const Id = Type.String({ format: 'uuid' });
const Instant = Type.String({ format: 'date-time' });
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217, e.g. EUR' });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const PaymentTopics = {
  paymentProcessed: 'payment-processed',
  paymentFailed: 'payment-failed',
  paymentRefunded: 'payment-refunded',
} as const;

/** A card as the buyer types it; only the payment service ever sees the number. */
export const CardInput = Type.Object(
  {
    number: Type.String({
      pattern: '^[0-9][0-9 -]{10,24}[0-9]$',
      description: 'Card number; spaces and hyphens are ignored',
    }),
    expMonth: Type.Integer({ minimum: 1, maximum: 12 }),
    expYear: Type.Integer({ minimum: 2000, maximum: 2100 }),
    cvc: Type.String({ pattern: '^[0-9]{3,4}$' }),
    holderName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);
export type CardInput = Static<typeof CardInput>;

/**
 * How the buyer pays: a card, or a token of the configured gateway (a Stripe PaymentMethod
 * id such as `pm_card_visa`, created by Stripe.js in the browser).
 */
export const PaymentMethodInput = Type.Object(
  {
    method: Type.Literal('card'),
    card: Type.Optional(CardInput),
    token: Type.Optional(Type.String({ minLength: 3, maxLength: 255, pattern: '^[A-Za-z0-9_]+$' })),
  },
  { additionalProperties: false },
);
export type PaymentMethodInput = Static<typeof PaymentMethodInput>;

/**
 * `POST /api/v1/internal/payments` on the payment service (services only). Idempotent on
 * `orderId` and on the optional `Idempotency-Key` header: the same request again answers 200
 * with the first payment; another request for the same order or key answers 422.
 */
export const CreatePaymentBody = Type.Object(
  {
    orderId: Id,
    userId: Id,
    amount: Type.Integer({ minimum: 1, maximum: 100_000_000_000 }),
    currency: Currency,
    description: Type.Optional(Type.String({ maxLength: 200 })),
    /** The buyer's address as the gateway saw it, for the fraud rules. */
    ipAddress: Type.Optional(Type.String({ maxLength: 64 })),
    /** The order's event and ticket count: the per-card cap counts tickets per event. */
    eventId: Type.Optional(Id),
    quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000 })),
    payment: PaymentMethodInput,
  },
  { additionalProperties: false },
);
export type CreatePaymentBody = Static<typeof CreatePaymentBody>;

export const PaymentStatus = Type.Union([
  Type.Literal('PENDING'),
  Type.Literal('COMPLETED'),
  Type.Literal('FAILED'),
  Type.Literal('REFUNDED'),
]);
export type PaymentStatus = Static<typeof PaymentStatus>;

export const FraudDecision = Type.Union([Type.Literal('APPROVE'), Type.Literal('BLOCK')]);
export type FraudDecision = Static<typeof FraudDecision>;

export const FraudReason = Type.Object({
  /** amount_limit, user_velocity, card_velocity, ip_velocity, repeated_declines, too_many_cards */
  rule: Type.String(),
  detail: Type.String(),
});
export type FraudReason = Static<typeof FraudReason>;

export const RefundStatus = Type.Union([
  Type.Literal('PENDING'),
  Type.Literal('COMPLETED'),
  Type.Literal('FAILED'),
]);

export const RefundView = Type.Object({
  id: Id,
  paymentId: Id,
  amount: Type.Integer(),
  currency: Type.String(),
  status: RefundStatus,
  reason: Type.String(),
  gatewayRefundId: Nullable(Type.String()),
  failureReason: Nullable(Type.String()),
  createdAt: Instant,
  updatedAt: Instant,
});
export type RefundView = Static<typeof RefundView>;

export const PaymentView = Type.Object({
  id: Id,
  orderId: Id,
  userId: Id,
  amount: Type.Integer(),
  currency: Type.String(),
  paymentMethod: Type.Literal('card'),
  card: Type.Object({
    brand: Type.String(),
    last4: Nullable(Type.String()),
    expMonth: Nullable(Type.Integer()),
    expYear: Nullable(Type.Integer()),
  }),
  status: PaymentStatus,
  /** card_declined, insufficient_funds, processing_error, expired_card, fraud_blocked, gateway_timeout, … */
  failureCode: Nullable(Type.String()),
  failureReason: Nullable(Type.String()),
  gateway: Type.String(),
  gatewayTransactionId: Nullable(Type.String()),
  fraud: Type.Object({ decision: FraudDecision, score: Type.Integer(), reasons: Type.Array(FraudReason) }),
  refundedAmount: Type.Integer(),
  refunds: Type.Array(RefundView),
  paymentDate: Nullable(Instant),
  createdAt: Instant,
  updatedAt: Instant,
});
export type PaymentView = Static<typeof PaymentView>;

/**
 * `POST /api/v1/internal/payments/{id}/refunds` (services only) with a required
 * `Idempotency-Key` header. Without `amount` it refunds what is left of the payment.
 */
export const CreateRefundBody = Type.Object(
  {
    amount: Type.Optional(Type.Integer({ minimum: 1 })),
    reason: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);
export type CreateRefundBody = Static<typeof CreateRefundBody>;

export const RefundResult = Type.Object({ refund: RefundView, payment: PaymentView });
export type RefundResult = Static<typeof RefundResult>;

/** Key: orderId. The charge succeeded. */
export const PaymentProcessedPayload = Type.Object({
  paymentId: Id,
  orderId: Id,
  userId: Id,
  amount: Type.Integer(),
  currency: Type.String(),
  cardBrand: Type.String(),
  cardLast4: Nullable(Type.String()),
  gateway: Type.String(),
  gatewayTransactionId: Nullable(Type.String()),
  paymentDate: Instant,
});
export type PaymentProcessedPayload = Static<typeof PaymentProcessedPayload>;

/** Key: orderId. The charge was declined, blocked by a fraud rule, or failed at the gateway. */
export const PaymentFailedPayload = Type.Object({
  paymentId: Id,
  orderId: Id,
  userId: Id,
  amount: Type.Integer(),
  currency: Type.String(),
  failureCode: Type.String(),
  failureReason: Type.String(),
  failedAt: Instant,
});
export type PaymentFailedPayload = Static<typeof PaymentFailedPayload>;

/** Key: orderId. One per completed refund; `fullyRefunded` once nothing is left to refund. */
export const PaymentRefundedPayload = Type.Object({
  paymentId: Id,
  refundId: Id,
  orderId: Id,
  userId: Id,
  amount: Type.Integer(),
  refundedAmount: Type.Integer(),
  currency: Type.String(),
  fullyRefunded: Type.Boolean(),
  reason: Type.String(),
  refundedAt: Instant,
});
export type PaymentRefundedPayload = Static<typeof PaymentRefundedPayload>;
