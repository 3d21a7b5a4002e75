// The ticket service's SQL, and only SQL. Every function takes a database or a transaction
// first. The statements that decide who gets a ticket are plain SQL, named for what they lock.
import type { Executor } from '@ticketing/platform';
import { and, asc, desc, eq, gt, type SQL, sql } from 'drizzle-orm';
import {
  accountLimitAllowances,
  accountLimitRefusals,
  eTickets,
  type HoldEndReason,
  type HoldRow,
  type HoldStatus,
  holds,
  type InventoryRow,
  inventories,
  type QueueExpiryReason,
  type QueuePlaceRow,
  queuePlaces,
  type TicketStatus,
  type TicketTypeRow,
  ticketTypes,
  type WaitingRoomRow,
  type WaitingRoomSource,
  waitingRoomChanges,
  waitingRooms,
} from './tables.js';

/** A JS array as one Postgres array parameter (Drizzle would otherwise spread it into a list). */
const array = (values: readonly unknown[]) => sql.param(values);

/** A ticket as the domain reads it back from a statement (`RETURNING` or `SELECT`). */
export interface TicketRecord {
  id: string;
  eventId: string;
  seatId: string | null;
  ticketTypeId: string | null;
  label: string;
  section: string | null;
  row: string | null;
  seat: string | null;
  category: string | null;
  price: number;
  status: TicketStatus;
  holdId: string | null;
  orderId: string | null;
  ownerId: string | null;
  soldAt: Date | null;
}

/** The columns of a TicketRecord, optionally qualified by a table alias. */
const ticketColumns = (alias = '') => {
  const t = alias ? `${alias}.` : '';
  return sql.raw(`${t}id, ${t}event_id AS "eventId", ${t}seat_id AS "seatId", ${t}ticket_type_id AS "ticketTypeId",
    ${t}label, ${t}section, ${t}row_label AS "row", ${t}seat_number AS "seat", ${t}category, ${t}price, ${t}status,
    ${t}hold_id AS "holdId", ${t}order_id AS "orderId", ${t}owner_id AS "ownerId", ${t}sold_at AS "soldAt"`);
};
const TICKET_COLUMNS = ticketColumns();

/** Timestamps in rows of raw statements: Drizzle's pg driver hands them over as text. */
const TIMESTAMP_FIELDS = ['soldAt', 'checkedInAt', 'startsAt', 'endsAt'] as const;

const rowsOf = async <T>(query: Promise<{ rows: unknown[] }>): Promise<T[]> => {
  const rows = (await query).rows as Record<string, unknown>[];
  for (const row of rows) {
    for (const field of TIMESTAMP_FIELDS) {
      const value = row[field];
      if (typeof value === 'string') row[field] = new Date(value);
    }
  }
  return rows as T[];
};

// ---------------------------------------------------------------- inventory

/** Inserts the inventory's row; false when the event already has one (then nothing is written). */
export async function insertInventory(tx: Executor, row: InventoryRow): Promise<boolean> {
  const inserted = await tx
    .insert(inventories)
    .values(row)
    .onConflictDoNothing({ target: inventories.eventId })
    .returning({ eventId: inventories.eventId });
  return inserted.length === 1;
}

export async function findInventory(db: Executor, eventId: string): Promise<InventoryRow | undefined> {
  const [row] = await db.select().from(inventories).where(eq(inventories.eventId, eventId));
  return row;
}

export async function insertTicketTypes(tx: Executor, rows: TicketTypeRow[]): Promise<void> {
  if (rows.length > 0) await tx.insert(ticketTypes).values(rows);
}

export async function findTicketTypes(db: Executor, eventId: string): Promise<TicketTypeRow[]> {
  return db
    .select()
    .from(ticketTypes)
    .where(eq(ticketTypes.eventId, eventId))
    .orderBy(asc(ticketTypes.position));
}

export interface NewSeatTickets {
  ids: string[];
  seatIds: string[];
  sections: string[];
  rows: string[];
  numbers: string[];
  labels: string[];
  categories: string[];
  prices: number[];
  xs: number[];
  ys: number[];
  accessible: boolean[];
  positions: number[];
  rowDistances: number[];
}

/** One statement for a whole batch of seats: INSERT ... SELECT FROM unnest(arrays). */
export async function insertSeatTickets(
  tx: Executor,
  eventId: string,
  seats: NewSeatTickets,
  now: Date,
): Promise<number> {
  const result = await tx.execute(sql`
    INSERT INTO tickets.tickets (id, event_id, seat_id, section, row_label, seat_number, label, category,
                                 price, x, y, accessible, seat_position, row_distance, status, version,
                                 created_at, updated_at)
    SELECT s.id, ${eventId}, s.seat_id, s.section, s.row_label, s.seat_number, s.label, s.category,
           s.price, s.x, s.y, s.accessible, s.seat_position, s.row_distance, 'AVAILABLE', 0, ${now}, ${now}
    FROM unnest(${array(seats.ids)}::uuid[], ${array(seats.seatIds)}::uuid[], ${array(seats.sections)}::text[],
                ${array(seats.rows)}::text[], ${array(seats.numbers)}::text[], ${array(seats.labels)}::text[],
                ${array(seats.categories)}::text[], ${array(seats.prices)}::integer[],
                ${array(seats.xs)}::float8[], ${array(seats.ys)}::float8[], ${array(seats.accessible)}::boolean[],
                ${array(seats.positions)}::integer[], ${array(seats.rowDistances)}::float8[])
      AS s(id, seat_id, section, row_label, seat_number, label, category, price, x, y, accessible,
           seat_position, row_distance)`);
  return result.rowCount ?? 0;
}

/** Units per INSERT: each statement stays well inside the pool's statement timeout. */
const UNITS_PER_STATEMENT = 50_000;

/** The units of a general-admission type, numbered 1..quantity, generated by the server. */
export async function insertUnitTickets(tx: Executor, ticketType: TicketTypeRow, now: Date): Promise<number> {
  let inserted = 0;
  for (let first = 1; first <= ticketType.quantity; first += UNITS_PER_STATEMENT) {
    const last = Math.min(ticketType.quantity, first + UNITS_PER_STATEMENT - 1);
    // uuidv7-shaped ids from the server's clock would collide in order with ours; random ones suffice here.
    const result = await tx.execute(sql`
      INSERT INTO tickets.tickets (id, event_id, ticket_type_id, unit_number, label, price, status, version,
                                   created_at, updated_at)
      SELECT gen_random_uuid(), ${ticketType.eventId}, ${ticketType.id}, unit,
             ${ticketType.name} || ' #' || unit, ${ticketType.price}, 'AVAILABLE', 0, ${now}, ${now}
      FROM generate_series(${first}::integer, ${last}::integer) AS unit`);
    inserted += result.rowCount ?? 0;
  }
  return inserted;
}

