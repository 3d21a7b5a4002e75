// The order service's SQL, and only SQL. Every function takes a database or a transaction first.
import type { Executor } from '@ticketing/platform';
import { and, asc, desc, eq, gte, inArray, isNull, lt, lte, ne, or, sql } from 'drizzle-orm';
import {
  cancelledEvents,
  idempotencyKeys,
  ipRangeAllowances,
  ipRangeRefusals,
  type OrderLineRow,
  type OrderRow,
  type OrderStatus,
  orderLines,
  orders,
  type SagaStep,
} from './tables.js';

export type NewOrder = typeof orders.$inferInsert;

/** Inserts the order unless a live order holds its hold already; undefined then. */
export async function insertOrderUnlessHoldTaken(
  tx: Executor,
  order: NewOrder,
): Promise<OrderRow | undefined> {
  const [row] = await tx.insert(orders).values(order).onConflictDoNothing().returning();
  return row;
}

export async function insertOrderLines(tx: Executor, lines: OrderLineRow[]): Promise<void> {
  if (lines.length > 0) await tx.insert(orderLines).values(lines);
}

/** Claims the key for this order; false when the buyer already used it (the first request decides). */
export async function claimIdempotencyKey(
  tx: Executor,
  entry: typeof idempotencyKeys.$inferInsert,
): Promise<boolean> {
  const rows = await tx
    .insert(idempotencyKeys)
    .values(entry)
    .onConflictDoNothing()
    .returning({ orderId: idempotencyKeys.orderId });
  return rows.length > 0;
}

export async function findIdempotencyKey(db: Executor, userId: string, key: string) {
  const [row] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
  return row;
}

export async function findOrder(db: Executor, id: string): Promise<OrderRow | undefined> {
  const [row] = await db.select().from(orders).where(eq(orders.id, id));
  return row;
}

/** The id of the hold's live order, if it has one (every purchase asks: only the id is read). */
export async function findLiveOrderOfHold(db: Executor, holdId: string): Promise<{ id: string } | undefined> {
  const [row] = await db
    .select({ id: orders.id })
    .from(orders)
    .where(and(eq(orders.holdId, holdId), inArray(orders.status, ['PENDING', 'CONFIRMED'])));
  return row;
}

export async function findLinesOfOrders(db: Executor, orderIds: string[]): Promise<OrderLineRow[]> {
  if (orderIds.length === 0) return [];
  return db
    .select()
    .from(orderLines)
    .where(inArray(orderLines.orderId, orderIds))
    .orderBy(asc(orderLines.orderId), asc(orderLines.position));
}

/**
 * Takes the saga of an order for `leaseMs`: only when nobody holds it (or their lease ran
 * out). Undefined when someone else is driving it right now.
 */
export async function claimSaga(
  db: Executor,
  id: string,
  now: Date,
  leaseUntil: Date,
): Promise<OrderRow | undefined> {
  const [row] = await db
    .update(orders)
    .set({ leaseUntil, updatedAt: now })
    .where(
      and(
        eq(orders.id, id),
        ne(orders.sagaStep, 'DONE'),
        or(isNull(orders.leaseUntil), lt(orders.leaseUntil, now)),
      ),
    )
    .returning();
  return row;
}

export type OrderChanges = Partial<
  Pick<
    OrderRow,
    | 'status'
    | 'sagaStep'
    | 'paymentId'
    | 'refundedAmount'
    | 'failureCode'
    | 'failureReason'
    | 'cancelRequestedAt'
    | 'cancelledBy'
    | 'cancelReason'
    | 'checkedInTicketsRefunded'
    | 'eventTitle'
    | 'eventStartsAt'
    | 'leaseUntil'
    | 'nextAttemptAt'
    | 'sagaAttempts'
    | 'lastError'
    | 'confirmedAt'
    | 'cancelledAt'
    | 'failedAt'
  >
>;

/** Moves the saga on from `from`; undefined when the order is no longer at that step. */
export async function advanceSaga(
  tx: Executor,
  id: string,
  from: SagaStep,
  changes: OrderChanges,
  now: Date,
): Promise<OrderRow | undefined> {
  const [row] = await tx
    .update(orders)
    .set({ ...changes, updatedAt: now })
    .where(and(eq(orders.id, id), eq(orders.sagaStep, from)))
    .returning();
  return row;
}

