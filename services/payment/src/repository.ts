// The payment service's SQL, and only SQL. Every function takes a database or a transaction first.
import type { Executor } from '@ticketing/platform';
import { and, asc, desc, eq, gte, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import { DECLINE_CODES, type RecentActivity } from './fraud.js';
import {
  cardLimitAllowances,
  cardLimitRefusals,
  type PaymentRow,
  payments,
  type RefundRow,
  refunds,
  type SandboxLedgerRow,
  sandboxLedger,
  webhookEvents,
} from './tables.js';

export type NewPayment = typeof payments.$inferInsert;
export type PaymentSettlement = Partial<
  Pick<
    PaymentRow,
    | 'status'
    | 'gatewayTransactionId'
    | 'gatewayResponse'
    | 'failureCode'
    | 'failureReason'
    | 'paymentDate'
    | 'attemptStartedAt'
  >
>;

/** Inserts the payment unless one exists for its order or idempotency key; undefined then. */
export async function insertPaymentUnlessExists(
  tx: Executor,
  payment: NewPayment,
): Promise<PaymentRow | undefined> {
  const [row] = await tx.insert(payments).values(payment).onConflictDoNothing().returning();
  return row;
}

export async function findPaymentById(db: Executor, id: string): Promise<PaymentRow | undefined> {
  const [row] = await db.select().from(payments).where(eq(payments.id, id));
  return row;
}

export async function findPaymentByOrder(db: Executor, orderId: string): Promise<PaymentRow | undefined> {
  const [row] = await db.select().from(payments).where(eq(payments.orderId, orderId));
  return row;
}

/** A charge request's earlier payment, by its idempotency key or its order, in one read. */
export async function findPaymentByKeyOrOrder(
  db: Executor,
  key: string | undefined,
  orderId: string,
): Promise<{ byKey: PaymentRow | undefined; byOrder: PaymentRow | undefined }> {
  const rows = await db
    .select()
    .from(payments)
    .where(
      key
        ? or(eq(payments.idempotencyKey, key), eq(payments.orderId, orderId))
        : eq(payments.orderId, orderId),
    );
  return {
    byKey: key ? rows.find((row) => row.idempotencyKey === key) : undefined,
    byOrder: rows.find((row) => row.orderId === orderId),
  };
}

export async function findPaymentByGatewayTransaction(
  db: Executor,
  transactionId: string,
): Promise<PaymentRow | undefined> {
  const [row] = await db.select().from(payments).where(eq(payments.gatewayTransactionId, transactionId));
  return row;
}

/** Locks the payment's row: refunds of one payment are decided one at a time. */
export async function lockPayment(tx: Executor, id: string): Promise<PaymentRow | undefined> {
  const [row] = await tx.select().from(payments).where(eq(payments.id, id)).for('update');
  return row;
}

/**
 * Takes the right to call the gateway for a PENDING payment whose last attempt is older than
 * `staleBefore` (or never started); undefined when someone else holds a fresh attempt.
 */
export async function claimPaymentAttempt(
  db: Executor,
  id: string,
  now: Date,
  staleBefore: Date,
): Promise<PaymentRow | undefined> {
  const [row] = await db
    .update(payments)
    .set({ attemptStartedAt: now, updatedAt: now })
    .where(
      and(
        eq(payments.id, id),
        eq(payments.status, 'PENDING'),
        or(isNull(payments.attemptStartedAt), lt(payments.attemptStartedAt, staleBefore)),
      ),
    )
    .returning();
  return row;
}

/** Records the gateway's answer on a payment that is still PENDING; undefined when it no longer is. */
export async function settlePendingPayment(
  tx: Executor,
  id: string,
  settlement: PaymentSettlement,
  now: Date,
): Promise<PaymentRow | undefined> {
  const [row] = await tx
    .update(payments)
    .set({ ...settlement, updatedAt: now })
    .where(and(eq(payments.id, id), eq(payments.status, 'PENDING')))
    .returning();
  return row;
}

/** PENDING payments whose attempt went stale, locked so one reconciler takes each. */
export async function lockStalePendingPayments(
  tx: Executor,
  staleBefore: Date,
  limit: number,
): Promise<PaymentRow[]> {
  return tx
    .select()
    .from(payments)
    .where(
      and(
        eq(payments.status, 'PENDING'),
        or(isNull(payments.attemptStartedAt), lt(payments.attemptStartedAt, staleBefore)),
      ),
    )
    .orderBy(asc(payments.attemptStartedAt))
    .limit(limit)
    .for('update', { skipLocked: true });
}

const declineCodes = `{${DECLINE_CODES.join(',')}}`;

/** What the fraud rules count: attempts and declines per user, card and address since `since`. */
export async function countRecentActivity(
  db: Executor,
  who: { userId: string; cardFingerprint: string | null; ipAddress: string | null },
  since: Date,
): Promise<RecentActivity> {
  const result = await db.execute<{
    attempts_by_user: string;
    attempts_by_card: string;
    attempts_by_ip: string;
    declines_by_user: string;
    declines_by_card: string;
    other_cards_by_user: string;
  }>(sql`
    SELECT
      count(*) FILTER (WHERE user_id = ${who.userId}) AS attempts_by_user,
      count(*) FILTER (WHERE card_fingerprint = ${who.cardFingerprint}) AS attempts_by_card,
      count(*) FILTER (WHERE ip_address = ${who.ipAddress}) AS attempts_by_ip,
      count(*) FILTER (WHERE user_id = ${who.userId} AND status = 'FAILED'
                         AND failure_code = ANY(${declineCodes}::text[])) AS declines_by_user,
      count(*) FILTER (WHERE card_fingerprint = ${who.cardFingerprint} AND status = 'FAILED'
                         AND failure_code = ANY(${declineCodes}::text[])) AS declines_by_card,
      count(DISTINCT card_fingerprint) FILTER (WHERE user_id = ${who.userId}
                         AND card_fingerprint IS DISTINCT FROM ${who.cardFingerprint}) AS other_cards_by_user
    FROM payments.payments
    WHERE created_at >= ${since}
      AND (user_id = ${who.userId} OR card_fingerprint = ${who.cardFingerprint} OR ip_address = ${who.ipAddress})`);
  const row = result.rows[0]!;
  return {
    attemptsByUser: Number(row.attempts_by_user),
    attemptsByCard: Number(row.attempts_by_card),
    attemptsByIp: Number(row.attempts_by_ip),
    declinesByUser: Number(row.declines_by_user),
    declinesByCard: Number(row.declines_by_card),
    cardsByUser: Number(row.other_cards_by_user) + (who.cardFingerprint ? 1 : 0),
  };
}

export async function insertRefundUnlessExists(
  tx: Executor,
  refund: typeof refunds.$inferInsert,
): Promise<RefundRow | undefined> {
  const [row] = await tx.insert(refunds).values(refund).onConflictDoNothing().returning();
  return row;
}

export async function findRefundByKey(
  db: Executor,
  paymentId: string,
  idempotencyKey: string,
): Promise<RefundRow | undefined> {
  const [row] = await db
    .select()
    .from(refunds)
    .where(and(eq(refunds.paymentId, paymentId), eq(refunds.idempotencyKey, idempotencyKey)));
  return row;
}

export async function findRefundById(db: Executor, id: string): Promise<RefundRow | undefined> {
  const [row] = await db.select().from(refunds).where(eq(refunds.id, id));
  return row;
}

export async function listRefundsOfPayments(db: Executor, paymentIds: string[]): Promise<RefundRow[]> {
  if (paymentIds.length === 0) return [];
  return db.select().from(refunds).where(inArray(refunds.paymentId, paymentIds)).orderBy(asc(refunds.id));
}

/** Money promised to refunds still in flight, which a new refund must leave alone. */
export async function sumPendingRefunds(tx: Executor, paymentId: string): Promise<number> {
  const [row] = await tx
    .select({ total: sql<string>`coalesce(sum(${refunds.amount}), 0)` })
    .from(refunds)
    .where(and(eq(refunds.paymentId, paymentId), eq(refunds.status, 'PENDING')));
  return Number(row?.total ?? 0);
}

export async function claimRefundAttempt(
  db: Executor,
  id: string,
  now: Date,
  staleBefore: Date,
): Promise<RefundRow | undefined> {
  const [row] = await db
    .update(refunds)
    .set({ attemptStartedAt: now, updatedAt: now })
    .where(
      and(
        eq(refunds.id, id),
        eq(refunds.status, 'PENDING'),
        or(isNull(refunds.attemptStartedAt), lt(refunds.attemptStartedAt, staleBefore)),
      ),
    )
    .returning();
  return row;
}

export async function settlePendingRefund(
  tx: Executor,
  id: string,
  settlement: Partial<Pick<RefundRow, 'status' | 'gatewayRefundId' | 'gatewayResponse' | 'failureReason'>>,
  now: Date,
): Promise<RefundRow | undefined> {
  const [row] = await tx
    .update(refunds)
    .set({ ...settlement, updatedAt: now })
    .where(and(eq(refunds.id, id), eq(refunds.status, 'PENDING')))
    .returning();
  return row;
}

/** Adds a completed refund to its payment; the payment becomes REFUNDED once nothing is left. */
export async function addRefundedAmount(
  tx: Executor,
  paymentId: string,
  amount: number,
  now: Date,
): Promise<PaymentRow> {
  const [row] = await tx
    .update(payments)
    .set({
      refundedAmount: sql`${payments.refundedAmount} + ${amount}`,
      status: sql`CASE WHEN ${payments.refundedAmount} + ${amount} = ${payments.amount} THEN 'REFUNDED' ELSE ${payments.status} END`,
      updatedAt: now,
    })
    .where(eq(payments.id, paymentId))
    .returning();
  return row!;
}

export async function lockStalePendingRefunds(
  tx: Executor,
  staleBefore: Date,
  limit: number,
): Promise<RefundRow[]> {
  return tx
    .select()
    .from(refunds)
    .where(
      and(
        eq(refunds.status, 'PENDING'),
        or(isNull(refunds.attemptStartedAt), lt(refunds.attemptStartedAt, staleBefore)),
      ),
    )
    .orderBy(asc(refunds.attemptStartedAt))
    .limit(limit)
    .for('update', { skipLocked: true });
}

/** Records a webhook delivery; false when this event was already handled. */
export async function recordWebhookEvent(
  tx: Executor,
  id: string,
  type: string,
  now: Date,
): Promise<boolean> {
  const rows = await tx
    .insert(webhookEvents)
    .values({ id, type, receivedAt: now })
    .onConflictDoNothing()
    .returning({ id: webhookEvents.id });
  return rows.length > 0;
}

export async function findLedgerEntry(db: Executor, key: string): Promise<SandboxLedgerRow | undefined> {
  const [row] = await db.select().from(sandboxLedger).where(eq(sandboxLedger.idempotencyKey, key));
  return row;
}

/**
 * Writes the sandbox's ledger entry, or answers the one already written under its key (an
 * earlier call, or a concurrent one that won): `fresh` says which.
 */
export async function insertLedgerEntry(
  db: Executor,
  entry: SandboxLedgerRow,
): Promise<{ entry: SandboxLedgerRow; fresh: boolean }> {
  const [inserted] = await db.insert(sandboxLedger).values(entry).onConflictDoNothing().returning();
  if (inserted) return { entry: inserted, fresh: true };
  return { entry: (await findLedgerEntry(db, entry.idempotencyKey))!, fresh: false };
}

export interface PaymentFilter {
  status?: PaymentRow['status'];
  userId?: string;
  orderId?: string;
  from?: Date;
  to?: Date;
  before?: string;
  limit: number;
}

/** Newest first, keyset-paginated on the (time-ordered UUIDv7) id. */
export async function searchPayments(db: Executor, filter: PaymentFilter): Promise<PaymentRow[]> {
  const conditions = [];
  if (filter.status) conditions.push(eq(payments.status, filter.status));
  if (filter.userId) conditions.push(eq(payments.userId, filter.userId));
  if (filter.orderId) conditions.push(eq(payments.orderId, filter.orderId));
  if (filter.from) conditions.push(gte(payments.createdAt, filter.from));
  if (filter.to) conditions.push(lte(payments.createdAt, filter.to));
  if (filter.before) conditions.push(lt(payments.id, filter.before));
  return db
    .select()
    .from(payments)
    .where(and(...conditions))
    .orderBy(desc(payments.id))
    .limit(filter.limit);
}

export interface CurrencyTotals {
  currency: string;
  payments: number;
  completed: number;
  failed: number;
  pending: number;
  refunded: number;
  grossAmount: number;
  refundedAmount: number;
  averageAmount: number;
}

export async function totalsByCurrency(db: Executor, from: Date, to: Date): Promise<CurrencyTotals[]> {
  const result = await db.execute<Record<string, string>>(sql`
    SELECT currency,
           count(*) AS payments,
           count(*) FILTER (WHERE status = 'COMPLETED') AS completed,
           count(*) FILTER (WHERE status = 'FAILED') AS failed,
           count(*) FILTER (WHERE status = 'PENDING') AS pending,
           count(*) FILTER (WHERE status = 'REFUNDED') AS refunded,
           coalesce(sum(amount) FILTER (WHERE status IN ('COMPLETED', 'REFUNDED')), 0) AS gross_amount,
           coalesce(sum(refunded_amount), 0) AS refunded_amount,
           coalesce(round(avg(amount) FILTER (WHERE status IN ('COMPLETED', 'REFUNDED'))), 0) AS average_amount
    FROM payments.payments
    WHERE created_at >= ${from} AND created_at < ${to}
    GROUP BY currency
    ORDER BY currency`);
  return result.rows.map((row) => ({
    currency: row.currency!,
    payments: Number(row.payments),
    completed: Number(row.completed),
    failed: Number(row.failed),
    pending: Number(row.pending),
    refunded: Number(row.refunded),
    grossAmount: Number(row.gross_amount),
    refundedAmount: Number(row.refunded_amount),
    averageAmount: Number(row.average_amount),
  }));
}

export async function failuresByCode(db: Executor, from: Date, to: Date) {
  const result = await db.execute<{ code: string; count: string }>(sql`
    SELECT failure_code AS code, count(*) AS count
    FROM payments.payments
    WHERE status = 'FAILED' AND created_at >= ${from} AND created_at < ${to}
    GROUP BY failure_code
    ORDER BY count(*) DESC, failure_code`);
  return result.rows.map((row) => ({ code: row.code, count: Number(row.count) }));
}

export async function fraudBlocksByRule(db: Executor, from: Date, to: Date) {
  const result = await db.execute<{ rule: string; count: string }>(sql`
    SELECT reason->>'rule' AS rule, count(*) AS count
    FROM payments.payments, jsonb_array_elements(fraud_reasons) AS reason
    WHERE fraud_decision = 'BLOCK' AND created_at >= ${from} AND created_at < ${to}
    GROUP BY reason->>'rule'
    ORDER BY count(*) DESC, rule`);
  return result.rows.map((row) => ({ rule: row.rule, count: Number(row.count) }));
}

export async function completedByBrand(db: Executor, from: Date, to: Date) {
  const result = await db.execute<{ brand: string; currency: string; count: string; amount: string }>(sql`
    SELECT card_brand AS brand, currency, count(*) AS count, sum(amount) AS amount
    FROM payments.payments
    WHERE status IN ('COMPLETED', 'REFUNDED') AND created_at >= ${from} AND created_at < ${to}
    GROUP BY card_brand, currency
    ORDER BY count(*) DESC, card_brand`);
  return result.rows.map((row) => ({
    brand: row.brand,
    currency: row.currency,
    count: Number(row.count),
    amount: Number(row.amount),
  }));
}

export async function dailyCompleted(db: Executor, from: Date, to: Date) {
  const result = await db.execute<{ day: string; currency: string; count: string; amount: string }>(sql`
    SELECT to_char(date_trunc('day', payment_date AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day, currency,
           count(*) AS count, sum(amount) AS amount
    FROM payments.payments
    WHERE status IN ('COMPLETED', 'REFUNDED') AND payment_date >= ${from} AND payment_date < ${to}
    GROUP BY 1, currency
    ORDER BY 1, currency`);
  return result.rows.map((row) => ({
    date: row.day,
    currency: row.currency,
    count: Number(row.count),
    amount: Number(row.amount),
  }));
}

/** Serialises the per-card cap of one card and one event (held until the transaction ends). */
export async function lockCardForEvent(tx: Executor, eventId: string, fingerprint: string): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`payments:card:${eventId}:${fingerprint}`}))`);
}

/** Tickets this card pays for (or is paying for) in this event; refunded and failed payments do not count. */
export async function countTicketsPaidWithCard(
  tx: Executor,
  eventId: string,
  fingerprint: string,
): Promise<number> {
  const [row] = await tx
    .select({ tickets: sql<string>`coalesce(sum(${payments.ticketQuantity}), 0)` })
    .from(payments)
    .where(
      and(
        eq(payments.eventId, eventId),
        eq(payments.cardFingerprint, fingerprint),
        inArray(payments.status, ['PENDING', 'COMPLETED']),
      ),
    );
  return Number(row?.tickets ?? 0);
}

/** Tickets admins allowed this card beyond the cap for this event. */
export async function sumCardAllowances(db: Executor, eventId: string, fingerprint: string): Promise<number> {
  const [row] = await db
    .select({ extra: sql<string>`coalesce(sum(${cardLimitAllowances.extraTickets}), 0)` })
    .from(cardLimitAllowances)
    .where(
      and(eq(cardLimitAllowances.eventId, eventId), eq(cardLimitAllowances.cardFingerprint, fingerprint)),
    );
  return Number(row?.extra ?? 0);
}

export async function recordCardLimitRefusal(
  tx: Executor,
  eventId: string,
  card: { fingerprint: string; brand: string; last4: string },
  now: Date,
): Promise<void> {
  await tx
    .insert(cardLimitRefusals)
    .values({
      eventId,
      cardFingerprint: card.fingerprint,
      cardBrand: card.brand,
      cardLast4: card.last4,
      refusals: 1,
      firstRefusedAt: now,
      lastRefusedAt: now,
    })
    .onConflictDoUpdate({
      target: [cardLimitRefusals.eventId, cardLimitRefusals.cardFingerprint],
      set: { refusals: sql`${cardLimitRefusals.refusals} + 1`, lastRefusedAt: now },
    });
}

export interface CardRefusalRow {
  eventId: string;
  cardFingerprint: string;
  cardBrand: string;
  cardLast4: string | null;
  refusals: number;
  firstRefusedAt: Date;
  lastRefusedAt: Date;
  ticketsBought: number;
  extraAllowed: number;
}

/** Refused cards, most recently refused first, with what they bought and were allowed since. */
export async function listCardLimitRefusals(
  db: Executor,
  filter: { eventId?: string | undefined; fingerprintPrefix?: string | undefined; limit: number },
): Promise<CardRefusalRow[]> {
  const result = await db.execute<{
    event_id: string;
    card_fingerprint: string;
    card_brand: string;
    card_last4: string | null;
    refusals: number;
    first_refused_at: Date;
    last_refused_at: Date;
    tickets_bought: string;
    extra_allowed: string;
  }>(sql`
    SELECT r.*,
      (SELECT coalesce(sum(p.ticket_quantity), 0) FROM payments.payments p
        WHERE p.event_id = r.event_id AND p.card_fingerprint = r.card_fingerprint
          AND p.status IN ('PENDING', 'COMPLETED')) AS tickets_bought,
      (SELECT coalesce(sum(a.extra_tickets), 0) FROM payments.card_limit_allowances a
        WHERE a.event_id = r.event_id AND a.card_fingerprint = r.card_fingerprint) AS extra_allowed
    FROM payments.card_limit_refusals r
    WHERE (${filter.eventId ?? null}::uuid IS NULL OR r.event_id = ${filter.eventId ?? null}::uuid)
      AND (${filter.fingerprintPrefix ?? null}::text IS NULL
           OR left(r.card_fingerprint, 16) = ${filter.fingerprintPrefix ?? null}::text)
    ORDER BY r.last_refused_at DESC
    LIMIT ${filter.limit}`);
  return result.rows.map((row) => ({
    eventId: row.event_id,
    cardFingerprint: row.card_fingerprint,
    cardBrand: row.card_brand,
    cardLast4: row.card_last4,
    refusals: Number(row.refusals),
    firstRefusedAt: new Date(row.first_refused_at),
    lastRefusedAt: new Date(row.last_refused_at),
    ticketsBought: Number(row.tickets_bought),
    extraAllowed: Number(row.extra_allowed),
  }));
}

export async function insertCardLimitAllowance(
  db: Executor,
  allowance: typeof cardLimitAllowances.$inferInsert,
): Promise<typeof cardLimitAllowances.$inferSelect> {
  const [row] = await db.insert(cardLimitAllowances).values(allowance).returning();
  return row!;
}
