// The Stripe adapter, on the official SDK: a charge is a PaymentIntent confirmed at once with
// the buyer's PaymentMethod token, under an idempotency key derived from our payment id; a
// refund is a Refund under one derived from our refund id; webhooks are verified with the
// endpoint's signing secret. Card numbers are not sent to Stripe (that needs PCI scope Stripe
// disables by default): with a test key, the doc's test cards map to Stripe's test tokens.
import Stripe from 'stripe';
import type { StripeSettings } from './config.js';
import {
  type ChargeOutcome,
  type ChargeRequest,
  GatewayTransientError,
  type LostCharge,
  type PaymentGateway,
  type RefundOutcome,
  type RefundRequest,
  type TokenCard,
} from './gateway.js';

/** Stripe's test PaymentMethods for the test cards of docs/architecture.md (test keys only). */
const TEST_CARD_TOKENS: Record<string, string> = {
  '4242424242424242': 'pm_card_visa',
  '5555555555554444': 'pm_card_mastercard',
  '4000000000000002': 'pm_card_chargeDeclined',
  '4000000000009995': 'pm_card_chargeDeclinedInsufficientFunds',
  '4000000000000119': 'pm_card_chargeDeclinedProcessingError',
};

const chargeKey = (paymentId: string) => `ticketing-charge-${paymentId}`;
const refundKey = (refundId: string) => `ticketing-refund-${refundId}`;

/** What is kept of a PaymentIntent: ids, status and the decline, never card data. */
function summarizeIntent(intent: Stripe.PaymentIntent): Record<string, unknown> {
  return {
    id: intent.id,
    object: intent.object,
    status: intent.status,
    amount: intent.amount,
    currency: intent.currency,
    latestCharge: typeof intent.latest_charge === 'string' ? intent.latest_charge : intent.latest_charge?.id,
    lastPaymentError: intent.last_payment_error
      ? {
          code: intent.last_payment_error.code,
          declineCode: intent.last_payment_error.decline_code,
          message: intent.last_payment_error.message,
        }
      : null,
  };
}

export function intentOutcome(intent: Stripe.PaymentIntent): ChargeOutcome {
  const response = summarizeIntent(intent);
  switch (intent.status) {
    case 'succeeded':
      return { status: 'succeeded', transactionId: intent.id, response };
    case 'processing':
      return { status: 'pending', transactionId: intent.id, response };
    case 'requires_action':
      return {
        status: 'failed',
        failureCode: 'authentication_required',
        failureReason: 'The card needs authentication (3-D Secure), which this checkout does not support',
        transactionId: intent.id,
        response,
      };
    default: {
      const error = intent.last_payment_error;
      return {
        status: 'failed',
        failureCode: error?.decline_code ?? error?.code ?? `payment_${intent.status}`,
        failureReason: error?.message ?? `The payment ended as ${intent.status}`,
        transactionId: intent.id,
        response,
      };
    }
  }
}

export function refundOutcome(refund: Stripe.Refund): RefundOutcome {
  const response = {
    id: refund.id,
    object: refund.object,
    status: refund.status,
    amount: refund.amount,
    paymentIntent:
      typeof refund.payment_intent === 'string' ? refund.payment_intent : refund.payment_intent?.id,
    failureReason: refund.failure_reason ?? null,
  };
  if (refund.status === 'succeeded') return { status: 'succeeded', gatewayRefundId: refund.id, response };
  if (refund.status === 'failed' || refund.status === 'canceled') {
    return {
      status: 'failed',
      gatewayRefundId: refund.id,
      failureReason: refund.failure_reason ?? `refund ${refund.status}`,
      response,
    };
  }
  return { status: 'pending', gatewayRefundId: refund.id, response };
}

/** Declines are answers; connection trouble, rate limits and server errors leave the effect unknown. */
function transientOrRethrow(error: unknown): never {
  if (
    error instanceof Stripe.errors.StripeConnectionError ||
    error instanceof Stripe.errors.StripeAPIError ||
    error instanceof Stripe.errors.StripeRateLimitError ||
    error instanceof Stripe.errors.StripeIdempotencyError ||
    (error instanceof Stripe.errors.StripeError && (error.statusCode ?? 0) >= 500)
  ) {
    throw new GatewayTransientError(`Stripe: ${(error as Error).message}`, { cause: error });
  }
  throw error;
}

export class StripeGateway implements PaymentGateway {
  readonly name = 'stripe' as const;
  readonly client: Stripe;
  private readonly testMode: boolean;

