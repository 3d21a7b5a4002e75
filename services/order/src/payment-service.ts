// The payment service as the order service uses it: charge an order (idempotent on the order),
// read an order's payment, refund it under a key. Answers on purpose (a payment, or a 4xx
// problem) are returned; no answer at all throws Unreachable.
import type { CreatePaymentBody, PaymentView, RefundResult } from '@ticketing/contracts';
import type { ServiceClient } from '@ticketing/platform';
import { type Problem, problemOf, reach } from './upstream.js';

export type { PaymentView };

export type ChargeAnswer =
  | { kind: 'payment'; payment: PaymentView }
  | { kind: 'rejected'; status: number; problem: Problem };

export type RefundAnswer =
  | { kind: 'refund'; result: RefundResult }
  | { kind: 'refused'; status: number; problem: Problem };

export interface PaymentService {
  charge(body: CreatePaymentBody, requestId?: string): Promise<ChargeAnswer>;
  /** The order's payment, or undefined when the payment service never recorded one. */
  paymentOfOrder(orderId: string): Promise<PaymentView | undefined>;
  refund(paymentId: string, key: string, reason: string): Promise<RefundAnswer>;
}

export function paymentServiceOver(client: ServiceClient, timeoutMs: number): PaymentService {
  return {
    async charge(body, requestId) {
      const response = await reach('payment', () =>
        client.call<PaymentView>({
          method: 'POST',
          path: '/api/v1/internal/payments',
          body,
          headers: { 'idempotency-key': `order-${body.orderId}` },
          // The payment service answers the same payment for the same order: safe to retry.
          idempotent: true,
          requestId,
          timeoutMs,
        }),
      );
      if (response.status >= 200 && response.status < 300) return { kind: 'payment', payment: response.body };
      return { kind: 'rejected', status: response.status, problem: problemOf(response.body) };
    },

    async paymentOfOrder(orderId) {
      const response = await reach('payment', () =>
        client.call<PaymentView>({
          method: 'GET',
          path: `/api/v1/internal/payments/by-order/${orderId}`,
          timeoutMs,
        }),
      );
      if (response.status === 404) return undefined;
      if (response.status !== 200)
        throw new Error(`payment service answered ${response.status} for order ${orderId}`);
      return response.body;
    },

    async refund(paymentId, key, reason) {
      const response = await reach('payment', () =>
        client.call<RefundResult>({
          method: 'POST',
          path: `/api/v1/internal/payments/${paymentId}/refunds`,
          body: { reason },
          headers: { 'idempotency-key': key },
          idempotent: true,
          timeoutMs,
        }),
      );
      if (response.status >= 200 && response.status < 300) return { kind: 'refund', result: response.body };
      return { kind: 'refused', status: response.status, problem: problemOf(response.body) };
    },
  };
}
