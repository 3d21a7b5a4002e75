// The purchase saga, as a persisted state machine. An order's `saga_step` names what is left
// to do; each step makes one idempotent call (the payment service answers the same payment
// per order, the ticket service the same sale per order, refunds carry keys) and then records
// the next step in a conditional update, so a crash between the call and the record is
// repaired by doing the step again. Whoever drives a saga (the request that created the order,
// a retry of it, or a recovery worker) holds its lease while it works.
//
//   CHARGE ──paid──▶ SELL ──sold──▶ DONE (CONFIRMED)
//     │                └──hold gone──▶ REFUND_UNSOLD ──▶ DONE (FAILED)
//     ├──declined──▶ RELEASE_HOLD ──▶ DONE (FAILED)
//     └──no answer──▶ VERIFY_PAYMENT (FAILED; a charge that went through after all is refunded)
//   DONE (CONFIRMED) ──cancel──▶ CANCEL_REFUND ──▶ CANCEL_RETURN_TICKETS ──▶ DONE (CANCELLED)
import type { PaymentMethodInput } from '@ticketing/contracts';
import {
  appendToOutbox,
  type Clock,
  type Database,
  type Executor,
  type Logger,
  type NewEvent,
} from '@ticketing/platform';
import type { CrashPoint, OrderServiceConfig } from './config.js';
import type { EventCatalogue } from './event-catalogue.js';
import { orderCancelled, orderConfirmed, orderFailed } from './events.js';
import type { PaymentService, PaymentView } from './payment-service.js';
import * as repository from './repository.js';
import { ORDER_SCHEMA, type OrderLineRow, type OrderRow, type SagaStep } from './tables.js';
import type { SoldTicketView, TicketService } from './ticket-service.js';
import { Unreachable } from './upstream.js';

export interface OrderDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
  settings: OrderServiceConfig;
  tickets: TicketService;
  payments: PaymentService;
  catalogue: EventCatalogue;
  /** Wakes the recovery worker (a payment outcome arrived, an event was cancelled). */
  wake(): void;
  /**
   * Orders whose charge a saga of this instance is being answered, or was: the payment's event,
   * when this instance consumes it, has nothing to wake — the saga goes on with the answer it
   * has (bounded; another instance, or an order left PENDING, is woken through the database; an
   * outcome that overtakes its own PENDING answer is found by the worker's next pass instead).
   */
  chargesAnsweredHere: Set<string>;
}

/** Beyond this many, the memory of charges answered here starts again (it only saves statements). */
const MAX_CHARGES_REMEMBERED = 10_000;

function rememberChargeHere(deps: OrderDeps, orderId: string): void {
  if (deps.chargesAnsweredHere.size >= MAX_CHARGES_REMEMBERED) deps.chargesAnsweredHere.clear();
  deps.chargesAnsweredHere.add(orderId);
}

/**
 * What the request driving a saga already knows, so it is not read again: the order's lines
 * (written with the order, never changed) and the tickets the sale answered with.
 */
export interface SagaMemo {
  lines?: OrderLineRow[];
  sold?: SoldTicketView[];
}

/** What only the buyer's request has: the card (never stored) and where the buyer is. */
export interface BuyerInput {
  payment: PaymentMethodInput;
  ipAddress: string | undefined;
  requestId: string | undefined;
}

/** Thrown at a test-only crash point in `throw` mode: the saga stops as if the process died. */
export class SimulatedCrash extends Error {
  constructor(point: CrashPoint) {
    super(`simulated crash at ${point} (ORDER_CRASH_AT)`);
    this.name = 'SimulatedCrash';
  }
}

export function crashIfAsked(deps: OrderDeps, point: CrashPoint): void {
  const crash = deps.settings.crash;
  if (crash?.at !== point) return;
  deps.logger.warn({ point }, 'ORDER_CRASH_AT: simulating a crash');
  if (crash.mode === 'throw') throw new SimulatedCrash(point);
  // As abrupt as a kill -9: no graceful shutdown, nothing flushed, the lease still held.
  process.kill(process.pid, 'SIGKILL');
}

/** Payment failure codes that mean the request itself was wrong (the hold is kept for a corrected try). */
export const PAYMENT_REQUEST_ERRORS = new Set([
  'invalid_card_number',
  'payment_method_required',
  'payment_token_not_supported',
  'raw_card_not_supported',
  'validation_failed',
]);

