// The event service's SQL, and only SQL. Every function takes a database or a transaction first.
import type { Executor } from '@ticketing/platform';
import { and, asc, eq, getTableColumns, gt, inArray, isNull, lt, or, type SQL, sql } from 'drizzle-orm';
import {
  type EventRow,
  events,
  type SaleRow,
  type SeatRow,
  type SectionRow,
  sales,
  seats,
  sections,
  type TicketTypeRow,
  ticketTypes,
} from './tables.js';

export type NewEvent = typeof events.$inferInsert;
export type EventChanges = Partial<Omit<NewEvent, 'id' | 'organizerId' | 'createdAt'>>;

export async function insertEvent(tx: Executor, event: NewEvent): Promise<EventRow> {
  const [row] = await tx.insert(events).values(event).returning();
  return row!;
}

export async function findEvent(db: Executor, id: string): Promise<EventRow | undefined> {
  const [row] = await db.select().from(events).where(eq(events.id, id));
  return row;
}

/** Locks the event's row: edits, publishing and cancelling of one event happen one at a time. */
export async function lockEvent(tx: Executor, id: string): Promise<EventRow | undefined> {
  const [row] = await tx.select().from(events).where(eq(events.id, id)).for('update');
  return row;
}

export async function findEventByTitle(
  db: Executor,
  organizerId: string,
  title: string,
): Promise<EventRow | undefined> {
  const [row] = await db
    .select()
    .from(events)
    .where(and(eq(events.organizerId, organizerId), eq(events.title, title)))
    .limit(1);
  return row;
}

export async function updateEvent(tx: Executor, id: string, changes: EventChanges): Promise<EventRow> {
  const [row] = await tx.update(events).set(changes).where(eq(events.id, id)).returning();
  return row!;
}

export async function deleteEvent(tx: Executor, id: string): Promise<void> {
  await tx.delete(events).where(eq(events.id, id));
}

export async function findSections(db: Executor, eventId: string): Promise<SectionRow[]> {
  return db.select().from(sections).where(eq(sections.eventId, eventId)).orderBy(asc(sections.position));
}

export async function findSeats(db: Executor, eventId: string): Promise<SeatRow[]> {
  return db.select().from(seats).where(eq(seats.eventId, eventId)).orderBy(asc(seats.position));
}

export async function findTicketTypes(db: Executor, eventId: string): Promise<TicketTypeRow[]> {
  return db
    .select()
    .from(ticketTypes)
    .where(eq(ticketTypes.eventId, eventId))
    .orderBy(asc(ticketTypes.position));
}

/** Postgres allows 65 535 parameters per statement; seats have 12 columns. */
const SEAT_BATCH = 2_000;

/** Replaces the event's sections and seats (deleting a section deletes its seats). */
export async function replaceVenue(
  tx: Executor,
  eventId: string,
  newSections: SectionRow[],
  newSeats: SeatRow[],
): Promise<void> {
  await tx.delete(sections).where(eq(sections.eventId, eventId));
  if (newSections.length > 0) await tx.insert(sections).values(newSections);
  for (let start = 0; start < newSeats.length; start += SEAT_BATCH) {
    await tx.insert(seats).values(newSeats.slice(start, start + SEAT_BATCH));
  }
}

export async function replaceTicketTypes(
  tx: Executor,
  eventId: string,
  newTicketTypes: TicketTypeRow[],
): Promise<void> {
  await tx.delete(ticketTypes).where(eq(ticketTypes.eventId, eventId));
  if (newTicketTypes.length > 0) await tx.insert(ticketTypes).values(newTicketTypes);
}

// Search -------------------------------------------------------------------------------------

export interface EventFilter {
  /** Full-text words (websearch syntax: quotes, OR, -word). */
  text?: string;
  /** Schema of pg_trgm when installed: adds typo-tolerant matching and ranking. */
  trigramSchema?: string | null;
  /** Word-similarity threshold of the typo-tolerant match (0 to 1). */
  similarity?: number;
  types?: string[];
  category?: string;
  tag?: string;
  city?: string;
  startsFrom?: Date;
  startsBefore?: Date;
  minPrice?: number;
  maxPrice?: number;
  currency?: string;
  lifecycles?: string[];
  /** Only events that end after this instant (ACTIVE). */
  endsAfter?: Date;
  /** Only drafts and events that ended by this instant (INACTIVE). */
  inactiveAt?: Date;
  organizerId?: string;
  sort: 'date' | '-date' | 'price' | '-price' | 'relevance';
  /** The last row of the previous page: its sort value and id. */
  after?: { value: string | number; startsAt?: string; id: string };
  limit: number;
}