/** Fresh planner statistics after a bulk load, so the first on-sale queries get good plans. */
export async function analyzeTickets(db: Executor): Promise<void> {
  await db.execute(sql`ANALYZE tickets.tickets`);
}

/** Cancels the inventory once; false when it was cancelled before (or never existed). */
export async function markInventoryCancelled(tx: Executor, eventId: string, now: Date): Promise<boolean> {
  const rows = await tx
    .update(inventories)
    .set({ status: 'CANCELLED', cancelledAt: now })
    .where(and(eq(inventories.eventId, eventId), eq(inventories.status, 'ON_SALE')))
    .returning({ eventId: inventories.eventId });
  return rows.length === 1;
}

/** Every unsold ticket of the event becomes CANCELLED, held ones included. */
export async function withdrawUnsoldTickets(
  tx: Executor,
  eventId: string,
  now: Date,
): Promise<TicketRecord[]> {
  return rowsOf(
    tx.execute(sql`
      UPDATE tickets.tickets
      SET status = 'CANCELLED', hold_id = NULL, locked_by = NULL, locked_until = NULL,
          version = version + 1, updated_at = ${now}
      WHERE event_id = ${eventId} AND status IN ('AVAILABLE', 'LOCKED')
      RETURNING ${TICKET_COLUMNS}`),
  );
}

export async function endActiveHoldsOfEvent(
  tx: Executor,
  eventId: string,
  reason: HoldEndReason,
  now: Date,
): Promise<string[]> {
  const rows = await tx
    .update(holds)
    .set({ status: 'RELEASED', endedAt: now, endReason: reason })
    .where(and(eq(holds.eventId, eventId), eq(holds.status, 'ACTIVE')))
    .returning({ id: holds.id });
  return rows.map((row) => row.id);
}

// ---------------------------------------------------------------- holds

/**
 * Serialises one user's holds for one event, so two simultaneous requests cannot both pass
 * the per-user limit. Other users and other events are not affected.
 */
export async function lockUserEventQuota(tx: Executor, userId: string, eventId: string): Promise<void> {
  await tx.execute(
    sql`SELECT pg_advisory_xact_lock(hashtext('tickets:quota:' || ${userId} || ':' || ${eventId}))`,
  );
}

/** Tickets the user holds (live holds) or owns for the event. */
export async function countTicketsOfUser(
  db: Executor,
  userId: string,
  eventId: string,
  now: Date,
): Promise<number> {
  const result = await db.execute<{ count: number }>(sql`
    SELECT count(*)::int AS count FROM tickets.tickets
    WHERE event_id = ${eventId}
      AND ((status = 'LOCKED' AND locked_by = ${userId} AND locked_until > ${now})
           OR (status = 'SOLD' AND owner_id = ${userId}))`);
  return result.rows[0]?.count ?? 0;
}

export interface LockFor {
  holdId: string;
  userId: string;
  lockedUntil: Date;
  now: Date;
}

/**
 * THE seat hold: one conditional UPDATE taking the requested seats that are still AVAILABLE.
 * The rows are locked in id order (FOR UPDATE in the sub-select) so two buyers with
 * overlapping seats cannot deadlock; a buyer who waited re-checks the status once the other
 * commits. The caller compares the count with what it asked for and rolls back on a shortfall.
 */
export async function holdAvailableSeats(
  tx: Executor,
  eventId: string,
  seatIds: string[],
  lock: LockFor,
): Promise<TicketRecord[]> {
  return rowsOf(
    tx.execute(sql`
      UPDATE tickets.tickets
      SET status = 'LOCKED', hold_id = ${lock.holdId}, locked_by = ${lock.userId},
          locked_until = ${lock.lockedUntil}, version = version + 1, updated_at = ${lock.now}
      WHERE status = 'AVAILABLE' AND id IN (
        SELECT id FROM tickets.tickets
        WHERE event_id = ${eventId} AND seat_id = ANY(${array(seatIds)}::uuid[]) AND status = 'AVAILABLE'
        ORDER BY id
        FOR UPDATE)
      RETURNING ${TICKET_COLUMNS}`),
  );
}

/** Where the requested seats are and what state they are in (for answers, never for decisions). */
export async function findSeatsById(
  db: Executor,
  seatIds: string[],
): Promise<{ seatId: string; eventId: string; label: string; status: TicketStatus }[]> {
  return rowsOf(
    db.execute(sql`
      SELECT seat_id AS "seatId", event_id AS "eventId", label, status
      FROM tickets.tickets WHERE seat_id = ANY(${array(seatIds)}::uuid[])`),
  );
}

/**
 * General admission: takes `quantity` free units of a type. Units another buyer is taking
 * right now are skipped (SKIP LOCKED), so buyers never queue behind each other.
 */
export async function holdFreeUnits(
  tx: Executor,
  ticketTypeId: string,
  quantity: number,
  lock: LockFor,
): Promise<TicketRecord[]> {
  return rowsOf(
    tx.execute(sql`
      WITH free AS (
        SELECT id FROM tickets.tickets
        WHERE ticket_type_id = ${ticketTypeId} AND status = 'AVAILABLE'
        LIMIT ${quantity}
        FOR UPDATE SKIP LOCKED)
      UPDATE tickets.tickets t
      SET status = 'LOCKED', hold_id = ${lock.holdId}, locked_by = ${lock.userId},
          locked_until = ${lock.lockedUntil}, version = t.version + 1, updated_at = ${lock.now}
      FROM free WHERE t.id = free.id
      RETURNING ${ticketColumns('t')}`),
  );
}

/**
 * Free units of a type, counted no further than `atMost`: whether a request fits, without
 * counting every free unit of a huge inventory (1.2 s at 990,000 units, tools/bench/README.md).
 */
export async function countFreeUnitsUpTo(
  db: Executor,
  ticketTypeId: string,
  atMost: number,
): Promise<number> {
  const result = await db.execute<{ count: number }>(sql`
    SELECT count(*)::int AS count FROM (
      SELECT 1 FROM tickets.tickets
      WHERE ticket_type_id = ${ticketTypeId} AND status = 'AVAILABLE'
      LIMIT ${atMost}::int) AS free`);
  return result.rows[0]?.count ?? 0;
}