/** Gives the saga back after a step could not finish: another try after `nextAttemptAt`. */
export async function postponeSaga(
  db: Executor,
  id: string,
  nextAttemptAt: Date,
  lastError: string,
  now: Date,
): Promise<void> {
  await db
    .update(orders)
    .set({
      leaseUntil: null,
      nextAttemptAt,
      lastError,
      sagaAttempts: sql`${orders.sagaAttempts} + 1`,
      updatedAt: now,
    })
    .where(eq(orders.id, id));
}

export async function releaseSagaLease(db: Executor, id: string, now: Date): Promise<void> {
  await db.update(orders).set({ leaseUntil: null, updatedAt: now }).where(eq(orders.id, id));
}

/** Unfinished sagas that are due and not driven by anyone, locked so one worker takes each. */
export async function lockDueSagas(tx: Executor, now: Date, limit: number): Promise<OrderRow[]> {
  return tx
    .select()
    .from(orders)
    .where(
      and(
        ne(orders.sagaStep, 'DONE'),
        lte(orders.nextAttemptAt, now),
        or(isNull(orders.leaseUntil), lt(orders.leaseUntil, now)),
      ),
    )
    .orderBy(asc(orders.nextAttemptAt))
    .limit(limit)
    .for('update', { skipLocked: true });
}

/** Makes an order's saga due now (a payment event arrived for it); false when it is past `step`. */
export async function makeSagaDue(db: Executor, id: string, step: SagaStep, now: Date): Promise<boolean> {
  const rows = await db
    .update(orders)
    .set({ nextAttemptAt: now, updatedAt: now })
    .where(and(eq(orders.id, id), eq(orders.sagaStep, step)))
    .returning({ id: orders.id });
  return rows.length > 0;
}

/**
 * Confirming an order and cancelling its event are serialised on one advisory lock per event:
 * confirmations share it (an on-sale confirms hundreds of one event's orders a second, and an
 * exclusive lock made them commit one after another), a cancellation takes it alone.
 */
export async function lockEventForConfirmation(tx: Executor, eventId: string): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock_shared(hashtext(${`orders:event:${eventId}`}))`);
}

/** Waits for the event's confirmations in progress, and keeps new ones out until commit. */
export async function lockEventForCancellation(tx: Executor, eventId: string): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`orders:event:${eventId}`}))`);
}

export async function recordCancelledEvent(
  tx: Executor,
  event: { eventId: string; reason: string; cancelledAt: Date },
  now: Date,
): Promise<void> {
  await tx
    .insert(cancelledEvents)
    .values({ ...event, receivedAt: now })
    .onConflictDoNothing();
}

export async function isEventCancelled(db: Executor, eventId: string): Promise<boolean> {
  const rows = await db
    .select({ eventId: cancelledEvents.eventId })
    .from(cancelledEvents)
    .where(eq(cancelledEvents.eventId, eventId));
  return rows.length > 0;
}

/** Every confirmed order of the event starts its refund, in one statement the worker then carries out. */
export async function startCancellingOrdersOfEvent(
  tx: Executor,
  eventId: string,
  reason: string,
  now: Date,
): Promise<number> {
  const rows = await tx
    .update(orders)
    .set({
      sagaStep: 'CANCEL_REFUND',
      cancelRequestedAt: now,
      cancelledBy: 'event_cancelled',
      cancelReason: reason,
      nextAttemptAt: now,
      updatedAt: now,
    })
    .where(and(eq(orders.eventId, eventId), eq(orders.status, 'CONFIRMED'), eq(orders.sagaStep, 'DONE')))
    .returning({ id: orders.id });
  return rows.length;
}

export interface OrderFilter {
  userId?: string;
  eventId?: string;
  status?: OrderStatus;
  from?: Date;
  to?: Date;
  before?: string;
  limit: number;
}

/** Newest first, keyset-paginated on the (time-ordered UUIDv7) id. */
export async function searchOrders(db: Executor, filter: OrderFilter): Promise<OrderRow[]> {
  const conditions = [];
  if (filter.userId) conditions.push(eq(orders.userId, filter.userId));
  if (filter.eventId) conditions.push(eq(orders.eventId, filter.eventId));
  if (filter.status) conditions.push(eq(orders.status, filter.status));
  if (filter.from) conditions.push(gte(orders.createdAt, filter.from));
  if (filter.to) conditions.push(lte(orders.createdAt, filter.to));
  if (filter.before) conditions.push(lt(orders.id, filter.before));
  return db
    .select()
    .from(orders)
    .where(and(...conditions))
    .orderBy(desc(orders.id))
    .limit(filter.limit);
}