export type RankedEventRow = EventRow & { relevance: string };

/** A websearch query's tsquery, in English (stemming: "concerts" finds "concert"). */
const tsQuery = (text: string) => sql`websearch_to_tsquery('english', ${text})`;
// Kept by a trigger and never read back, so not part of the Drizzle table.
const searchVector = sql.raw('events.events.search_vector');
const searchText = sql.raw('events.events.search_text');

/**
 * Published (or, for organizers, any) events matching the filter, one keyset page at a time.
 * Full-text matches are ranked with ts_rank (title above tags and place above description);
 * with pg_trgm, words that are a typo away also match, ranked by their word similarity.
 */
export async function searchEvents(db: Executor, filter: EventFilter): Promise<RankedEventRow[]> {
  const conditions: (SQL | undefined)[] = [];
  let relevance: SQL = sql`0`;
  const trigram = filter.trigramSchema ? sql.raw(filter.trigramSchema) : undefined;
  if (filter.text) {
    const fullText = sql`${searchVector} @@ ${tsQuery(filter.text)}`;
    const text = filter.text.toLowerCase();
    if (trigram) {
      conditions.push(or(fullText, sql`${text} OPERATOR(${trigram}.<%) ${searchText}`));
      relevance = sql`ts_rank(${searchVector}, ${tsQuery(filter.text)}) + 0.3 * ${trigram}.word_similarity(${text}, ${searchText})`;
    } else {
      conditions.push(fullText);
      relevance = sql`ts_rank(${searchVector}, ${tsQuery(filter.text)})`;
    }
  }
  const rank = sql<string>`round((${relevance})::numeric, 6)`;
  if (filter.types?.length) conditions.push(inArray(events.eventType, filter.types));
  if (filter.category) conditions.push(sql`${filter.category.toLowerCase()} = ANY(${events.categories})`);
  if (filter.tag) conditions.push(sql`${filter.tag.toLowerCase()} = ANY(${events.tags})`);
  if (filter.city) conditions.push(sql`lower(${events.city}) = ${filter.city.toLowerCase()}`);
  if (filter.startsFrom) conditions.push(sql`${events.startsAt} >= ${filter.startsFrom}`);
  if (filter.startsBefore) conditions.push(lt(events.startsAt, filter.startsBefore));
  // An event is in a price range when one of its prices could be: its cheapest is not above
  // the range, and its dearest not below it.
  if (filter.maxPrice !== undefined) conditions.push(sql`${events.minPrice} <= ${filter.maxPrice}`);
  if (filter.minPrice !== undefined) conditions.push(sql`${events.maxPrice} >= ${filter.minPrice}`);
  if (filter.currency) conditions.push(eq(events.currency, filter.currency));
  if (filter.lifecycles?.length) conditions.push(inArray(events.lifecycle, filter.lifecycles));
  if (filter.endsAfter) conditions.push(gt(events.endsAt, filter.endsAfter));
  if (filter.inactiveAt)
    conditions.push(
      or(
        eq(events.lifecycle, 'DRAFT'),
        and(eq(events.lifecycle, 'PUBLISHED'), sql`${events.endsAt} <= ${filter.inactiveAt}`),
      ),
    );
  if (filter.organizerId) conditions.push(eq(events.organizerId, filter.organizerId));

  const { sort, after } = filter;
  let order: SQL[];
  if (sort === 'relevance') {
    order = [sql`${rank} DESC`, sql`${events.startsAt} ASC`, sql`${events.id} ASC`];
    if (after)
      conditions.push(
        sql`(${rank} < ${after.value}::numeric OR (${rank} = ${after.value}::numeric AND (${events.startsAt} > ${after.startsAt}::timestamptz OR (${events.startsAt} = ${after.startsAt}::timestamptz AND ${events.id} > ${after.id}))))`,
      );
  } else {
    const column = sort === 'date' || sort === '-date' ? events.startsAt : events.minPrice;
    const descending = sort.startsWith('-');
    order = descending
      ? [sql`${column} DESC`, sql`${events.id} DESC`]
      : [sql`${column} ASC`, sql`${events.id} ASC`];
    if (after) {
      const value =
        column === events.startsAt ? sql`${after.value}::timestamptz` : sql`${after.value}::integer`;
      conditions.push(
        descending
          ? sql`(${column} < ${value} OR (${column} = ${value} AND ${events.id} < ${after.id}))`
          : sql`(${column} > ${value} OR (${column} = ${value} AND ${events.id} > ${after.id}))`,
      );
    }
  }

  const query = (executor: Executor) =>
    executor
      .select({ ...getTableColumns(events), relevance: rank })
      .from(events)
      .where(and(...conditions))
      .orderBy(...order)
      .limit(filter.limit);
  if (!(trigram && filter.text)) return query(db);
  // The typo-tolerant operator (<%) reads its threshold from a setting: set it for this query only.
  return db.transaction(async (tx) => {
    const threshold = String(filter.similarity ?? 0.4);
    await tx.execute(sql`SELECT set_config('pg_trgm.word_similarity_threshold', ${threshold}, true)`);
    return query(tx);
  });
}