type StepResult = { kind: 'advanced'; order: OrderRow } | { kind: 'wait'; reason: string; soon?: boolean };

const advanced = (order: OrderRow): StepResult => ({ kind: 'advanced', order });

/**
 * Records the next step (and the order's event) if the order is still at `from`; when it is
 * not, someone else moved it, and the saga goes on from where they left it.
 */
async function record(
  deps: OrderDeps,
  order: OrderRow,
  changes: repository.OrderChanges & { sagaStep: SagaStep },
  event?: (order: OrderRow, lines: OrderLineRow[]) => NewEvent,
): Promise<StepResult> {
  const now = deps.clock.now();
  // A saga that ends gives its lease back in the same statement.
  const ending = changes.sagaStep === 'DONE' && !('leaseUntil' in changes);
  const advance = (executor: Executor) =>
    repository.advanceSaga(
      executor,
      order.id,
      order.sagaStep,
      ending ? { ...changes, leaseUntil: null } : changes,
      now,
    );
  // A step without an event is one statement: no transaction around it.
  const next = event
    ? await deps.db.transaction(async (tx) => {
        const moved = await advance(tx);
        if (moved) {
          const lines = await repository.findLinesOfOrders(tx, [order.id]);
          await appendToOutbox(tx, ORDER_SCHEMA, [event(moved, lines)]);
        }
        return moved;
      })
    : await advance(deps.db.orm);
  return advanced(next ?? (await repository.findOrder(deps.db.orm, order.id))!);
}

async function fail(
  deps: OrderDeps,
  order: OrderRow,
  failure: { code: string; reason: string; refundedAmount?: number },
  sagaStep: SagaStep = 'DONE',
): Promise<StepResult> {
  return record(
    deps,
    order,
    {
      sagaStep,
      status: 'FAILED',
      failureCode: failure.code,
      failureReason: failure.reason,
      failedAt: deps.clock.now(),
      ...(failure.refundedAmount !== undefined && { refundedAmount: failure.refundedAmount }),
    },
    orderFailed,
  );
}

/** What a payment's outcome means for an order still at CHARGE. */
async function applyPayment(deps: OrderDeps, order: OrderRow, payment: PaymentView): Promise<StepResult> {
  if (payment.status === 'COMPLETED') {
    const result = await record(deps, order, { sagaStep: 'SELL', paymentId: payment.id });
    crashIfAsked(deps, 'after-payment');
    return result;
  }
  if (payment.status === 'PENDING') {
    // Its outcome arrives later, as an event that must wake this order.
    deps.chargesAnsweredHere.delete(order.id);
    if (order.paymentId !== payment.id) {
      await repository.advanceSaga(
        deps.db.orm,
        order.id,
        'CHARGE',
        { paymentId: payment.id },
        deps.clock.now(),
      );
    }
    return { kind: 'wait', reason: 'the payment is still being processed', soon: true };
  }
  const result = await record(deps, order, {
    sagaStep: 'RELEASE_HOLD',
    paymentId: payment.id,
    failureCode: payment.failureCode ?? 'payment_failed',
    failureReason: payment.failureReason ?? 'The payment failed',
  });
  crashIfAsked(deps, 'after-payment-failed');
  return result;
}

async function charge(deps: OrderDeps, order: OrderRow, buyer: BuyerInput | undefined): Promise<StepResult> {
  if (!buyer) {
    // A recovery worker has no card: it can only learn what happened to the charge.
    const payment = await deps.payments.paymentOfOrder(order.id);
    if (payment) return applyPayment(deps, order, payment);
    // Never charged, and the buyer did not come back with the card: nothing to undo, the hold
    // stays the buyer's until it expires.
    return fail(deps, order, {
      code: 'payment_not_attempted',
      reason: 'The purchase was interrupted before the payment; nothing was charged',
    });
  }
  let answer: Awaited<ReturnType<PaymentService['charge']>>;
  rememberChargeHere(deps, order.id);
  try {
    answer = await deps.payments.charge(
      {
        orderId: order.id,
        userId: order.userId,
        amount: order.totalAmount,
        currency: order.currency,
        description: `${order.quantity} ticket${order.quantity === 1 ? '' : 's'}${order.eventTitle ? ` for ${order.eventTitle}` : ''}`,
        ...(buyer.ipAddress && { ipAddress: buyer.ipAddress }),
        // The payment service's per-card cap counts tickets per event.
        eventId: order.eventId,
        quantity: order.quantity,
        payment: buyer.payment,
      },
      buyer.requestId,
    );
  } catch (error) {
    deps.chargesAnsweredHere.delete(order.id);
    if (!(error instanceof Unreachable)) throw error;
    // No answer: the charge may or may not have happened. The order fails now (the hold stays,
    // so the buyer can try again) and the saga later asks the payment service, refunding a
    // charge that went through after all.
    return fail(
      deps,
      order,
      { code: 'payment_unavailable', reason: `The payment service did not answer: ${error.message}` },
      'VERIFY_PAYMENT',
    );
  }
  if (answer.kind === 'payment') return applyPayment(deps, order, answer.payment);
  const code = answer.problem.code ?? 'payment_rejected';
  return fail(deps, order, {
    code: PAYMENT_REQUEST_ERRORS.has(code) || answer.status === 400 ? code : 'payment_rejected',
    reason: answer.problem.detail ?? `The payment service refused the payment (${answer.status})`,
  });
}

