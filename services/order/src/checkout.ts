// Buying a hold: `POST /api/v1/orders` with an Idempotency-Key. The hold is checked first
// (nothing is recorded when it says no; the buyer is who the verified token says, and a
// disabled account's tokens stop at the gateway, so the user service is not asked); then the order is recorded PENDING
// with one line per ticket, its key and its order-created event in one transaction, and the
// saga charges, sells and confirms. The same key again answers the same order — waiting for
// the first request if it is still running, or finishing its charge if it was interrupted —
// and never charges twice; the same key with another body is refused.
import { createHash } from 'node:crypto';
import type { CreateOrderBody, HoldView, OrderView } from '@ticketing/contracts';
import { appendToOutbox, type Identity, newId } from '@ticketing/platform';
import {
  HoldInUseError,
  HoldNotFoundError,
  HoldUnavailableError,
  IdempotencyKeyRequiredError,
  IdempotencyKeyReusedError,
  OrderInterruptedError,
  PaymentDeclinedError,
  PaymentRejectedError,
  PaymentUnavailableError,
  PurchaseLimitReachedError,
  QueueAdmissionError,
  TicketsUnavailableError,
  UpstreamUnavailableError,
} from './errors.js';
import { orderCreated } from './events.js';
import { detailedView } from './history.js';
import { ipRangeOf } from './ip-ranges.js';
import { checkIpRangeCap } from './purchase-caps.js';
import * as repository from './repository.js';
import {
  type BuyerInput,
  crashIfAsked,
  type OrderDeps,
  PAYMENT_REQUEST_ERRORS,
  runSaga,
  type SagaMemo,
} from './saga.js';
import { ORDER_SCHEMA, type OrderLineRow, type OrderRow } from './tables.js';
import { Unreachable } from './upstream.js';

export interface CheckoutRequest {
  idempotencyKey: string | undefined;
  /** The Queue-Token header: needed when the hold was made under a waiting room. */
  queueToken?: string | undefined;
  ipAddress: string | undefined;
  requestId: string | undefined;
}

export interface CheckoutAnswer {
  /** 201 a new confirmed order, 200 the same again, 202 still PENDING. */
  status: 200 | 201 | 202;
  order: OrderView;
}