/** The schema pg_trgm is installed in, or null when it is not (then search has no typo tolerance). */
export async function findTrigramSchema(db: Executor): Promise<string | null> {
  const result = await db.execute<{ schema: string }>(
    sql`SELECT extnamespace::regnamespace::text AS schema FROM pg_extension WHERE extname = 'pg_trgm'`,
  );
  return result.rows[0]?.schema ?? null;
}

/** This database's prefix for cache keys (written by the first migration). */
export async function findCacheNamespace(db: Executor): Promise<string> {
  const result = await db.execute<{ id: string }>(sql`SELECT id FROM events.cache_namespace LIMIT 1`);
  return result.rows[0]!.id;
}

// Sales facts ------------------------------------------------------------------------------

export async function insertSales(tx: Executor, rows: SaleRow[]): Promise<void> {
  if (rows.length > 0) await tx.insert(sales).values(rows).onConflictDoNothing();
}

/** Marks the open sale of each ticket cancelled (a refunded ticket may be sold again later). */
export async function cancelSales(
  tx: Executor,
  eventId: string,
  ticketIds: string[],
  cancelledAt: Date,
  reason: string,
): Promise<number> {
  if (ticketIds.length === 0) return 0;
  const updated = await tx
    .update(sales)
    .set({ cancelledAt, cancelReason: reason })
    .where(and(eq(sales.eventId, eventId), inArray(sales.ticketId, ticketIds), isNull(sales.cancelledAt)))
    .returning({ ticketId: sales.ticketId });
  return updated.length;
}

/** Which of these ids are seats of the event (the ticket service may use seat ids as ticket ids). */
export async function findSeatIdsAmong(db: Executor, eventId: string, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({ id: seats.id })
    .from(seats)
    .where(and(eq(seats.eventId, eventId), inArray(seats.id, ids)));
  return rows.map((row) => row.id);
}

export interface SoldTickets {
  total: number;
  byTicketType: Map<string, number>;
  seatIds: Set<string>;
}

/** Tickets of the event sold and not cancelled: what an edit must not take away. */
export async function findSoldTickets(db: Executor, eventId: string): Promise<SoldTickets> {
  const rows = await db
    .select({ ticketTypeId: sales.ticketTypeId, seatId: sales.seatId })
    .from(sales)
    .where(and(eq(sales.eventId, eventId), isNull(sales.cancelledAt)));
  const byTicketType = new Map<string, number>();
  const seatIds = new Set<string>();
  for (const row of rows) {
    if (row.ticketTypeId) byTicketType.set(row.ticketTypeId, (byTicketType.get(row.ticketTypeId) ?? 0) + 1);
    if (row.seatId) seatIds.add(row.seatId);
  }
  return { total: rows.length, byTicketType, seatIds };
}