  constructor(
    private readonly settings: StripeSettings,
    timeoutMs: number,
  ) {
    const api = settings.apiUrl ? new URL(settings.apiUrl) : undefined;
    this.client = new Stripe(settings.secretKey, {
      timeout: timeoutMs,
      // Retries are ours: the service asks again under the same idempotency key.
      maxNetworkRetries: 0,
      telemetry: false,
      ...(api && {
        host: api.hostname,
        port: api.port || (api.protocol === 'https:' ? 443 : 80),
        protocol: api.protocol === 'https:' ? 'https' : 'http',
      }),
    });
    this.testMode = settings.secretKey.startsWith('sk_test_');
  }

  acceptsCard(digits: string): boolean {
    return this.tokenForCard(digits) !== undefined;
  }

  tokenForCard(digits: string): string | undefined {
    return this.testMode ? TEST_CARD_TOKENS[digits] : undefined;
  }

  acceptsToken(): boolean {
    return true;
  }

  async describeToken(token: string): Promise<TokenCard | undefined> {
    try {
      const card = (await this.client.paymentMethods.retrieve(token)).card;
      if (!card?.fingerprint) return undefined;
      return {
        brand: card.brand,
        last4: card.last4,
        expMonth: card.exp_month,
        expYear: card.exp_year,
        gatewayFingerprint: card.fingerprint,
      };
    } catch (error) {
      // A token Stripe does not know: the charge fails it with Stripe's own reason.
      if (error instanceof Stripe.errors.StripeInvalidRequestError) return undefined;
      return transientOrRethrow(error);
    }
  }

  async charge(request: ChargeRequest): Promise<ChargeOutcome> {
    const paymentMethod = request.token ?? this.tokenForCard(request.card?.digits ?? '');
    if (!paymentMethod) throw new Error('the Stripe gateway needs a token (checked before charging)');
    try {
      const intent = await this.client.paymentIntents.create(
        {
          amount: request.amount,
          currency: request.currency.toLowerCase(),
          payment_method: paymentMethod,
          automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
          confirm: true,
          description: request.description,
          metadata: { payment_id: request.paymentId, order_id: request.orderId, user_id: request.userId },
        },
        { idempotencyKey: chargeKey(request.paymentId) },
      );
      return intentOutcome(intent);
    } catch (error) {
      // A decline comes back as an error carrying the PaymentIntent it left behind.
      if (error instanceof Stripe.errors.StripeCardError) {
        const intent = error.payment_intent;
        return {
          status: 'failed',
          failureCode: error.decline_code ?? error.code ?? 'card_declined',
          failureReason: error.message,
          transactionId: intent?.id ?? null,
          response: intent
            ? summarizeIntent(intent)
            : { type: error.type, code: error.code, declineCode: error.decline_code, message: error.message },
        };
      }
      // A token Stripe does not know, or parameters it refuses, fail this payment, not the service.
      if (error instanceof Stripe.errors.StripeInvalidRequestError) {
        return {
          status: 'failed',
          failureCode: error.code ?? 'invalid_payment_method',
          failureReason: error.message,
          transactionId: error.payment_intent?.id ?? null,
          response: { type: error.type, code: error.code, message: error.message },
        };
      }
      return transientOrRethrow(error);
    }
  }

  async findCharge(charge: LostCharge): Promise<ChargeOutcome | undefined> {
    if (charge.transactionId) {
      try {
        return intentOutcome(await this.client.paymentIntents.retrieve(charge.transactionId));
      } catch (error) {
        return transientOrRethrow(error);
      }
    }
    // Asked again under the same idempotency key, Stripe answers the first call's result, or
    // makes the charge the buyer asked for if the first call never reached it.
    if (charge.token) return this.charge({ ...charge, token: charge.token });
    try {
      const found = await this.client.paymentIntents.search({
        query: `metadata['payment_id']:'${charge.paymentId}'`,
        limit: 1,
      });
      const intent = found.data[0];
      return intent && intentOutcome(intent);
    } catch (error) {
      return transientOrRethrow(error);
    }
  }

  async refund(request: RefundRequest): Promise<RefundOutcome> {
    try {
      const refund = await this.client.refunds.create(
        {
          payment_intent: request.transactionId,
          amount: request.amount,
          reason: 'requested_by_customer',
          metadata: { refund_id: request.refundId, payment_id: request.paymentId, reason: request.reason },
        },
        { idempotencyKey: refundKey(request.refundId) },
      );
      return refundOutcome(refund);
    } catch (error) {
      if (error instanceof Stripe.errors.StripeInvalidRequestError) {
        return {
          status: 'failed',
          gatewayRefundId: null,
          failureReason: error.message,
          response: { type: error.type, code: error.code, message: error.message },
        };
      }
      return transientOrRethrow(error);
    }
  }

  /** Verifies a webhook delivery's signature and parses it; throws when it does not verify. */
  verifyWebhook(rawBody: string, signature: string): Stripe.Event {
    return this.client.webhooks.constructEvent(rawBody, signature, this.settings.webhookSecret);
  }
}