/** What makes two purchases the same: the hold and the payment method, never the card number. */
function requestHash(body: CreateOrderBody): string {
  const card = body.payment.card;
  const digits = card?.number.replace(/[\s-]/g, '');
  const canonical = JSON.stringify([
    body.holdId,
    body.payment.method,
    digits ? digits.slice(-4) : null,
    digits?.length ?? null,
    card?.expMonth ?? null,
    card?.expYear ?? null,
    body.payment.token ?? null,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

function checkHold(hold: HoldView | undefined, buyerId: string, now: Date): HoldView {
  if (!hold) throw new HoldNotFoundError();
  if (hold.userId !== buyerId)
    throw new HoldUnavailableError('hold_not_owned', 'The hold belongs to another user');
  if (hold.status === 'EXPIRED' || (hold.status === 'ACTIVE' && new Date(hold.expiresAt) <= now)) {
    throw new HoldUnavailableError(
      'hold_expired',
      `The hold expired at ${hold.expiresAt}; hold the seats again`,
    );
  }
  if (hold.status === 'RELEASED') throw new HoldUnavailableError('hold_released', 'The hold was released');
  if (hold.status === 'SOLD') throw new HoldUnavailableError('hold_sold', 'The hold was already bought');
  return hold;
}

function linesOf(deps: OrderDeps, orderId: string, hold: HoldView): OrderLineRow[] {
  const { feeBasisPoints, feeFixed } = deps.settings;
  return hold.tickets.map((ticket, position) => {
    const fee = Math.floor((ticket.price * feeBasisPoints) / 10_000) + feeFixed;
    return {
      orderId,
      ticketId: ticket.id,
      position,
      seatId: ticket.seatId,
      ticketTypeId: ticket.ticketTypeId,
      ticketTypeName: ticket.ticketTypeName,
      label: ticket.label,
      section: ticket.section,
      rowLabel: ticket.row,
      seatNumber: ticket.seat,
      category: ticket.category,
      price: ticket.price,
      fee,
      total: ticket.price + fee,
    };
  });
}

export async function placeOrder(
  deps: OrderDeps,
  buyer: Identity,
  body: CreateOrderBody,
  request: CheckoutRequest,
): Promise<CheckoutAnswer> {
  const key = request.idempotencyKey;
  if (!key) throw new IdempotencyKeyRequiredError();
  const hash = requestHash(body);
  const input: BuyerInput = {
    payment: body.payment,
    ipAddress: request.ipAddress,
    requestId: request.requestId,
  };

  const earlier = await repository.findIdempotencyKey(deps.db.orm, buyer.userId, key);
  if (earlier) return replay(deps, earlier, hash, input);

  // Nothing is recorded until the hold checks out.
  const found = await reachOrRefuse('ticket', () => deps.tickets.getHold(body.holdId, request.requestId));
  const hold = checkHold(found, buyer.userId, deps.clock.now());
  if (hold.queuePlaceId) await requireQueueAdmission(deps, buyer.userId, hold, request);
  const live = await repository.findLiveOrderOfHold(deps.db.orm, hold.id);
  if (live) {
    // A concurrent request with this very key may have recorded it since we looked.
    const winner = await repository.findIdempotencyKey(deps.db.orm, buyer.userId, key);
    if (winner) return replay(deps, winner, hash, input);
    throw new HoldInUseError(live.id);
  }
  const facts = await deps.catalogue.facts(hold.eventId);

  const now = deps.clock.now();
  const orderId = newId();
  const lines = linesOf(deps, orderId, hold);
  const ipRange = ipRangeOf(request.ipAddress);
  const subtotal = lines.reduce((sum, line) => sum + line.price, 0);
  const fees = lines.reduce((sum, line) => sum + line.fee, 0);
  const created = await deps.db
    .transaction(async (tx) => {
      await checkIpRangeCap(tx, deps, { eventId: hold.eventId, ipRange, quantity: lines.length });
      const order = await repository.insertOrderUnlessHoldTaken(tx, {
        id: orderId,
        userId: buyer.userId,
        eventId: hold.eventId,
        holdId: hold.id,
        status: 'PENDING',
        sagaStep: 'CHARGE',
        currency: hold.currency,
        subtotalAmount: subtotal,
        feeAmount: fees,
        totalAmount: subtotal + fees,
        quantity: lines.length,
        paymentId: null,
        refundedAmount: 0,
        eventTitle: facts?.title ?? null,
        eventStartsAt: facts?.startsAt ?? null,
        ipAddress: request.ipAddress ?? null,
        ipRange: ipRange ?? null,
        // This request drives the saga it starts.
        leaseUntil: new Date(now.getTime() + deps.settings.sagaLeaseMs),
        nextAttemptAt: new Date(now.getTime() + deps.settings.sagaLeaseMs),
        sagaAttempts: 0,
        orderDate: now,
        createdAt: now,
        updatedAt: now,
      });
      // The hold's live order appeared meanwhile (a concurrent request, maybe with this very key).
      if (!order) return undefined;
      if (
        !(await repository.claimIdempotencyKey(tx, {
          userId: buyer.userId,
          key,
          requestHash: hash,
          orderId,
          createdAt: now,
        }))
      ) {
        throw new ConcurrentKeyUse();
      }
      await repository.insertOrderLines(tx, lines);
      await appendToOutbox(tx, ORDER_SCHEMA, [orderCreated(order, lines)]);
      return order;
    })
    .catch(async (error) => {
      if (error instanceof ConcurrentKeyUse) return undefined;
      if (error instanceof PurchaseLimitReachedError) await refuseOverCap(deps, buyer, hold, ipRange!, now);
      throw error;
    });
  if (!created) {
    const winner = await repository.findIdempotencyKey(deps.db.orm, buyer.userId, key);
    if (winner) return replay(deps, winner, hash, input);
    const other = await repository.findLiveOrderOfHold(deps.db.orm, hold.id);
    throw new HoldInUseError(other?.id ?? 'unknown');
  }
  deps.logger.info({ orderId, holdId: hold.id, total: created.totalAmount }, 'order recorded');
  crashIfAsked(deps, 'after-order-recorded');
  // The lines just written and the sale's tickets answer the buyer without being read again.
  const memo: SagaMemo = { lines };
  const order = await runSaga(deps, created, input, memo);
  return answer(deps, order, true, memo);
}

class ConcurrentKeyUse extends Error {}

/**
 * Nothing was recorded; the refusal is kept for the admin view and the hold released, so the
 * seats go back on sale rather than waiting out a hold that cannot be bought from here.
 */
async function refuseOverCap(
  deps: OrderDeps,
  buyer: Identity,
  hold: HoldView,
  ipRange: string,
  now: Date,
): Promise<void> {
  await repository.recordIpRangeRefusal(deps.db.orm, hold.eventId, ipRange, now);
  deps.logger.info({ eventId: hold.eventId, ipRange, holdId: hold.id }, 'order refused: IP range cap');
  await deps.tickets.releaseHold(hold.id, buyer.userId).catch((error: unknown) => {
    // The hold then expires by itself; the buyer's answer does not depend on it.
    deps.logger.warn({ err: error, holdId: hold.id }, 'could not release the hold of a refused order');
  });
}

/** A hold made under a waiting room is bought with the same admission (the Queue-Token header). */
async function requireQueueAdmission(
  deps: OrderDeps,
  buyerId: string,
  hold: HoldView,
  request: CheckoutRequest,
): Promise<void> {
  const token = request.queueToken?.trim();
  if (!token)
    throw new QueueAdmissionError(
      'queue_admission_required',
      'This hold was made in an on-sale with a waiting room: send its admission token as the Queue-Token header',
    );
  const check = await reachOrRefuse('ticket', () =>
    deps.tickets.verifyAdmission(token, buyerId, hold.eventId, request.requestId),
  );
  if (check.kind === 'refused')
    throw new QueueAdmissionError(
      check.problem.code ?? 'queue_token_invalid',
      check.problem.detail ?? 'The Queue-Token was refused',
    );
  if (check.admission.placeId !== hold.queuePlaceId)
    throw new QueueAdmissionError(
      'queue_token_other_place',
      'The admission token is not the one this hold was made with',
    );
}

async function reachOrRefuse<T>(service: 'ticket', call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof Unreachable) throw new UpstreamUnavailableError(service, error.message);
    throw error;
  }
}

/** The same key again: the first request's order, finished or waited for. */
async function replay(
  deps: OrderDeps,
  earlier: { orderId: string; requestHash: string },
  hash: string,
  input: BuyerInput,
): Promise<CheckoutAnswer> {
  if (earlier.requestHash !== hash) throw new IdempotencyKeyReusedError(earlier.orderId);
  let order = (await repository.findOrder(deps.db.orm, earlier.orderId))!;
  if (order.sagaStep === 'CHARGE') {
    // The first request was interrupted before its charge settled: with the card again, finish it.
    const now = deps.clock.now();
    const claimed = await repository.claimSaga(
      deps.db.orm,
      order.id,
      now,
      new Date(now.getTime() + deps.settings.sagaLeaseMs),
    );
    if (claimed) order = await runSaga(deps, claimed, input);
  }
  order = await waitWhilePending(deps, order);
  return answer(deps, order, false);
}

/** A concurrent retry waits for the request driving the saga, up to ORDER_REPLAY_WAIT_MS. */
async function waitWhilePending(deps: OrderDeps, order: OrderRow): Promise<OrderRow> {
  const deadline = Date.now() + deps.settings.replayWaitMs;
  let current = order;
  while (current.status === 'PENDING' && current.leaseUntil && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    current = (await repository.findOrder(deps.db.orm, order.id)) ?? current;
  }
  return current;
}

/** The order as the buyer is answered: the order itself, or the problem that ended it. */
async function answer(
  deps: OrderDeps,
  order: OrderRow,
  created: boolean,
  known: SagaMemo = {},
): Promise<CheckoutAnswer> {
  if (order.status === 'FAILED') {
    const code = order.failureCode ?? 'payment_failed';
    const reason = order.failureReason ?? 'The order failed';
    if (code === 'payment_unavailable') throw new PaymentUnavailableError(order.id);
    if (code === 'tickets_unavailable') throw new TicketsUnavailableError(order.id, reason);
    if (code === 'payment_not_attempted') throw new OrderInterruptedError(order.id, reason);
    if (code === 'card_limit_reached')
      throw new PurchaseLimitReachedError(
        code,
        `${reason}; nothing was charged and the held seats were released`,
        {
          orderId: order.id,
        },
      );
    if (PAYMENT_REQUEST_ERRORS.has(code) || code === 'payment_rejected')
      throw new PaymentRejectedError(
        order.id,
        code,
        reason,
        code === 'invalid_card_number' ? 'payment.card.number' : undefined,
      );
    throw new PaymentDeclinedError(order.id, code, reason);
  }
  const view = await detailedView(deps, order, known);
  if (order.status === 'PENDING') return { status: 202, order: view };
  return { status: created ? 201 : 200, order: view };
}