export async function countFreeUnits(db: Executor, ticketTypeId: string): Promise<number> {
  const result = await db.execute<{ count: number }>(sql`
    SELECT count(*)::int AS count FROM tickets.tickets
    WHERE ticket_type_id = ${ticketTypeId} AND status = 'AVAILABLE'`);
  return result.rows[0]?.count ?? 0;
}

export interface SeatBlock {
  ticketIds: string[];
  section: string;
  row: string;
  orphans: number;
}

/** Best available looks at this many of the nearest rows that still have enough free seats. */
export const BEST_AVAILABLE_ROWS = 25;

/**
 * Best available, step 1 (read only, decides nothing): the best blocks of `quantity` adjacent
 * free seats in one row, among the rows nearest the stage that have that many free seats.
 * Free seats of a row split into runs of consecutive positions (gaps and islands); every
 * window of `quantity` seats inside a run is a block. Blocks that leave a single seat alone
 * at either end of their run come last; then the row nearest the stage; then the block whose
 * centre is nearest the stage's centre line.
 */
export async function findBestSeatBlocks(
  db: Executor,
  request: {
    eventId: string;
    quantity: number;
    category: string | undefined;
    stageX: number;
    limit: number;
    exclude: string[];
  },
): Promise<SeatBlock[]> {
  const category = request.category ?? null;
  const span = request.quantity - 1;
  return rowsOf(
    db.execute(sql`
      WITH candidate_rows AS MATERIALIZED (
        SELECT section, row_label FROM tickets.tickets
        WHERE event_id = ${request.eventId} AND seat_id IS NOT NULL AND status = 'AVAILABLE'
          AND (${category}::text IS NULL OR category = ${category}::text)
        GROUP BY section, row_label, row_distance
        HAVING count(*) >= ${request.quantity}::int
        ORDER BY row_distance
        LIMIT ${BEST_AVAILABLE_ROWS}::int
      ),
      free AS (
        SELECT t.id, t.section, t.row_label, t.seat_position, t.x, t.row_distance,
               t.seat_position - row_number() OVER (PARTITION BY t.section, t.row_label ORDER BY t.seat_position) AS run
        FROM tickets.tickets t
        JOIN candidate_rows r ON r.section = t.section AND r.row_label = t.row_label
        WHERE t.event_id = ${request.eventId} AND t.seat_id IS NOT NULL AND t.status = 'AVAILABLE'
          AND (${category}::text IS NULL OR t.category = ${category}::text)
          AND NOT (t.id = ANY(${array(request.exclude)}::uuid[]))
      ),
      windows AS (
        SELECT section, row_label, seat_position, row_distance,
               count(*) OVER block AS seats, avg(x) OVER block AS centre_x,
               array_agg(id) OVER block AS ticket_ids,
               min(seat_position) OVER run AS run_first, max(seat_position) OVER run AS run_last
        FROM free
        WINDOW block AS (PARTITION BY section, row_label, run ORDER BY seat_position
                         ROWS BETWEEN CURRENT ROW AND ${span}::int FOLLOWING),
               run AS (PARTITION BY section, row_label, run)
      )
      SELECT ticket_ids AS "ticketIds", section, row_label AS "row",
             ((seat_position - run_first = 1)::int + (run_last - (seat_position + ${span}::int) = 1)::int) AS orphans
      FROM windows
      WHERE seats = ${request.quantity}::int
      ORDER BY orphans, row_distance, abs(centre_x - ${request.stageX}::float8), section, row_label, seat_position
      LIMIT ${request.limit}::int`),
  );
}

/**
 * Best available, step 2: locks those seats of a block that are free and that no one else is
 * taking right now (SKIP LOCKED: another buyer's seats are passed over, not waited for). The
 * caller takes the block only when every seat came back, and otherwise lets go of them all.
 */
export async function lockFreeSeatsOfBlock(tx: Executor, ticketIds: string[]): Promise<string[]> {
  const rows = await rowsOf<{ id: string }>(
    tx.execute(sql`
      SELECT id FROM tickets.tickets
      WHERE id = ANY(${array(ticketIds)}::uuid[]) AND status = 'AVAILABLE'
      ORDER BY id
      FOR UPDATE SKIP LOCKED`),
  );
  return rows.map((row) => row.id);
}

/** Best available, step 3: holds the block whose seats lockFreeSeatsOfBlock locked, all of them. */
export async function holdLockedSeats(
  tx: Executor,
  ticketIds: string[],
  lock: LockFor,
): Promise<TicketRecord[]> {
  return rowsOf(
    tx.execute(sql`
      UPDATE tickets.tickets
      SET status = 'LOCKED', hold_id = ${lock.holdId}, locked_by = ${lock.userId},
          locked_until = ${lock.lockedUntil}, version = version + 1, updated_at = ${lock.now}
      WHERE id = ANY(${array(ticketIds)}::uuid[]) AND status = 'AVAILABLE'
      RETURNING ${TICKET_COLUMNS}`),
  );
}

/** What is left for best available: free seats and the longest run of adjacent free seats. */
export async function describeFreeSeats(
  db: Executor,
  eventId: string,
  category: string | undefined,
): Promise<{ available: number; largestBlock: number }> {
  const filter = category ?? null;
  const result = await db.execute<{ available: number; largestBlock: number }>(sql`
    WITH free AS (
      SELECT section, row_label,
             seat_position - row_number() OVER (PARTITION BY section, row_label ORDER BY seat_position) AS run
      FROM tickets.tickets
      WHERE event_id = ${eventId} AND seat_id IS NOT NULL AND status = 'AVAILABLE'
        AND (${filter}::text IS NULL OR category = ${filter}::text)
    ), runs AS (SELECT count(*)::int AS size FROM free GROUP BY section, row_label, run)
    SELECT coalesce(sum(size), 0)::int AS available, coalesce(max(size), 0)::int AS "largestBlock" FROM runs`);
  return result.rows[0] ?? { available: 0, largestBlock: 0 };
}

export async function findSeatCategories(db: Executor, eventId: string): Promise<string[]> {
  const rows = await rowsOf<{ category: string }>(
    db.execute(sql`
      SELECT DISTINCT category FROM tickets.tickets
      WHERE event_id = ${eventId} AND seat_id IS NOT NULL ORDER BY category`),
  );
  return rows.map((row) => row.category);
}

export async function countAvailableSeats(db: Executor, eventId: string): Promise<number> {
  const result = await db.execute<{ count: number }>(sql`
    SELECT count(*)::int AS count FROM tickets.tickets
    WHERE event_id = ${eventId} AND seat_id IS NOT NULL AND status = 'AVAILABLE'`);
  return result.rows[0]?.count ?? 0;
}

