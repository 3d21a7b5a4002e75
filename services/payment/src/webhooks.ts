// Stripe webhooks: a delivery is verified against the endpoint's signing secret, recorded once
// by its event id, and settles the PENDING payment or refund it is about in the same
// transaction (with the payment's event). Deliveries for anything else are acknowledged and ignored.
import type Stripe from 'stripe';
import { InvalidWebhookSignatureError, StripeNotConfiguredError } from './errors.js';
import { type PaymentDeps, settleChargeIn } from './payments.js';
import { settleRefundIn } from './refunds.js';
import * as repository from './repository.js';
import { intentOutcome, refundOutcome, StripeGateway } from './stripe-gateway.js';

const INTENT_EVENTS = new Set([
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const REFUND_EVENTS = new Set(['refund.created', 'refund.updated', 'refund.failed']);

export async function handleStripeWebhook(
  deps: PaymentDeps,
  rawBody: string,
  signature: string | undefined,
): Promise<{ received: true; applied: boolean }> {
  if (!(deps.gateway instanceof StripeGateway)) throw new StripeNotConfiguredError();
  let event: Stripe.Event;
  try {
    event = deps.gateway.verifyWebhook(rawBody, signature ?? '');
  } catch {
    throw new InvalidWebhookSignatureError();
  }
  const applied = await deps.db.transaction(async (tx) => {
    if (!(await repository.recordWebhookEvent(tx, event.id, event.type, deps.clock.now()))) return false;
    if (INTENT_EVENTS.has(event.type)) {
      const intent = event.data.object as Stripe.PaymentIntent;
      const paymentId = intent.metadata?.payment_id;
      const payment =
        (paymentId && UUID.test(paymentId) ? await repository.findPaymentById(tx, paymentId) : undefined) ??
        (await repository.findPaymentByGatewayTransaction(tx, intent.id));
      if (!payment) return false;
      return (await settleChargeIn(tx, deps, payment.id, intentOutcome(intent))) !== undefined;
    }
    if (REFUND_EVENTS.has(event.type)) {
      const refund = event.data.object as Stripe.Refund;
      const refundId = refund.metadata?.refund_id;
      if (!refundId || !UUID.test(refundId)) return false;
      return (await settleRefundIn(tx, deps, refundId, refundOutcome(refund))) !== undefined;
    }
    return false;
  });
  deps.logger.info({ stripeEvent: event.id, type: event.type, applied }, 'Stripe webhook received');
  return { received: true, applied };
}