/** Revenue sums are bigint in SQL (they can pass 2^31 minor units) and numbers here. */
export type SalesTotals = {
  sold: number;
  cancelled: number;
  revenue: number;
  gross: number;
};

export async function salesTotals(db: Executor, eventId: string): Promise<SalesTotals> {
  const result = await db.execute<SalesTotals>(sql`
    SELECT count(*) FILTER (WHERE cancelled_at IS NULL)::int                AS sold,
           count(*) FILTER (WHERE cancelled_at IS NOT NULL)::int            AS cancelled,
           coalesce(sum(price) FILTER (WHERE cancelled_at IS NULL), 0)::bigint AS revenue,
           coalesce(sum(price), 0)::bigint                                     AS gross
    FROM events.sales WHERE event_id = ${eventId}`);
  const totals = result.rows[0]!;
  return { ...totals, revenue: Number(totals.revenue), gross: Number(totals.gross) };
}

export type CategorySales = {
  category: string;
  capacity: number;
  sold: number;
  revenue: number;
};

/** Per seat category: its seats, and its tickets sold and not cancelled. */
export async function salesByCategory(db: Executor, eventId: string): Promise<CategorySales[]> {
  const result = await db.execute<CategorySales>(sql`
    WITH capacity AS (
      SELECT category, count(*)::int AS capacity FROM events.seats WHERE event_id = ${eventId} GROUP BY category
    ), sold AS (
      SELECT category, count(*)::int AS sold, sum(price)::bigint AS revenue
      FROM events.sales
      WHERE event_id = ${eventId} AND cancelled_at IS NULL AND category IS NOT NULL AND ticket_type_id IS NULL
      GROUP BY category
    )
    SELECT coalesce(capacity.category, sold.category) AS category,
           coalesce(capacity.capacity, 0) AS capacity,
           coalesce(sold.sold, 0) AS sold,
           coalesce(sold.revenue, 0) AS revenue
    FROM capacity FULL JOIN sold ON sold.category = capacity.category
    ORDER BY 1`);
  return result.rows.map((row) => ({ ...row, revenue: Number(row.revenue) }));
}

export type TicketTypeSales = {
  ticketTypeId: string;
  name: string;
  price: number;
  capacity: number;
  sold: number;
  revenue: number;
};

export async function salesByTicketType(db: Executor, eventId: string): Promise<TicketTypeSales[]> {
  const result = await db.execute<TicketTypeSales>(sql`
    SELECT tt.id AS "ticketTypeId", tt.name, tt.price, tt.quantity AS capacity,
           count(s.ticket_id)::int AS sold, coalesce(sum(s.price), 0)::bigint AS revenue
    FROM events.ticket_types tt
    LEFT JOIN events.sales s ON s.ticket_type_id = tt.id AND s.cancelled_at IS NULL
    WHERE tt.event_id = ${eventId}
    GROUP BY tt.id ORDER BY tt.position`);
  return result.rows.map((row) => ({ ...row, revenue: Number(row.revenue) }));
}

export type SalesBucket = {
  bucketStart: Date;
  sold: number;
  cancelled: number;
  revenue: number;
};

/** Sales and cancellations per hour, day or week of the event's own time zone. */
export async function salesTimeline(
  db: Executor,
  eventId: string,
  bucket: 'hour' | 'day' | 'week',
  timeZone: string,
): Promise<SalesBucket[]> {
  const result = await db.execute<SalesBucket>(sql`
    WITH movements AS (
      SELECT date_trunc(${bucket}, sold_at, ${timeZone}) AS bucket, 1 AS sold, 0 AS cancelled, price AS revenue
      FROM events.sales WHERE event_id = ${eventId}
      UNION ALL
      SELECT date_trunc(${bucket}, cancelled_at, ${timeZone}), 0, 1, -price
      FROM events.sales WHERE event_id = ${eventId} AND cancelled_at IS NOT NULL
    )
    SELECT bucket AS "bucketStart", sum(sold)::int AS sold, sum(cancelled)::int AS cancelled,
           sum(revenue)::bigint AS revenue
    FROM movements GROUP BY bucket ORDER BY bucket`);
  return result.rows.map((row) => ({
    ...row,
    bucketStart: new Date(row.bucketStart),
    revenue: Number(row.revenue),
  }));
}