export async function insertHold(tx: Executor, hold: HoldRow): Promise<void> {
  await tx.insert(holds).values(hold);
}

export async function findHold(db: Executor, holdId: string): Promise<HoldRow | undefined> {
  const [row] = await db.select().from(holds).where(eq(holds.id, holdId));
  return row;
}

/** Locks the hold's row: selling, releasing and sweeping one hold take turns. */
export async function lockHold(tx: Executor, holdId: string): Promise<HoldRow | undefined> {
  const [row] = await tx.select().from(holds).where(eq(holds.id, holdId)).for('update');
  return row;
}

export async function findTicketsOfHold(db: Executor, holdId: string): Promise<TicketRecord[]> {
  return rowsOf(
    db.execute(
      sql`SELECT ${TICKET_COLUMNS} FROM tickets.tickets WHERE hold_id = ${holdId} ORDER BY label, id`,
    ),
  );
}

/** Returns the holds' LOCKED tickets to AVAILABLE; `releasedFrom` says which hold each left. */
export async function releaseTicketsOfHolds(
  tx: Executor,
  holdIds: string[],
  now: Date,
): Promise<(TicketRecord & { releasedFrom: string })[]> {
  return rowsOf(
    tx.execute(sql`
      WITH held AS (
        SELECT id, hold_id FROM tickets.tickets
        WHERE hold_id = ANY(${array(holdIds)}::uuid[]) AND status = 'LOCKED'
        ORDER BY id
        FOR UPDATE)
      UPDATE tickets.tickets t
      SET status = 'AVAILABLE', hold_id = NULL, locked_by = NULL, locked_until = NULL,
          version = t.version + 1, updated_at = ${now}
      FROM held WHERE t.id = held.id
      RETURNING ${ticketColumns('t')}, held.hold_id AS "releasedFrom"`),
  );
}

export async function endHolds(
  tx: Executor,
  holdIds: string[],
  status: Exclude<HoldStatus, 'ACTIVE' | 'SOLD'>,
  reason: HoldEndReason,
  now: Date,
): Promise<void> {
  await tx.execute(sql`
    UPDATE tickets.holds SET status = ${status}, ended_at = ${now}, end_reason = ${reason}
    WHERE id = ANY(${array(holdIds)}::uuid[]) AND status = 'ACTIVE'`);
}

/**
 * The sweeper's batch: live holds past their expiry, locked so that another sweeper (or a
 * sale or release of the same hold) skips them instead of doing the work twice.
 */
export async function lockExpiredHolds(
  tx: Executor,
  now: Date,
  limit: number,
): Promise<{ id: string; eventId: string }[]> {
  return rowsOf(
    tx.execute(sql`
      SELECT id, event_id AS "eventId" FROM tickets.holds
      WHERE status = 'ACTIVE' AND expires_at <= ${now}
      ORDER BY expires_at
      LIMIT ${limit}::int
      FOR UPDATE SKIP LOCKED`),
  );
}

export async function findActiveHoldsOfUser(
  db: Executor,
  userId: string,
  eventId: string | undefined,
): Promise<HoldRow[]> {
  return db
    .select()
    .from(holds)
    .where(
      and(
        eq(holds.userId, userId),
        eq(holds.status, 'ACTIVE'),
        eventId ? eq(holds.eventId, eventId) : undefined,
      ),
    )
    .orderBy(desc(holds.createdAt));
}

// ---------------------------------------------------------------- sales

/** The hold's LOCKED tickets become SOLD to the order. */
export async function sellTicketsOfHold(
  tx: Executor,
  holdId: string,
  orderId: string,
  ownerId: string,
  now: Date,
): Promise<TicketRecord[]> {
  return rowsOf(
    tx.execute(sql`
      UPDATE tickets.tickets
      SET status = 'SOLD', order_id = ${orderId}, owner_id = ${ownerId}, sold_at = ${now},
          locked_by = NULL, locked_until = NULL, version = version + 1, updated_at = ${now}
      WHERE hold_id = ${holdId} AND status = 'LOCKED'
      RETURNING ${TICKET_COLUMNS}`),
  );
}

/**
 * The hold becomes SOLD to the order — only its owner's, only while ACTIVE and unexpired at
 * `now` — and stays locked until commit; undefined when it is not (the caller reads why).
 */
export async function markHoldSoldIfLive(
  tx: Executor,
  holdId: string,
  sale: { orderId: string; userId: string },
  now: Date,
): Promise<HoldRow | undefined> {
  const [row] = await tx
    .update(holds)
    .set({ status: 'SOLD', orderId: sale.orderId, endedAt: now, endReason: 'sold' })
    .where(
      and(
        eq(holds.id, holdId),
        eq(holds.userId, sale.userId),
        eq(holds.status, 'ACTIVE'),
        gt(holds.expiresAt, now),
      ),
    )
    .returning();
  return row;
}

export async function insertETickets(tx: Executor, rows: (typeof eTickets.$inferInsert)[]): Promise<void> {
  if (rows.length > 0) await tx.insert(eTickets).values(rows);
}

/** Locks the order's SOLD tickets (all, or the listed ones) for a refund. */
export async function lockSoldTicketsOfOrder(
  tx: Executor,
  orderId: string,
  ticketIds: string[] | undefined,
): Promise<TicketRecord[]> {
  const only = ticketIds ? sql`AND id = ANY(${array(ticketIds)}::uuid[])` : sql``;
  return rowsOf(
    tx.execute(sql`
      SELECT ${TICKET_COLUMNS} FROM tickets.tickets
      WHERE order_id = ${orderId} AND status = 'SOLD' ${only}
      ORDER BY id
      FOR UPDATE`),
  );
}

/** Tickets the order ever bought (still sold or since released), for idempotent refunds. */
export async function findTicketIdsEverSoldToOrder(db: Executor, orderId: string): Promise<string[]> {
  const rows = await db
    .selectDistinct({ ticketId: eTickets.ticketId })
    .from(eTickets)
    .where(eq(eTickets.orderId, orderId));
  return rows.map((row) => row.ticketId);
}

