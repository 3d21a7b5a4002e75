// The payment service's domain errors, each with a stable code. A declined card is not an
// error: it is a FAILED payment with a failure code; these are requests that cannot proceed.
import {
  AppError,
  ConflictError,
  NotFoundError,
  ServiceUnavailableError,
  ValidationError,
} from '@ticketing/platform';

export class InvalidCardNumberError extends ValidationError {
  constructor() {
    super('payment.card.number', 'payment.card.number is not a valid card number', 'invalid_card_number');
  }
}

export class PaymentMethodRequiredError extends ValidationError {
  constructor() {
    super('payment', 'payment needs exactly one of card or token', 'payment_method_required');
  }
}

export class PaymentTokenNotSupportedError extends ValidationError {
  constructor(gateway: string) {
    super(
      'payment.token',
      `payment.token is not accepted by the ${gateway} gateway; send a card`,
      'payment_token_not_supported',
    );
  }
}

export class RawCardNotSupportedError extends ValidationError {
  constructor() {
    super(
      'payment.card',
      'The Stripe gateway takes a PaymentMethod token (payment.token), not card numbers; only Stripe test cards are mapped to their tokens',
      'raw_card_not_supported',
    );
  }
}

export class IdempotencyKeyRequiredError extends ValidationError {
  constructor() {
    super('Idempotency-Key', 'The Idempotency-Key header is required', 'idempotency_key_required');
  }
}

/** The key (or the order) was first used for another request: replaying it would lie. */
export class IdempotencyMismatchError extends AppError {
  constructor(what: 'key' | 'order') {
    super(
      422,
      what === 'key' ? 'idempotency_key_reused' : 'order_payment_mismatch',
      what === 'key'
        ? 'This Idempotency-Key was already used for a different request'
        : 'This order already has a payment for a different amount, currency, user or card',
      { field: what === 'key' ? 'Idempotency-Key' : 'orderId' },
    );
  }
}

export class PaymentInProgressError extends ConflictError {
  constructor(paymentId: string, retryAfterSeconds: number) {
    super('A payment for this order is being processed; ask again shortly', 'payment_in_progress', {
      paymentId,
      retryAfterSeconds,
    });
  }
}

export class PaymentNotFoundError extends NotFoundError {
  constructor() {
    super('The payment', 'payment_not_found');
  }
}

export class PaymentNotRefundableError extends ConflictError {
  constructor(status: string) {
    super(`A ${status.toLowerCase()} payment cannot be refunded`, 'payment_not_refundable', {
      paymentStatus: status,
    });
  }
}

export class RefundExceedsPaymentError extends ConflictError {
  constructor(requested: number, refundable: number) {
    super(
      `A refund of ${requested} exceeds what is left to refund (${refundable})`,
      'refund_exceeds_payment',
      { field: 'amount', requested, refundable },
    );
  }
}

export class RefundInProgressError extends ConflictError {
  constructor(refundId: string, retryAfterSeconds: number) {
    super('This refund is being processed; ask again shortly', 'refund_in_progress', {
      refundId,
      retryAfterSeconds,
    });
  }
}

export class GatewayUnavailableError extends ServiceUnavailableError {
  constructor(detail: string) {
    super(`The payment gateway is unavailable: ${detail}`, 'payment_gateway_unavailable');
  }
}

export class StripeNotConfiguredError extends NotFoundError {
  constructor() {
    super('Stripe webhooks are not enabled on this platform: the endpoint', 'stripe_not_configured');
  }
}

export class InvalidWebhookSignatureError extends ValidationError {
  constructor() {
    super('Stripe-Signature', 'The Stripe-Signature header does not verify', 'invalid_webhook_signature');
  }
}

export class RefusedCardNotFoundError extends NotFoundError {
  constructor() {
    super('A card refused by the per-card cap for this event with that key', 'purchase_block_not_found');
  }
}
