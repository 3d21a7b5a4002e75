// What the payment service publishes (through its outbox, in the transaction that settles the
// payment or refund) and consumes.
import {
  type PaymentFailedPayload,
  type PaymentProcessedPayload,
  type PaymentRefundedPayload,
  PaymentTopics,
} from '@ticketing/contracts';
import type { NewEvent } from '@ticketing/platform';
import type { PaymentRow, RefundRow } from './tables.js';

export const PUBLISHES = [
  PaymentTopics.paymentProcessed,
  PaymentTopics.paymentFailed,
  PaymentTopics.paymentRefunded,
] as const;

/** The payment service reacts to no other service's events: the order service calls it. */
export const CONSUMES = [] as const;

export function paymentProcessed(payment: PaymentRow): NewEvent<PaymentProcessedPayload> {
  return {
    type: PaymentTopics.paymentProcessed,
    key: payment.orderId,
    payload: {
      paymentId: payment.id,
      orderId: payment.orderId,
      userId: payment.userId,
      amount: payment.amount,
      currency: payment.currency,
      cardBrand: payment.cardBrand,
      cardLast4: payment.cardLast4,
      gateway: payment.gateway,
      gatewayTransactionId: payment.gatewayTransactionId,
      paymentDate: (payment.paymentDate ?? payment.updatedAt).toISOString(),
    },
  };
}

export function paymentFailed(payment: PaymentRow): NewEvent<PaymentFailedPayload> {
  return {
    type: PaymentTopics.paymentFailed,
    key: payment.orderId,
    payload: {
      paymentId: payment.id,
      orderId: payment.orderId,
      userId: payment.userId,
      amount: payment.amount,
      currency: payment.currency,
      failureCode: payment.failureCode ?? 'payment_failed',
      failureReason: payment.failureReason ?? 'The payment failed',
      failedAt: payment.updatedAt.toISOString(),
    },
  };
}

export function paymentRefunded(payment: PaymentRow, refund: RefundRow): NewEvent<PaymentRefundedPayload> {
  return {
    type: PaymentTopics.paymentRefunded,
    key: payment.orderId,
    payload: {
      paymentId: payment.id,
      refundId: refund.id,
      orderId: payment.orderId,
      userId: payment.userId,
      amount: refund.amount,
      refundedAmount: payment.refundedAmount,
      currency: payment.currency,
      fullyRefunded: payment.status === 'REFUNDED',
      reason: refund.reason,
      refundedAt: refund.updatedAt.toISOString(),
    },
  };
}