/** Sold tickets leave their order: back on sale (AVAILABLE) or withdrawn (CANCELLED). */
export async function unsellTickets(
  tx: Executor,
  ticketIds: string[],
  status: 'AVAILABLE' | 'CANCELLED',
  now: Date,
): Promise<TicketRecord[]> {
  return rowsOf(
    tx.execute(sql`
      UPDATE tickets.tickets
      SET status = ${status}, hold_id = NULL, order_id = NULL, owner_id = NULL, sold_at = NULL,
          version = version + 1, updated_at = ${now}
      WHERE id = ANY(${array(ticketIds)}::uuid[]) AND status = 'SOLD'
      RETURNING ${TICKET_COLUMNS}`),
  );
}

export async function revokeETickets(
  tx: Executor,
  filter: { ticketIds: string[] } | { eventId: string },
  reason: 'refunded' | 'event_cancelled',
  now: Date,
): Promise<number> {
  const where: SQL =
    'ticketIds' in filter
      ? sql`ticket_id = ANY(${array(filter.ticketIds)}::uuid[])`
      : sql`event_id = ${filter.eventId}`;
  const result = await tx.execute(sql`
    UPDATE tickets.e_tickets SET revoked_at = ${now}, revoked_reason = ${reason}
    WHERE ${where} AND revoked_at IS NULL`);
  return result.rowCount ?? 0;
}

export interface TicketWithCode extends TicketRecord {
  code: string | null;
  checkedInAt: Date | null;
}

/** Tickets with their valid e-ticket code, by order, owner or id. */
export async function findTicketsWithCodes(
  db: Executor,
  filter: { orderId: string } | { ownerId: string; eventId?: string } | { ticketId: string },
): Promise<TicketWithCode[]> {
  const where: SQL =
    'orderId' in filter
      ? sql`t.order_id = ${filter.orderId}`
      : 'ticketId' in filter
        ? sql`t.id = ${filter.ticketId}`
        : filter.eventId
          ? sql`t.owner_id = ${filter.ownerId} AND t.event_id = ${filter.eventId}`
          : sql`t.owner_id = ${filter.ownerId}`;
  return rowsOf(
    db.execute(sql`
      SELECT t.id, t.event_id AS "eventId", t.seat_id AS "seatId", t.ticket_type_id AS "ticketTypeId",
             t.label, t.section, t.row_label AS "row", t.seat_number AS "seat", t.category, t.price, t.status,
             t.hold_id AS "holdId", t.order_id AS "orderId", t.owner_id AS "ownerId", t.sold_at AS "soldAt",
             e.code, e.checked_in_at AS "checkedInAt"
      FROM tickets.tickets t
      LEFT JOIN tickets.e_tickets e ON e.ticket_id = t.id AND e.revoked_at IS NULL
      WHERE ${where}
      ORDER BY t.sold_at DESC NULLS LAST, t.label, t.id
      LIMIT 1000`),
  );
}

// ---------------------------------------------------------------- availability

export interface StatusCount {
  eventId: string;
  category: string | null;
  ticketTypeId: string | null;
  status: TicketStatus;
  count: number;
}

export async function countTicketsByStatus(db: Executor, eventIds: string[]): Promise<StatusCount[]> {
  return rowsOf(
    db.execute(sql`
      SELECT event_id AS "eventId", category, ticket_type_id AS "ticketTypeId", status, count(*)::int AS count
      FROM tickets.tickets
      WHERE event_id = ANY(${array(eventIds)}::uuid[])
      GROUP BY event_id, category, ticket_type_id, status`),
  );
}

export async function findInventoryEventIds(db: Executor, eventIds: string[]): Promise<string[]> {
  const rows = await rowsOf<{ eventId: string }>(
    db.execute(sql`
      SELECT event_id AS "eventId" FROM tickets.inventories WHERE event_id = ANY(${array(eventIds)}::uuid[])`),
  );
  return rows.map((row) => row.eventId);
}

export interface SeatOnMap {
  id: string;
  ticketId: string;
  section: string;
  row: string;
  number: string;
  label: string;
  x: number;
  y: number;
  category: string;
  price: number;
  accessible: boolean;
  status: TicketStatus;
}

export async function findSeatsOfEvent(db: Executor, eventId: string): Promise<SeatOnMap[]> {
  return rowsOf(
    db.execute(sql`
      SELECT seat_id AS id, id AS "ticketId", section, row_label AS "row", seat_number AS "number", label,
             x, y, category, price, accessible, status
      FROM tickets.tickets
      WHERE event_id = ${eventId} AND seat_id IS NOT NULL
      ORDER BY min(row_distance) OVER (PARTITION BY section), section, row_distance, row_label, seat_position`),
  );
}

// ---------------------------------------------------------------- check-in

export interface ETicketForCheckin {
  codeId: string;
  ticketId: string;
  eventId: string;
  /** The event's door facts (null for an inventory created before the event service sent them). */
  organizerId: string | null;
  startsAt: Date | null;
  endsAt: Date | null;
  /** Whether the scanning staff member works for the event's organizer. */
  staffAssigned: boolean;
  revokedReason: 'refunded' | 'event_cancelled' | null;
  checkedInAt: Date | null;
  checkedInBy: string | null;
  label: string;
  category: string | null;
  ticketTypeName: string | null;
}

/** The e-ticket, its event's door facts and whether staffId works for the event's organizer: one statement per scan. */
export async function findETicket(
  db: Executor,
  codeId: string,
  staffId: string,
): Promise<ETicketForCheckin | undefined> {
  const [row] = await rowsOf<ETicketForCheckin>(
    db.execute(sql`
      SELECT e.code_id AS "codeId", e.ticket_id AS "ticketId", e.event_id AS "eventId",
             i.organizer_id AS "organizerId", i.starts_at AS "startsAt", i.ends_at AS "endsAt",
             EXISTS (SELECT 1 FROM tickets.door_staff ds
                     WHERE ds.organizer_id = i.organizer_id AND ds.staff_id = ${staffId}) AS "staffAssigned",
             e.revoked_reason AS "revokedReason", e.checked_in_at AS "checkedInAt",
             e.checked_in_by AS "checkedInBy", t.label, t.category, tt.name AS "ticketTypeName"
      FROM tickets.e_tickets e
      JOIN tickets.tickets t ON t.id = e.ticket_id
      JOIN tickets.inventories i ON i.event_id = e.event_id
      LEFT JOIN tickets.ticket_types tt ON tt.id = t.ticket_type_id
      WHERE e.code_id = ${codeId}`),
  );
  return row;
}

/** Admits once: only the first of two simultaneous scans finds checked_in_at still empty. */
export async function markCheckedIn(
  tx: Executor,
  codeId: string,
  staffId: string,
  now: Date,
): Promise<boolean> {
  const result = await tx.execute(sql`
    UPDATE tickets.e_tickets SET checked_in_at = ${now}, checked_in_by = ${staffId}
    WHERE code_id = ${codeId} AND checked_in_at IS NULL AND revoked_at IS NULL`);
  return (result.rowCount ?? 0) === 1;
}

