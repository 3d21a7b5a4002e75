// TypeBox schemas of the payment service's requests and answers: one schema gives validation,
// handler types and the OpenAPI document. Shapes other services share live in contracts.
import {
  CreatePaymentBody,
  CreateRefundBody,
  PaymentStatus,
  PaymentView,
  RefundResult,
} from '@ticketing/contracts';
import { Type } from 'typebox';

export { CreatePaymentBody, CreateRefundBody, PaymentView, RefundResult };

export const PaymentIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
export const OrderIdParams = Type.Object({ orderId: Type.String({ format: 'uuid' }) });

const IdempotencyKey = Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' });

/** Optional on payments (the order is the key), required on refunds (checked by the route, for its own code). */
export const IdempotencyHeaders = Type.Object({ 'idempotency-key': Type.Optional(IdempotencyKey) });

export const PaymentSearchQuery = Type.Object(
  {
    status: Type.Optional(PaymentStatus),
    userId: Type.Optional(Type.String({ format: 'uuid' })),
    orderId: Type.Optional(Type.String({ format: 'uuid' })),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    cursor: Type.Optional(Type.String({ format: 'uuid' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  },
  { additionalProperties: false },
);

export const PaymentPage = Type.Object({
  items: Type.Array(PaymentView),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const AnalyticsQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

const Count = Type.Integer();
const Money = Type.Integer({ description: 'Minor units' });

export const PaymentAnalytics = Type.Object({
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  totals: Type.Object({
    payments: Count,
    completed: Type.Integer({ description: 'Completed, including those refunded since' }),
    failed: Count,
    pending: Count,
    refunded: Count,
    fraudBlocked: Count,
    successRate: Type.Union([Type.Number(), Type.Null()]),
  }),
  byCurrency: Type.Array(
    Type.Object({
      currency: Type.String(),
      payments: Count,
      completed: Count,
      grossAmount: Money,
      refundedAmount: Money,
      netAmount: Money,
      averageAmount: Money,
    }),
  ),
  failures: Type.Array(Type.Object({ code: Type.String(), count: Count })),
  fraudRules: Type.Array(Type.Object({ rule: Type.String(), count: Count })),
  cardBrands: Type.Array(
    Type.Object({ brand: Type.String(), currency: Type.String(), count: Count, amount: Money }),
  ),
  daily: Type.Array(
    Type.Object({ date: Type.String(), currency: Type.String(), count: Count, amount: Money }),
  ),
});

export const WebhookAnswer = Type.Object({ received: Type.Literal(true), applied: Type.Boolean() });