/** Serialises the per-range cap of one IP range and one event (held until the transaction ends). */
export async function lockIpRangeForEvent(tx: Executor, eventId: string, ipRange: string): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`orders:ip-range:${eventId}:${ipRange}`}))`);
}

/** Tickets of live orders (being paid, or confirmed) from this range for this event. */
export async function countTicketsOfIpRange(tx: Executor, eventId: string, ipRange: string): Promise<number> {
  const [row] = await tx
    .select({ tickets: sql<string>`coalesce(sum(${orders.quantity}), 0)` })
    .from(orders)
    .where(
      and(
        eq(orders.eventId, eventId),
        eq(orders.ipRange, ipRange),
        inArray(orders.status, ['PENDING', 'CONFIRMED']),
      ),
    );
  return Number(row?.tickets ?? 0);
}

export async function sumIpRangeAllowances(db: Executor, eventId: string, ipRange: string): Promise<number> {
  const [row] = await db
    .select({ extra: sql<string>`coalesce(sum(${ipRangeAllowances.extraTickets}), 0)` })
    .from(ipRangeAllowances)
    .where(and(eq(ipRangeAllowances.eventId, eventId), eq(ipRangeAllowances.ipRange, ipRange)));
  return Number(row?.extra ?? 0);
}

export async function recordIpRangeRefusal(db: Executor, eventId: string, ipRange: string, now: Date) {
  await db
    .insert(ipRangeRefusals)
    .values({ eventId, ipRange, refusals: 1, firstRefusedAt: now, lastRefusedAt: now })
    .onConflictDoUpdate({
      target: [ipRangeRefusals.eventId, ipRangeRefusals.ipRange],
      set: { refusals: sql`${ipRangeRefusals.refusals} + 1`, lastRefusedAt: now },
    });
}

export interface IpRangeRefusalRow {
  eventId: string;
  ipRange: string;
  refusals: number;
  firstRefusedAt: Date;
  lastRefusedAt: Date;
  ticketsBought: number;
  extraAllowed: number;
}

/** Refused ranges, most recently refused first, with what they bought and were allowed since. */
export async function listIpRangeRefusals(
  db: Executor,
  filter: { eventId?: string | undefined; ipRange?: string | undefined; limit: number },
): Promise<IpRangeRefusalRow[]> {
  const result = await db.execute<{
    event_id: string;
    ip_range: string;
    refusals: number;
    first_refused_at: Date;
    last_refused_at: Date;
    tickets_bought: string;
    extra_allowed: string;
  }>(sql`
    SELECT r.*,
      (SELECT coalesce(sum(o.quantity), 0) FROM orders.orders o
        WHERE o.event_id = r.event_id AND o.ip_range = r.ip_range
          AND o.status IN ('PENDING', 'CONFIRMED')) AS tickets_bought,
      (SELECT coalesce(sum(a.extra_tickets), 0) FROM orders.ip_range_allowances a
        WHERE a.event_id = r.event_id AND a.ip_range = r.ip_range) AS extra_allowed
    FROM orders.ip_range_refusals r
    WHERE (${filter.eventId ?? null}::uuid IS NULL OR r.event_id = ${filter.eventId ?? null}::uuid)
      AND (${filter.ipRange ?? null}::text IS NULL OR r.ip_range = ${filter.ipRange ?? null}::text)
    ORDER BY r.last_refused_at DESC
    LIMIT ${filter.limit}`);
  return result.rows.map((row) => ({
    eventId: row.event_id,
    ipRange: row.ip_range,
    refusals: Number(row.refusals),
    firstRefusedAt: new Date(row.first_refused_at),
    lastRefusedAt: new Date(row.last_refused_at),
    ticketsBought: Number(row.tickets_bought),
    extraAllowed: Number(row.extra_allowed),
  }));
}

export async function insertIpRangeAllowance(
  db: Executor,
  allowance: typeof ipRangeAllowances.$inferInsert,
): Promise<typeof ipRangeAllowances.$inferSelect> {
  const [row] = await db.insert(ipRangeAllowances).values(allowance).returning();
  return row!;
}