// ---------------------------------------------------------------- the waiting room

export async function findWaitingRoom(db: Executor, eventId: string): Promise<WaitingRoomRow | undefined> {
  const [row] = await db.select().from(waitingRooms).where(eq(waitingRooms.eventId, eventId));
  return row;
}

/** Late joiners, the lottery and the admission step take the room's row alone. */
export async function lockWaitingRoom(tx: Executor, eventId: string): Promise<WaitingRoomRow | undefined> {
  const [row] = await tx.select().from(waitingRooms).where(eq(waitingRooms.eventId, eventId)).for('update');
  return row;
}

/** Only one instance runs an event's admission step at a time; the others skip it this round. */
export async function tryLockAdmissionOf(tx: Executor, eventId: string): Promise<boolean> {
  const rows = await rowsOf<{ locked: boolean }>(
    tx.execute(
      sql`SELECT pg_try_advisory_xact_lock(hashtext('tickets:queue-admission:' || ${eventId})) AS locked`,
    ),
  );
  return rows[0]?.locked === true;
}

/**
 * Creates or changes an event's room. Once the lottery is drawn its on-sale time stays what it
 * was (the early places already have their numbers). Returns the row as it now is.
 */
export async function upsertWaitingRoom(
  tx: Executor,
  room: {
    eventId: string;
    enabled: boolean;
    admitPerMinute: number;
    source: WaitingRoomSource;
    onSaleAt: Date | null;
  },
  now: Date,
): Promise<{ before: WaitingRoomRow | undefined; after: WaitingRoomRow }> {
  const before = await lockWaitingRoom(tx, room.eventId);
  if (!before) {
    const [after] = await tx
      .insert(waitingRooms)
      .values({
        ...room,
        drawnAt: null,
        lastPosition: 0,
        admittedThrough: 0,
        allowance: 0,
        allowanceAt: null,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    return { before, after: after! };
  }
  const [after] = await tx
    .update(waitingRooms)
    .set({
      enabled: room.enabled,
      admitPerMinute: room.admitPerMinute,
      source: room.source,
      onSaleAt: before.drawnAt ? before.onSaleAt : room.onSaleAt,
      updatedAt: now,
    })
    .where(eq(waitingRooms.eventId, room.eventId))
    .returning();
  return { before, after: after! };
}

export async function insertWaitingRoomChange(
  tx: Executor,
  change: typeof waitingRoomChanges.$inferInsert,
): Promise<void> {
  await tx.insert(waitingRoomChanges).values(change);
}

export async function findWaitingRoomChanges(db: Executor, eventId: string) {
  return db
    .select()
    .from(waitingRoomChanges)
    .where(eq(waitingRoomChanges.eventId, eventId))
    .orderBy(asc(waitingRoomChanges.changedAt));
}

export async function findQueuePlace(db: Executor, placeId: string): Promise<QueuePlaceRow | undefined> {
  const [row] = await db.select().from(queuePlaces).where(eq(queuePlaces.id, placeId));
  return row;
}

export async function findQueuePlaces(db: Executor, placeIds: string[]): Promise<QueuePlaceRow[]> {
  if (placeIds.length === 0) return [];
  return db
    .select()
    .from(queuePlaces)
    .where(sql`${queuePlaces.id} = ANY(${array(placeIds)}::uuid[])`);
}

export async function findQueuePlaceOfUser(
  db: Executor,
  eventId: string,
  userId: string,
): Promise<QueuePlaceRow | undefined> {
  const [row] = await db
    .select()
    .from(queuePlaces)
    .where(and(eq(queuePlaces.eventId, eventId), eq(queuePlaces.userId, userId)));
  return row;
}

/**
 * An early place, in one statement that checks the room is still before its lottery. Undefined
 * when the user already has a place, or the room was drawn, switched off or reached its on-sale.
 * No lock: a join racing the draw may commit just after it, unnumbered; the next admission
 * step numbers it (drawLottery).
 */
export async function insertEarlyPlace(
  db: Executor,
  place: QueuePlaceRow,
  now: Date,
): Promise<QueuePlaceRow | undefined> {
  const result = await db.execute(sql`
    INSERT INTO tickets.queue_places (id, event_id, user_id, status, lottery, joined_at)
    SELECT ${place.id}, event_id, ${place.userId}, 'WAITING', ${String(place.lottery)}::bigint, ${now}
    FROM tickets.waiting_rooms
    WHERE event_id = ${place.eventId} AND enabled AND drawn_at IS NULL AND on_sale_at > ${now}
    ON CONFLICT (event_id, user_id) DO NOTHING
    RETURNING id`);
  return (result.rowCount ?? 0) === 1 ? { ...place, position: null, joinedAt: now } : undefined;
}

/** An event's room with what the inventory says about joining it, in one read. */
export async function findRoomToJoin(db: Executor, eventId: string) {
  const [row] = await db
    .select({ room: waitingRooms, inventoryStatus: inventories.status, salesEndAt: inventories.salesEndAt })
    .from(inventories)
    .leftJoin(waitingRooms, eq(waitingRooms.eventId, inventories.eventId))
    .where(eq(inventories.eventId, eventId));
  return row;
}

/** Inserts the user's place unless they already have one for the event (then nothing is written). */
export async function insertQueuePlace(
  tx: Executor,
  place: QueuePlaceRow,
): Promise<QueuePlaceRow | undefined> {
  const [row] = await tx
    .insert(queuePlaces)
    .values(place)
    .onConflictDoNothing({ target: [queuePlaces.eventId, queuePlaces.userId] })
    .returning();
  return row;
}

/** An expired place goes to the back of the line under a new number, keeping its id. */
export async function requeuePlace(
  tx: Executor,
  placeId: string,
  position: number,
  now: Date,
): Promise<QueuePlaceRow> {
  const [row] = await tx
    .update(queuePlaces)
    .set({
      status: 'WAITING',
      position,
      joinedAt: now,
      admittedAt: null,
      admissionEndsAt: null,
      firstHoldAt: null,
      expiredAt: null,
      expiryReason: null,
    })
    .where(eq(queuePlaces.id, placeId))
    .returning();
  return row!;
}

/** The next number in line of a room whose lottery is drawn (the caller holds the room's row). */
export async function takeNextPosition(tx: Executor, eventId: string, now: Date): Promise<number> {
  const [row] = await tx
    .update(waitingRooms)
    .set({ lastPosition: sql`${waitingRooms.lastPosition} + 1`, updatedAt: now })
    .where(eq(waitingRooms.eventId, eventId))
    .returning({ position: waitingRooms.lastPosition });
  return row!.position;
}

/**
 * The lottery: every place without a number gets one, in the order of the random numbers drawn
 * when they joined, after those already numbered. At the on-sale that is everyone who came
 * before it; later, only an early join that committed while the lottery was being drawn (it
 * joined at the on-sale moment, so it goes behind those already in line). Returns how many.
 */
export async function drawLottery(tx: Executor, room: WaitingRoomRow, now: Date): Promise<number> {
  const result = await tx.execute(sql`
    UPDATE tickets.queue_places p
    SET position = ${room.lastPosition}::int + numbered.rank
    FROM (SELECT id, row_number() OVER (ORDER BY lottery, id)::int AS rank
          FROM tickets.queue_places
          WHERE event_id = ${room.eventId} AND position IS NULL) AS numbered
    WHERE p.id = numbered.id`);
  const drawn = result.rowCount ?? 0;
  if (drawn === 0 && room.drawnAt) return 0;
  await tx
    .update(waitingRooms)
    .set({
      drawnAt: room.drawnAt ?? now,
      lastPosition: room.lastPosition + drawn,
      // Admission runs from the on-sale moment (or from now, for a room without one).
      allowanceAt: room.allowanceAt ?? (room.onSaleAt && room.onSaleAt < now ? room.onSaleAt : now),
      updatedAt: now,
    })
    .where(eq(waitingRooms.eventId, room.eventId));
  return drawn;
}

/**
 * Ends admitted places that are over: idle ones (no hold within idleSeconds of admission) and
 * those whose admission (their token's lifetime) ended. Returns the reason of each.
 */
export async function expireAdmittedPlaces(
  tx: Executor,
  eventId: string,
  idleBefore: Date,
  now: Date,
): Promise<QueueExpiryReason[]> {
  const rows = await rowsOf<{ reason: QueueExpiryReason }>(
    tx.execute(sql`
      UPDATE tickets.queue_places
      SET status = 'EXPIRED', expired_at = ${now},
          expiry_reason = CASE WHEN admission_ends_at <= ${now} THEN 'admission_ended' ELSE 'idle' END
      WHERE event_id = ${eventId} AND status = 'ADMITTED'
        AND (admission_ends_at <= ${now} OR (first_hold_at IS NULL AND admitted_at <= ${idleBefore}))
      RETURNING expiry_reason AS reason`),
  );
  return rows.map((row) => row.reason);
}

/** Admits the next `count` waiting places in line; returns their numbers. */
export async function admitNextPlaces(
  tx: Executor,
  eventId: string,
  count: number,
  now: Date,
  admissionEndsAt: Date,
): Promise<number[]> {
  const rows = await rowsOf<{ position: number }>(
    tx.execute(sql`
      UPDATE tickets.queue_places
      SET status = 'ADMITTED', admitted_at = ${now}, admission_ends_at = ${admissionEndsAt}
      WHERE id IN (SELECT id FROM tickets.queue_places
                   WHERE event_id = ${eventId} AND status = 'WAITING' AND position IS NOT NULL
                   ORDER BY position
                   LIMIT ${count}::int
                   FOR UPDATE SKIP LOCKED)
      RETURNING position`),
  );
  return rows.map((row) => row.position);
}

export async function updateAdmissionState(
  tx: Executor,
  eventId: string,
  state: { allowance: number; allowanceAt: Date; admittedThrough: number },
  now: Date,
): Promise<void> {
  await tx
    .update(waitingRooms)
    .set({ ...state, updatedAt: now })
    .where(eq(waitingRooms.eventId, eventId));
}

/** Rooms whose admission may run now: enabled, at or past their on-sale, of an event still on sale. */
export async function findAdmittingRooms(db: Executor, now: Date): Promise<string[]> {
  const rows = await rowsOf<{ eventId: string }>(
    db.execute(sql`
      SELECT r.event_id AS "eventId"
      FROM tickets.waiting_rooms r
      JOIN tickets.inventories i ON i.event_id = r.event_id
      WHERE r.enabled AND (r.on_sale_at IS NULL OR r.on_sale_at <= ${now})
        AND i.status = 'ON_SALE' AND (i.sales_end_at IS NULL OR i.sales_end_at > ${now})`),
  );
  return rows.map((row) => row.eventId);
}

/**
 * A hold is made with the place's admission: it is no longer idle. False when the admission is
 * over (expired, idle past its limit, or ended), even if the worker has not recorded it yet.
 */
export async function markPlaceHolding(
  tx: Executor,
  placeId: string,
  idleBefore: Date,
  now: Date,
): Promise<boolean> {
  const result = await tx.execute(sql`
    UPDATE tickets.queue_places SET first_hold_at = coalesce(first_hold_at, ${now})
    WHERE id = ${placeId} AND status = 'ADMITTED' AND admission_ends_at > ${now}
      AND (first_hold_at IS NOT NULL OR admitted_at > ${idleBefore})`);
  return (result.rowCount ?? 0) === 1;
}

/** Places that joined the event's queue since `since` (the proof-of-work difficulty follows it). */
export async function countRecentJoins(db: Executor, eventId: string, since: Date): Promise<number> {
  const rows = await rowsOf<{ count: number }>(
    db.execute(sql`
      SELECT count(*)::int AS count FROM tickets.queue_places WHERE event_id = ${eventId} AND joined_at > ${since}`),
  );
  return rows[0]?.count ?? 0;
}

/** Spends a challenge; false when it was spent before. */
export async function spendChallenge(db: Executor, challengeId: string, expiresAt: Date): Promise<boolean> {
  const result = await db.execute(sql`
    INSERT INTO tickets.spent_queue_challenges (challenge_id, expires_at) VALUES (${challengeId}, ${expiresAt})
    ON CONFLICT (challenge_id) DO NOTHING`);
  return (result.rowCount ?? 0) === 1;
}

export async function deleteExpiredChallenges(db: Executor, now: Date): Promise<void> {
  await db.execute(sql`DELETE FROM tickets.spent_queue_challenges WHERE expires_at < ${now}`);
}

/** Events with at least `threshold` live holds whose room is not switched on. */
export async function findBusyEventsWithoutRoom(
  db: Executor,
  threshold: number,
): Promise<{ eventId: string; activeHolds: number }[]> {
  return rowsOf(
    db.execute(sql`
      SELECT h.event_id AS "eventId", count(*)::int AS "activeHolds"
      FROM tickets.holds h
      JOIN tickets.inventories i ON i.event_id = h.event_id AND i.status = 'ON_SALE'
      LEFT JOIN tickets.waiting_rooms r ON r.event_id = h.event_id
      WHERE h.status = 'ACTIVE' AND (r.enabled IS NULL OR NOT r.enabled)
        -- An admin's switch-off stands: the threshold does not overrule it.
        AND r.source IS DISTINCT FROM 'admin'
      GROUP BY h.event_id
      HAVING count(*) >= ${threshold}::int`),
  );
}

// ---------------------------------------------------------------- transactions

const RETRYABLE_CODES = new Set(['40P01', '40001']);

/**
 * Runs a transaction again when PostgreSQL aborted it as a deadlock victim or a serialization
 * failure: nothing of it was written, and trying again is what the server asks for.
 */
export async function withRetryOnDeadlock<T>(run: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const code = ((error as { cause?: { code?: string } }).cause ?? (error as { code?: string })).code;
      if (attempt >= attempts || !code || !RETRYABLE_CODES.has(code)) throw error;
      await new Promise((done) => setTimeout(done, 10 * attempt + Math.random() * 20));
    }
  }
}

