// Inventory: a ticket per reserved seat and per general-admission unit, created once per event
// from the body the event service sends on publication (idempotently, in batches, so 100,000
// seats take seconds), and withdrawn when the event is cancelled.
import { createHash } from 'node:crypto';
import type { CreateInventoryBody, EventCancelledPayload } from '@ticketing/contracts';
import {
  appendToOutbox,
  type Clock,
  consumeOnce,
  type Database,
  type DomainEvent,
  type Logger,
  newId,
} from '@ticketing/platform';
import type { TicketCatalogue } from './catalogue.js';
import { updateDoorFacts } from './door-repository.js';
import { InvalidInventoryError, InventoryConflictError } from './errors.js';
import { CONSUMER_GROUP, ticketCancelled } from './events.js';
import type { ChangeAnnouncer } from './live-availability.js';
import * as repository from './repository.js';
import { TICKET_SCHEMA } from './tables.js';
import { configureWaitingRoom } from './waiting-room.js';

export interface InventoryDeps {
  db: Database;
  catalogue: TicketCatalogue;
  clock: Clock;
  live: ChangeAnnouncer;
  logger: Logger;
}

/** More would be a mistake, not a venue. */
export const MAX_TICKETS_PER_EVENT = 1_000_000;
/** Inventories this large are followed by ANALYZE. */
const ANALYZE_AFTER_TICKETS = 5_000;
/** Seats per INSERT statement. */
const SEATS_PER_STATEMENT = 10_000;

type Seat = CreateInventoryBody['seats'][number];

