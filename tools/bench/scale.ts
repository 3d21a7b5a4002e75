// Scale: does a hold get slower when the inventory is large? The same holds (a block of seats,
// a quantity of general admission), each released right after, on an event of about 1,000
// tickets and on one of about 1,000,000 (most of them general admission: one ticket type whose
// units the ticket service generates in one INSERT ... SELECT generate_series).
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { Api } from './api.js';
import { type LatencySummary, summarizeLatencies } from './metrics.js';
import { type Buyer, createOnSaleEvent, inBatches, type OnSaleEvent } from './setup.js';
import { SeatBoard } from './venue.js';

export interface ScaleEventResult {
  /** How the inventory was made: through the API (publish), or grown by bulk SQL after that failed. */
  createdBy: 'api' | 'bulk-sql';
  /** Why the API path was not used, when it was not. */
  apiFailure?: string;
  /** Seconds the bulk INSERT … generate_series took (bulk-sql only). */
  bulkInsertSeconds?: number;
  tickets: number;
  seats: number;
  generalAdmission: number;
  /** Creating the event, and publishing it (which creates its inventory). */
  createSeconds: number;
  publishSeconds: number;
  seatHold: LatencySummary;
  generalAdmissionHold: LatencySummary;
  release: LatencySummary;
  failures: number;
}

export interface ScaleResult {
  small: ScaleEventResult;
  large: ScaleEventResult;
  /** EXPLAIN ANALYZE of the general-admission statements on the large inventory (rolled back). */
  largePlans?: Record<string, string>;
  holdsPerEvent: number;
  concurrency: number;
}

async function measureHolds(
  api: Api,
  event: OnSaleEvent,
  buyers: Buyer[],
  holds: number,
  concurrency: number,
): Promise<Pick<ScaleEventResult, 'seatHold' | 'generalAdmissionHold' | 'release' | 'failures'>> {
  const board = new SeatBoard(event.map);
  const seatTimes: number[] = [];
  const gaTimes: number[] = [];
  const releaseTimes: number[] = [];
  let failures = 0;
  await inBatches(
    Array.from({ length: holds }, (_, index) => index),
    concurrency,
    async (index) => {
      const buyer = buyers[index % buyers.length]!;
      const quantity = 1 + (index % 4);
      const seats = index % 2 === 0 && board.seatCount > 0;
      // Concurrent holds must not want the same seats: each takes its block off the board.
      const block = seats ? board.pickBlock(quantity) : undefined;
      if (block) board.markTaken(block);
      const body = block
        ? { eventId: event.id, seatIds: block }
        : { eventId: event.id, items: [{ ticketTypeId: event.ticketTypeId, quantity }] };
      const hold = await api.call('POST', '/api/v1/holds', { token: buyer.token, body });
      if (hold.status !== 201) {
        failures++;
        if (block) board.markFree(block);
        return;
      }
      (block ? seatTimes : gaTimes).push(hold.ms);
      const release = await api.call('DELETE', `/api/v1/holds/${hold.body.id}`, { token: buyer.token });
      releaseTimes.push(release.ms);
      if (release.status !== 204) failures++;
      if (block) board.markFree(block);
    },
  );
  return {
    seatHold: summarizeLatencies(seatTimes),
    generalAdmissionHold: summarizeLatencies(gaTimes),
    release: summarizeLatencies(releaseTimes),
    failures,
  };
}

/**
 * The fallback when publishing a huge inventory fails (the ticket service's 30 s statement
 * timeout on a busy machine): the event is published with a small general-admission type, whose
 * units are then grown to the full size with the service's own statement shape (INSERT … SELECT
 * generate_series), its ticket type and inventory counts updated so the invariants still hold.
 */
async function growGeneralAdmission(
  databaseUrl: string,
  event: OnSaleEvent,
  totalUnits: number,
): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const started = performance.now();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ name: string; price: number; quantity: number }>(
      'SELECT name, price, quantity FROM tickets.ticket_types WHERE id = $1 FOR UPDATE',
      [event.ticketTypeId],
    );
    const type = rows[0]!;
    await client.query(
      `INSERT INTO tickets.tickets (id, event_id, ticket_type_id, unit_number, label, price, status, version,
                                    created_at, updated_at)
       SELECT gen_random_uuid(), $1, $2, unit, $3 || ' #' || unit, $4, 'AVAILABLE', 0, now(), now()
       FROM generate_series($5::integer + 1, $6::integer) AS unit`,
      [event.id, event.ticketTypeId, type.name, type.price, type.quantity, totalUnits],
    );
    await client.query('UPDATE tickets.ticket_types SET quantity = $2 WHERE id = $1', [
      event.ticketTypeId,
      totalUnits,
    ]);
    await client.query(
      'UPDATE tickets.inventories SET ticket_count = ticket_count + $2 WHERE event_id = $1',
      [event.id, totalUnits - type.quantity],
    );
    await client.query('COMMIT');
    await client.query('ANALYZE tickets.tickets');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
  return (performance.now() - started) / 1000;
}

