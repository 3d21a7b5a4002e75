// The order service's domain errors, each with a stable code. Errors about an order that was
// recorded carry its id, so a buyer (and support) can find it.
import {
  AppError,
  ConflictError,
  NotFoundError,
  ServiceUnavailableError,
  ValidationError,
} from '@ticketing/platform';

export class IdempotencyKeyRequiredError extends ValidationError {
  constructor() {
    super(
      'Idempotency-Key',
      'The Idempotency-Key header is required: send a new random key per purchase, and the same key when retrying it',
      'idempotency_key_required',
    );
  }
}

export class IdempotencyKeyReusedError extends AppError {
  constructor(orderId: string) {
    super(422, 'idempotency_key_reused', 'This Idempotency-Key was already used for a different purchase', {
      field: 'Idempotency-Key',
      orderId,
    });
  }
}

export class HoldNotFoundError extends NotFoundError {
  constructor() {
    super('The hold', 'hold_not_found');
  }
}

/** The hold cannot be bought: another user's, expired, released or sold. */
export class HoldUnavailableError extends ConflictError {
  constructor(code: 'hold_not_owned' | 'hold_expired' | 'hold_released' | 'hold_sold', detail: string) {
    super(detail, code, { field: 'holdId' });
  }
}

/**
 * The hold was made under a waiting room and the Queue-Token header is missing or refused; the
 * code is the ticket service's (queue_admission_required, queue_token_expired, …).
 */
export class QueueAdmissionError extends AppError {
  constructor(code: string, detail: string) {
    super(403, code, detail, { field: 'Queue-Token' });
  }
}

export class HoldInUseError extends ConflictError {
  constructor(orderId: string) {
    super('Another order for this hold is being paid or was confirmed', 'hold_in_use', {
      field: 'holdId',
      orderId,
    });
  }
}

export class UpstreamUnavailableError extends ServiceUnavailableError {
  constructor(service: 'ticket' | 'payment', detail: string) {
    super(
      `The ${service} service is unavailable (${detail}); nothing was bought, try again shortly`,
      `${service}_service_unavailable`,
    );
  }
}

/** The card was declined or the payment refused; the order FAILED and the hold was released. */
export class PaymentDeclinedError extends AppError {
  constructor(orderId: string, failureCode: string, failureReason: string) {
    super(402, failureCode, failureReason, { orderId, orderStatus: 'FAILED' });
  }
}

/** The payment request itself was invalid (a bad card number); the hold is kept for another try. */
export class PaymentRejectedError extends AppError {
  constructor(orderId: string, code: string, detail: string, field: string | undefined) {
    super(400, code, detail, { orderId, orderStatus: 'FAILED', ...(field && { field }) });
  }
}

export class PaymentUnavailableError extends ServiceUnavailableError {
  constructor(readonly orderId: string) {
    super(
      'The payment service did not answer, so the order failed; the seats stay held until the hold expires, so you can try again. If your card was charged, the charge is refunded automatically.',
      'payment_unavailable',
    );
    Object.assign(this.extras, { orderId, orderStatus: 'FAILED' });
  }
}

export class TicketsUnavailableError extends ConflictError {
  constructor(orderId: string, reason: string) {
    super(`${reason}; the payment was refunded`, 'tickets_unavailable', { orderId, orderStatus: 'FAILED' });
  }
}

export class OrderInterruptedError extends ConflictError {
  constructor(orderId: string, reason: string) {
    super(reason, 'order_interrupted', { orderId, orderStatus: 'FAILED' });
  }
}

export class OrderNotFoundError extends NotFoundError {
  constructor() {
    super('The order', 'order_not_found');
  }
}

export class OrderNotCancellableError extends ConflictError {
  constructor(status: string) {
    super(`A ${status.toLowerCase()} order cannot be cancelled`, 'order_not_cancellable', {
      orderStatus: status,
    });
  }
}

export class RefundDeadlinePassedError extends ConflictError {
  constructor(deadline: Date, hours: number) {
    super(
      `Orders can be cancelled until ${hours} hours before the event (${deadline.toISOString()}); that time has passed`,
      'refund_deadline_passed',
      { deadline: deadline.toISOString() },
    );
  }
}

export class EventScheduleUnknownError extends ServiceUnavailableError {
  constructor() {
    super(
      'The event schedule is unavailable, so the refund policy cannot be checked; try again shortly',
      'event_unavailable',
    );
  }
}

/**
 * A purchase cap refused the order (the IP range's here, the card's at the payment service):
 * nothing was charged, and the hold was released so the seats go back on sale.
 */
export class PurchaseLimitReachedError extends ConflictError {
  constructor(
    code: 'ip_range_limit_reached' | 'card_limit_reached',
    detail: string,
    extras: { orderId?: string; limit?: number; alreadyBought?: number; requested?: number } = {},
  ) {
    super(detail, code, {
      reason: code === 'ip_range_limit_reached' ? 'per_ip_range_limit' : 'per_card_limit',
      ...extras,
      ...(extras.orderId && { orderStatus: 'FAILED' }),
    });
  }
}

export class PurchaseBlockNotFoundError extends NotFoundError {
  constructor() {
    super(
      'An IP range refused by the per-range cap for this event with that key',
      'purchase_block_not_found',
    );
  }
}

export class TicketsCheckedInError extends ConflictError {
  constructor(checkedIn: number) {
    super(
      `${checkedIn === 1 ? 'A ticket' : `${checkedIn} tickets`} of this order ${checkedIn === 1 ? 'was' : 'were'} already checked in at the door: the order cannot be cancelled; ask support`,
      'tickets_checked_in',
      { checkedIn },
    );
  }
}

export class CheckInStateUnknownError extends ServiceUnavailableError {
  constructor() {
    super(
      'Whether the tickets were checked in cannot be told right now, so the order cannot be cancelled; try again shortly',
      'check_in_state_unavailable',
    );
  }
}