/** Admits every place still waiting (numbered or not), as when a room is switched off. */
export async function admitEveryoneWaiting(
  tx: Executor,
  eventId: string,
  now: Date,
  admissionEndsAt: Date,
): Promise<number> {
  const result = await tx.execute(sql`
    UPDATE tickets.queue_places
    SET status = 'ADMITTED', admitted_at = ${now}, admission_ends_at = ${admissionEndsAt}
    WHERE event_id = ${eventId} AND status = 'WAITING'`);
  return result.rowCount ?? 0;
}

/**
 * Rooms the hold threshold switched on whose rush is over: nobody waiting, fewer live holds
 * than `belowHolds`, and on for at least since `switchedOnBefore`.
 */
export async function findCalmAutoRooms(
  db: Executor,
  belowHolds: number,
  switchedOnBefore: Date,
): Promise<{ eventId: string; activeHolds: number }[]> {
  return rowsOf(
    db.execute(sql`
      SELECT r.event_id AS "eventId",
        (SELECT count(*)::int FROM tickets.holds h WHERE h.event_id = r.event_id AND h.status = 'ACTIVE') AS "activeHolds"
      FROM tickets.waiting_rooms r
      WHERE r.enabled AND r.source = 'auto'
        AND (SELECT max(c.changed_at) FROM tickets.waiting_room_changes c
             WHERE c.event_id = r.event_id) <= ${switchedOnBefore}
        AND NOT EXISTS (SELECT 1 FROM tickets.queue_places q
                        WHERE q.event_id = r.event_id AND q.status = 'WAITING')
        AND (SELECT count(*) FROM tickets.holds h
             WHERE h.event_id = r.event_id AND h.status = 'ACTIVE') < ${belowHolds}::int`),
  );
}