export async function runScale(
  api: Api,
  organizerToken: string,
  buyers: Buyer[],
  databaseUrl: string,
  options: { smallTickets: number; largeTickets: number; holds: number; concurrency: number },
  log: (line: string) => void,
): Promise<ScaleResult> {
  let largeEventId: string | undefined;
  const measure = async (label: string, tickets: number): Promise<ScaleEventResult> => {
    // Half seats up to 10,000 (a seat map that size is read once); the rest general admission.
    const seats = Math.min(10_000, Math.floor(tickets / 2));
    const generalAdmission = tickets - seats;
    log(`scale: creating an event of ${tickets.toLocaleString('en')} tickets (${label})`);
    let event: OnSaleEvent;
    let createdBy: ScaleEventResult['createdBy'] = 'api';
    let apiFailure: string | undefined;
    let bulkInsertSeconds: number | undefined;
    try {
      event = await createOnSaleEvent(api, organizerToken, `Bench scale ${label}`, seats, generalAdmission);
    } catch (error) {
      apiFailure = (error as Error).message.slice(0, 500);
      log(
        `scale: publishing ${tickets.toLocaleString('en')} tickets failed; growing a small event by bulk SQL`,
      );
      event = await createOnSaleEvent(api, organizerToken, `Bench scale ${label} (bulk)`, seats, 1_000);
      bulkInsertSeconds = await growGeneralAdmission(databaseUrl, event, generalAdmission);
      event = { ...event, generalAdmission };
      createdBy = 'bulk-sql';
    }
    const result = await measureHolds(api, event, buyers, options.holds, options.concurrency);
    if (label === 'large') largeEventId = event.id;
    return {
      createdBy,
      ...(apiFailure ? { apiFailure } : {}),
      ...(bulkInsertSeconds !== undefined ? { bulkInsertSeconds } : {}),
      tickets: event.seatCount + event.generalAdmission,
      seats: event.seatCount,
      generalAdmission: event.generalAdmission,
      createSeconds: event.createMs / 1000,
      publishSeconds: event.publishMs / 1000,
      ...result,
    };
  };
  const small = await measure('small', options.smallTickets);
  const large = await measure('large', options.largeTickets);
  const largePlans = largeEventId
    ? await explainOnInventory(databaseUrl, largeEventId).catch(() => undefined)
    : undefined;
  return {
    small,
    large,
    ...(largePlans ? { largePlans } : {}),
    holdsPerEvent: options.holds,
    concurrency: options.concurrency,
  };
}

/**
 * The plans of what a general-admission hold runs on the real inventory table with the large
 * event in it: the free-units count read first (refuseWhatCannotBeHeld), then holdFreeUnits.
 */
async function explainOnInventory(databaseUrl: string, eventId: string): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>(
      'SELECT id FROM tickets.ticket_types WHERE event_id = $1 ORDER BY quantity DESC LIMIT 1',
      [eventId],
    );
    const typeId = rows[0]?.id;
    if (!typeId) return {};
    const statements: Record<string, string> = {
      'countFreeUnits (read before every general-admission hold)': `
        SELECT count(*)::int AS count FROM tickets.tickets
        WHERE ticket_type_id = $1 AND status = 'AVAILABLE'`,
      holdFreeUnits: `
        WITH free AS (
          SELECT id FROM tickets.tickets
          WHERE ticket_type_id = $1 AND status = 'AVAILABLE'
          LIMIT 4
          FOR UPDATE SKIP LOCKED)
        UPDATE tickets.tickets t
        SET status = 'LOCKED', hold_id = gen_random_uuid(), locked_by = gen_random_uuid(),
            locked_until = now() + interval '10 minutes', version = t.version + 1, updated_at = now()
        FROM free WHERE t.id = free.id`,
    };
    const plans: Record<string, string> = {};
    for (const [name, statement] of Object.entries(statements)) {
      await client.query('BEGIN');
      try {
        const plan = await client.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${statement}`, [typeId]);
        plans[name] = plan.rows.map((row) => row['QUERY PLAN']).join('\n');
      } finally {
        await client.query('ROLLBACK');
      }
    }
    return plans;
  } finally {
    await client.end();
  }
}