async function sell(deps: OrderDeps, order: OrderRow, memo: SagaMemo): Promise<StepResult> {
  const outcome = await deps.tickets.sellHold(order.holdId, order.id, order.userId);
  crashIfAsked(deps, 'after-sale');
  if (outcome.kind === 'refused') {
    const code = outcome.problem.code ?? '';
    if (!code.startsWith('hold_') && code !== 'order_already_used') {
      return { kind: 'wait', reason: `the ticket service refused the sale: ${code || 'unknown'}` };
    }
    // Paid, but the tickets cannot be had any more (the hold expired or was released): refund.
    return record(deps, order, {
      sagaStep: 'REFUND_UNSOLD',
      failureCode: 'tickets_unavailable',
      failureReason: outcome.problem.detail ?? 'The held tickets are no longer available',
    });
  }
  const now = deps.clock.now();
  const next = await deps.db.transaction(async (tx) => {
    // Ordered with the event's cancellation: an order confirmed after it is refunded at once.
    await repository.lockEventForConfirmation(tx, order.eventId);
    const cancelled = await repository.isEventCancelled(tx, order.eventId);
    const confirmed = await repository.advanceSaga(
      tx,
      order.id,
      'SELL',
      {
        status: 'CONFIRMED',
        sagaStep: cancelled ? 'CANCEL_REFUND' : 'DONE',
        confirmedAt: now,
        // Done: the lease goes back with the confirmation, not in a statement of its own.
        ...(!cancelled && { leaseUntil: null }),
        ...(cancelled && {
          cancelRequestedAt: now,
          cancelledBy: 'event_cancelled' as const,
          cancelReason: 'The event was cancelled',
        }),
      },
      now,
    );
    if (confirmed) {
      const lines = memo.lines ?? (await repository.findLinesOfOrders(tx, [order.id]));
      await appendToOutbox(tx, ORDER_SCHEMA, [orderConfirmed(confirmed, lines)]);
    }
    return confirmed;
  });
  memo.sold = outcome.tickets;
  return advanced(next ?? (await repository.findOrder(deps.db.orm, order.id))!);
}

/** Refunds the order's payment under `key`; the refunded amount, or a wait while it is not done. */
async function refund(
  deps: OrderDeps,
  order: OrderRow,
  key: string,
  reason: string,
): Promise<{ refunded: number } | { wait: string }> {
  if (!order.paymentId) return { refunded: 0 };
  const answer = await deps.payments.refund(order.paymentId, key, reason);
  if (answer.kind === 'refund') {
    if (answer.result.refund.status === 'COMPLETED')
      return { refunded: answer.result.payment.refundedAmount };
    if (answer.result.refund.status === 'PENDING') return { wait: 'the refund is being processed' };
    return { wait: `the refund failed at the gateway: ${answer.result.refund.failureReason ?? 'unknown'}` };
  }
  // Refunded already (by an earlier attempt under another key, or an admin): nothing left to do.
  const payment = await deps.payments.paymentOfOrder(order.id);
  if (payment?.status === 'REFUNDED') return { refunded: payment.refundedAmount };
  if (payment?.status === 'FAILED') return { refunded: 0 };
  return { wait: `the payment service refused the refund: ${answer.problem.code ?? answer.status}` };
}