/** Tickets admins allowed this account beyond the per-account cap for this event. */
export async function sumAccountAllowances(db: Executor, eventId: string, userId: string): Promise<number> {
  const [row] = await db
    .select({ extra: sql<string>`coalesce(sum(${accountLimitAllowances.extraTickets}), 0)` })
    .from(accountLimitAllowances)
    .where(and(eq(accountLimitAllowances.eventId, eventId), eq(accountLimitAllowances.userId, userId)));
  return Number(row?.extra ?? 0);
}

export async function recordAccountLimitRefusal(db: Executor, eventId: string, userId: string, now: Date) {
  await db
    .insert(accountLimitRefusals)
    .values({ eventId, userId, refusals: 1, firstRefusedAt: now, lastRefusedAt: now })
    .onConflictDoUpdate({
      target: [accountLimitRefusals.eventId, accountLimitRefusals.userId],
      set: { refusals: sql`${accountLimitRefusals.refusals} + 1`, lastRefusedAt: now },
    });
}

export interface AccountRefusalRow {
  eventId: string;
  userId: string;
  refusals: number;
  firstRefusedAt: Date;
  lastRefusedAt: Date;
  ticketsHeldOrOwned: number;
  extraAllowed: number;
}

/** Refused accounts, most recently refused first, with their live holds and tickets and their allowances. */
export async function listAccountLimitRefusals(
  db: Executor,
  filter: { eventId?: string | undefined; userId?: string | undefined; limit: number },
  now: Date,
): Promise<AccountRefusalRow[]> {
  const rows = await rowsOf<{
    eventId: string;
    userId: string;
    refusals: number;
    firstRefusedAt: Date;
    lastRefusedAt: Date;
    ticketsHeldOrOwned: number;
    extraAllowed: number;
  }>(
    db.execute(sql`
      SELECT r.event_id AS "eventId", r.user_id AS "userId", r.refusals,
        r.first_refused_at AS "firstRefusedAt", r.last_refused_at AS "lastRefusedAt",
        (SELECT count(*)::int FROM tickets.tickets t
          WHERE t.event_id = r.event_id
            AND ((t.status = 'LOCKED' AND t.locked_by = r.user_id AND t.locked_until > ${now})
                 OR (t.status = 'SOLD' AND t.owner_id = r.user_id))) AS "ticketsHeldOrOwned",
        (SELECT coalesce(sum(a.extra_tickets), 0)::int FROM tickets.account_limit_allowances a
          WHERE a.event_id = r.event_id AND a.user_id = r.user_id) AS "extraAllowed"
      FROM tickets.account_limit_refusals r
      WHERE (${filter.eventId ?? null}::uuid IS NULL OR r.event_id = ${filter.eventId ?? null}::uuid)
        AND (${filter.userId ?? null}::uuid IS NULL OR r.user_id = ${filter.userId ?? null}::uuid)
      ORDER BY r.last_refused_at DESC
      LIMIT ${filter.limit}`),
  );
  return rows.map((row) => ({
    ...row,
    firstRefusedAt: new Date(row.firstRefusedAt),
    lastRefusedAt: new Date(row.lastRefusedAt),
  }));
}

export async function insertAccountLimitAllowance(
  db: Executor,
  allowance: typeof accountLimitAllowances.$inferInsert,
): Promise<typeof accountLimitAllowances.$inferSelect> {
  const [row] = await db.insert(accountLimitAllowances).values(allowance).returning();
  return row!;
}
