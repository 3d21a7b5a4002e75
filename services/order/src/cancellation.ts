// Cancelling confirmed orders: by the buyer under the refund policy (until
// ORDER_REFUND_DEADLINE_HOURS before the event, and never once a ticket was checked in), by an
// admin at any time (a refund after check-in is recorded on the order), or for every order
// of an event the event service cancelled. A cancellation is recorded as a saga step first
// (refund, then return the tickets), so it survives a restart halfway and finishes once.
import type { EventCancelledPayload, OrderView } from '@ticketing/contracts';
import { consumeOnce, type DomainEvent, type Identity } from '@ticketing/platform';
import {
  CheckInStateUnknownError,
  EventScheduleUnknownError,
  OrderNotCancellableError,
  OrderNotFoundError,
  RefundDeadlinePassedError,
  TicketsCheckedInError,
} from './errors.js';
import { EVENT_CANCELLED_CONSUMER } from './events.js';
import { detailedView } from './history.js';
import * as repository from './repository.js';
import { type OrderDeps, runSaga } from './saga.js';
import { ORDER_SCHEMA, type OrderRow } from './tables.js';

export interface CancelAnswer {
  /** 200 cancelled, 202 the cancellation goes on in the background (a service is down). */
  status: 200 | 202;
  order: OrderView;
}

async function answer(deps: OrderDeps, order: OrderRow): Promise<CancelAnswer> {
  return { status: order.status === 'CANCELLED' ? 200 : 202, order: await detailedView(deps, order) };
}

export async function cancelOrder(
  deps: OrderDeps,
  actor: Identity,
  orderId: string,
  reason: string | undefined,
): Promise<CancelAnswer> {
  const admin = actor.roles.includes('ADMIN');
  const order = await repository.findOrder(deps.db.orm, orderId);
  if (!order || (order.userId !== actor.userId && !admin)) throw new OrderNotFoundError();
  // Asked again: the cancellation already done, or under way.
  if (order.status === 'CANCELLED' || order.cancelRequestedAt) return resume(deps, order);
  if (order.status !== 'CONFIRMED' || order.sagaStep !== 'DONE')
    throw new OrderNotCancellableError(order.status);
  const now = deps.clock.now();
  if (!admin) {
    const startsAt = order.eventStartsAt ?? (await deps.catalogue.facts(order.eventId))?.startsAt;
    if (!startsAt) throw new EventScheduleUnknownError();
    const deadline = new Date(startsAt.getTime() - deps.settings.refundDeadlineHours * 3_600_000);
    if (now > deadline) throw new RefundDeadlinePassedError(deadline, deps.settings.refundDeadlineHours);
  }
  // Someone already went in on these tickets: only an admin may refund them, and it is written down.
  const checkedIn = await deps.tickets.countCheckedInTickets(order.id).catch(() => {
    throw new CheckInStateUnknownError();
  });
  if (checkedIn > 0 && !admin) throw new TicketsCheckedInError(checkedIn);
  if (checkedIn > 0)
    deps.logger.warn(
      { orderId: order.id, actorId: actor.userId, checkedIn },
      'admin refunds checked-in tickets',
    );
  const started = await repository.advanceSaga(
    deps.db.orm,
    order.id,
    'DONE',
    {
      sagaStep: 'CANCEL_REFUND',
      cancelRequestedAt: now,
      cancelledBy: admin ? 'admin' : 'buyer',
      cancelReason: reason ?? (admin ? 'Cancelled by an administrator' : 'Cancelled by the buyer'),
      ...(checkedIn > 0 && { checkedInTicketsRefunded: checkedIn }),
      leaseUntil: new Date(now.getTime() + deps.settings.sagaLeaseMs),
      nextAttemptAt: new Date(now.getTime() + deps.settings.sagaLeaseMs),
    },
    now,
  );
  // A concurrent cancellation started first: answer how it stands.
  if (!started) return resume(deps, (await repository.findOrder(deps.db.orm, order.id))!);
  return answer(deps, await runSaga(deps, started));
}

async function resume(deps: OrderDeps, order: OrderRow): Promise<CancelAnswer> {
  if (order.sagaStep === 'DONE') return answer(deps, order);
  const now = deps.clock.now();
  const claimed = await repository.claimSaga(
    deps.db.orm,
    order.id,
    now,
    new Date(now.getTime() + deps.settings.sagaLeaseMs),
  );
  return answer(deps, claimed ? await runSaga(deps, claimed) : order);
}

/**
 * The event was cancelled: in one transaction (once per event, through the inbox), remember
 * it and start the refund of every confirmed order; the recovery worker carries them out.
 */
export async function onEventCancelled(deps: OrderDeps, event: DomainEvent): Promise<void> {
  const payload = event.payload as EventCancelledPayload;
  let started = 0;
  await consumeOnce(deps.db, ORDER_SCHEMA, EVENT_CANCELLED_CONSUMER, event, async (tx) => {
    const now = deps.clock.now();
    await repository.lockEventForCancellation(tx, payload.eventId);
    await repository.recordCancelledEvent(
      tx,
      { eventId: payload.eventId, reason: payload.reason, cancelledAt: new Date(payload.cancelledAt) },
      now,
    );
    started = await repository.startCancellingOrdersOfEvent(
      tx,
      payload.eventId,
      payload.reason ? `The event was cancelled: ${payload.reason}` : 'The event was cancelled',
      now,
    );
  });
  deps.logger.info({ eventId: payload.eventId, orders: started }, 'event cancelled: refunding its orders');
  if (started > 0) deps.wake();
}