async function step(
  deps: OrderDeps,
  order: OrderRow,
  buyer: BuyerInput | undefined,
  memo: SagaMemo,
): Promise<StepResult> {
  switch (order.sagaStep) {
    case 'CHARGE':
      return charge(deps, order, buyer);
    case 'SELL':
      return sell(deps, order, memo);
    case 'RELEASE_HOLD':
      await deps.tickets.releaseHold(order.holdId, order.userId);
      return fail(deps, order, {
        code: order.failureCode ?? 'payment_failed',
        reason: order.failureReason ?? 'The payment failed',
      });
    case 'REFUND_UNSOLD': {
      const result = await refund(deps, order, `order-${order.id}-unsold`, 'tickets no longer available');
      if ('wait' in result) return { kind: 'wait', reason: result.wait };
      return fail(deps, order, {
        code: 'tickets_unavailable',
        reason: order.failureReason ?? 'The held tickets are no longer available',
        refundedAmount: result.refunded,
      });
    }
    case 'VERIFY_PAYMENT': {
      const payment = await deps.payments.paymentOfOrder(order.id);
      if (payment?.status === 'PENDING')
        return { kind: 'wait', reason: 'the payment is still being processed' };
      if (payment?.status === 'COMPLETED') {
        const result = await refund(
          deps,
          { ...order, paymentId: payment.id },
          `order-${order.id}-unanswered`,
          'the order failed while the payment service did not answer',
        );
        if ('wait' in result) return { kind: 'wait', reason: result.wait };
        return record(deps, order, {
          sagaStep: 'DONE',
          paymentId: payment.id,
          refundedAmount: result.refunded,
        });
      }
      return record(deps, order, { sagaStep: 'DONE', ...(payment && { paymentId: payment.id }) });
    }
    case 'CANCEL_REFUND': {
      const result = await refund(
        deps,
        order,
        `order-${order.id}-cancel`,
        order.cancelReason ?? 'order cancelled',
      );
      if ('wait' in result) return { kind: 'wait', reason: result.wait };
      const next = await record(deps, order, {
        sagaStep: 'CANCEL_RETURN_TICKETS',
        refundedAmount: result.refunded,
      });
      crashIfAsked(deps, 'after-cancel-refund');
      return next;
    }
    case 'CANCEL_RETURN_TICKETS':
      await deps.tickets.releaseSoldTickets(order.id);
      return record(
        deps,
        order,
        { sagaStep: 'DONE', status: 'CANCELLED', cancelledAt: deps.clock.now(), leaseUntil: null },
        orderCancelled,
      );
    case 'DONE':
      return advanced(order);
  }
}

function backoffMs(deps: OrderDeps, attempts: number, soon: boolean): number {
  const base = soon ? 500 : deps.settings.recoveryIntervalMs;
  return Math.min(60_000, base * 2 ** Math.min(attempts, 6));
}

/**
 * Drives an order's saga, whose lease the caller holds, until it is DONE or has to wait
 * (a service down, a payment still processing); then gives the lease back with the time of
 * the next attempt. Answers the order as it is then.
 */
export async function runSaga(
  deps: OrderDeps,
  claimed: OrderRow,
  buyer?: BuyerInput,
  memo: SagaMemo = {},
): Promise<OrderRow> {
  let order = claimed;
  while (order.sagaStep !== 'DONE') {
    let result: StepResult;
    try {
      result = await step(deps, order, buyer, memo);
    } catch (error) {
      if (error instanceof SimulatedCrash) throw error;
      const reason = error instanceof Unreachable ? error.message : `${(error as Error).message}`;
      if (!(error instanceof Unreachable))
        deps.logger.error({ err: error, orderId: order.id }, 'saga step failed');
      result = { kind: 'wait', reason };
    }
    if (result.kind === 'wait') {
      const now = deps.clock.now();
      const delay = backoffMs(deps, order.sagaAttempts, result.soon ?? false);
      await repository.postponeSaga(
        deps.db.orm,
        order.id,
        new Date(now.getTime() + delay),
        result.reason,
        now,
      );
      deps.logger.info(
        { orderId: order.id, step: order.sagaStep, reason: result.reason, retryInMs: delay },
        'saga waiting',
      );
      return (await repository.findOrder(deps.db.orm, order.id)) ?? order;
    }
    // The card is for the charge only: a later CHARGE (after a wait) is settled by lookup.
    if (result.order.sagaStep !== 'CHARGE') buyer = undefined;
    order = result.order;
  }
  if (order.leaseUntil) await repository.releaseSagaLease(deps.db.orm, order.id, deps.clock.now());
  return order;
}