/** Same body, same fingerprint: what makes a repeated PUT a no-op. */
function fingerprintOf(body: CreateInventoryBody): string {
  const canonical = JSON.stringify([
    body.currency,
    body.salesStartAt,
    body.salesEndAt,
    body.seats.map((s) => [
      s.seatId,
      s.section,
      s.row,
      s.number,
      s.label,
      s.category,
      s.price,
      s.x,
      s.y,
      s.accessible,
    ]),
    body.ticketTypes.map((t) => [t.ticketTypeId, t.name, t.price, t.quantity]),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

function checkInventory(body: CreateInventoryBody): void {
  if (body.seats.length === 0 && body.ticketTypes.length === 0)
    throw new InvalidInventoryError('seats', 'an inventory needs at least one seat or ticket type');
  const units = body.ticketTypes.reduce((sum, type) => sum + type.quantity, 0);
  if (body.seats.length + units > MAX_TICKETS_PER_EVENT)
    throw new InvalidInventoryError(
      'ticketTypes',
      `an event may have at most ${MAX_TICKETS_PER_EVENT} tickets (${body.seats.length + units} were sent)`,
    );
  if (body.salesStartAt && body.salesEndAt && Date.parse(body.salesEndAt) <= Date.parse(body.salesStartAt))
    throw new InvalidInventoryError('salesEndAt', 'salesEndAt must be after salesStartAt');
  const seatIds = new Set<string>();
  const places = new Set<string>();
  for (const [index, seat] of body.seats.entries()) {
    if (seatIds.has(seat.seatId))
      throw new InvalidInventoryError(`seats.${index}.seatId`, `seat ${seat.seatId} is listed twice`);
    seatIds.add(seat.seatId);
    const place = JSON.stringify([seat.section, seat.row, seat.number]);
    if (places.has(place))
      throw new InvalidInventoryError(
        `seats.${index}.number`,
        `${seat.label} is listed twice (same section, row and number)`,
      );
    places.add(place);
  }
  const typeIds = new Set<string>();
  for (const [index, type] of body.ticketTypes.entries()) {
    if (typeIds.has(type.ticketTypeId))
      throw new InvalidInventoryError(
        `ticketTypes.${index}.ticketTypeId`,
        `ticket type ${type.ticketTypeId} is listed twice`,
      );
    typeIds.add(type.ticketTypeId);
  }
}

const byNumber = new Intl.Collator('en', { numeric: true });

/**
 * Where each seat is for best available: its position in its row (ordered by x; a gap much
 * wider than the row's usual spacing is an aisle and leaves a hole of one position, so
 * adjacent seats differ by exactly 1) and how far its row is from the stage. The stage is at
 * the front centre of the map: the middle of the x range, at the smallest y.
 */
export function layOutSeats(seats: Seat[]): {
  positions: Map<string, { position: number; rowDistance: number }>;
  stage: { x: number; y: number } | null;
} {
  const positions = new Map<string, { position: number; rowDistance: number }>();
  if (seats.length === 0) return { positions, stage: null };
  let minX = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  const rows = new Map<string, Seat[]>();
  for (const seat of seats) {
    minX = Math.min(minX, seat.x);
    maxX = Math.max(maxX, seat.x);
    minY = Math.min(minY, seat.y);
    const key = JSON.stringify([seat.section, seat.row]);
    const row = rows.get(key);
    if (row) row.push(seat);
    else rows.set(key, [seat]);
  }
  for (const row of rows.values()) {
    row.sort((a, b) => a.x - b.x || byNumber.compare(a.number, b.number));
    const gaps = row.slice(1).map((seat, index) => seat.x - row[index]!.x);
    const usual = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)] ?? 0;
    const rowDistance = row.reduce((sum, seat) => sum + seat.y, 0) / row.length - minY;
    let position = 1;
    for (const [index, seat] of row.entries()) {
      if (index > 0) position += usual > 0 && gaps[index - 1]! > usual * 1.5 ? 2 : 1;
      positions.set(seat.seatId, { position, rowDistance });
    }
  }
  return { positions, stage: { x: (minX + maxX) / 2, y: minY } };
}

export async function createInventory(
  deps: InventoryDeps,
  eventId: string,
  body: CreateInventoryBody,
): Promise<{ eventId: string; created: boolean; tickets: number }> {
  checkInventory(body);
  const fingerprint = fingerprintOf(body);
  const { positions, stage } = layOutSeats(body.seats);
  const now = deps.clock.now();
  const ticketCount = body.seats.length + body.ticketTypes.reduce((sum, type) => sum + type.quantity, 0);
  const result = await deps.db.transaction(async (tx) => {
    // A second PUT (a retry, or another instance) waits here for the first to commit, then finds its row.
    const created = await repository.insertInventory(tx, {
      eventId,
      currency: body.currency,
      salesStartAt: body.salesStartAt ? new Date(body.salesStartAt) : null,
      salesEndAt: body.salesEndAt ? new Date(body.salesEndAt) : null,
      status: 'ON_SALE',
      fingerprint,
      ticketCount,
      stageX: stage?.x ?? null,
      stageY: stage?.y ?? null,
      createdAt: now,
      cancelledAt: null,
      organizerId: body.door?.organizerId ?? null,
      startsAt: body.door ? new Date(body.door.startsAt) : null,
      endsAt: body.door ? new Date(body.door.endsAt) : null,
    });
    // The waiting room rides along (outside the fingerprint: it may change until the on-sale).
    const setWaitingRoom = async () => {
      if (body.waitingRoom)
        await configureWaitingRoom(
          deps,
          eventId,
          { ...body.waitingRoom, onSaleAt: body.salesStartAt },
          'event',
          'set by the organizer',
          tx,
        );
    };
    if (!created) {
      const existing = await repository.findInventory(tx, eventId);
      if (existing?.fingerprint !== fingerprint) throw new InventoryConflictError();
      await setWaitingRoom();
      // So are the door facts: an event may be rescheduled after it was published.
      if (body.door)
        await updateDoorFacts(tx, eventId, {
          organizerId: body.door.organizerId,
          startsAt: new Date(body.door.startsAt),
          endsAt: new Date(body.door.endsAt),
        });
      return { eventId, created: false, tickets: existing.ticketCount };
    }
    const types = body.ticketTypes.map((type, index) => ({
      id: type.ticketTypeId,
      eventId,
      name: type.name,
      price: type.price,
      quantity: type.quantity,
      position: index,
    }));
    await repository.insertTicketTypes(tx, types);
    let inserted = 0;
    for (let start = 0; start < body.seats.length; start += SEATS_PER_STATEMENT) {
      const chunk = body.seats.slice(start, start + SEATS_PER_STATEMENT);
      inserted += await repository.insertSeatTickets(
        tx,
        eventId,
        {
          ids: chunk.map(() => newId()),
          seatIds: chunk.map((seat) => seat.seatId),
          sections: chunk.map((seat) => seat.section),
          rows: chunk.map((seat) => seat.row),
          numbers: chunk.map((seat) => seat.number),
          labels: chunk.map((seat) => seat.label),
          categories: chunk.map((seat) => seat.category),
          prices: chunk.map((seat) => seat.price),
          xs: chunk.map((seat) => seat.x),
          ys: chunk.map((seat) => seat.y),
          accessible: chunk.map((seat) => seat.accessible),
          positions: chunk.map((seat) => positions.get(seat.seatId)!.position),
          rowDistances: chunk.map((seat) => positions.get(seat.seatId)!.rowDistance),
        },
        now,
      );
    }
    for (const type of types) inserted += await repository.insertUnitTickets(tx, type, now);
    await setWaitingRoom();
    return { eventId, created: true, tickets: inserted };
  });
  // A big load changes the table's shape; autovacuum would notice only later, and the on-sale
  // may start right away. Statistics are advisory: failing to refresh them fails nothing.
  if (result.created && result.tickets >= ANALYZE_AFTER_TICKETS)
    await repository.analyzeTickets(deps.db.orm).catch(() => undefined);
  return result;
}

/**
 * The event was cancelled: unsold tickets become CANCELLED, live holds end, and every
 * e-ticket of the event is revoked (the order service refunds the sold ones). Once per event.
 */
export async function withdrawInventory(
  deps: InventoryDeps,
  event: DomainEvent<EventCancelledPayload>,
): Promise<void> {
  const eventId = event.payload.eventId;
  let withdrawn = false;
  await consumeOnce(deps.db, TICKET_SCHEMA, CONSUMER_GROUP, event, async (tx) => {
    const now = deps.clock.now();
    if (!(await repository.markInventoryCancelled(tx, eventId, now))) return;
    await repository.endActiveHoldsOfEvent(tx, eventId, 'event_cancelled', now);
    const tickets = await repository.withdrawUnsoldTickets(tx, eventId, now);
    await repository.revokeETickets(tx, { eventId }, 'event_cancelled', now);
    await appendToOutbox(tx, TICKET_SCHEMA, ticketCancelled(eventId, tickets, 'event_cancelled'));
    withdrawn = true;
  });
  if (!withdrawn) return;
  deps.catalogue.forgetInventory(eventId);
  deps.live.resync(eventId);
}
