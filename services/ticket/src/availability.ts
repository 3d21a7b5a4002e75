// Availability: counts per event, seat category and ticket type, and the public seat map with
// each seat's status. Read straight from PostgreSQL, the source of truth.
import type { Availability, AvailabilityUpdate, SeatChange, SeatMap } from '@ticketing/contracts';
import type { Executor } from '@ticketing/platform';
import { EventNotOnSaleError } from './errors.js';
import * as repository from './repository.js';

type Counts = { total: number; available: number; sold: number };
const zero = (): Counts => ({ total: 0, available: 0, sold: 0 });

function summarise(eventId: string, rows: repository.StatusCount[]): Availability {
  const availability: Availability = {
    eventId,
    total: 0,
    available: 0,
    held: 0,
    sold: 0,
    byCategory: {},
    byTicketType: {},
  };
  for (const row of rows) {
    availability.total += row.count;
    if (row.status === 'AVAILABLE') availability.available += row.count;
    if (row.status === 'LOCKED') availability.held += row.count;
    if (row.status === 'SOLD') availability.sold += row.count;
    const groups = row.ticketTypeId ? availability.byTicketType : availability.byCategory;
    const key = row.ticketTypeId ?? row.category ?? 'General';
    const group = groups[key] ?? zero();
    groups[key] = group;
    group.total += row.count;
    if (row.status === 'AVAILABLE') group.available += row.count;
    if (row.status === 'SOLD') group.sold += row.count;
  }
  return availability;
}

/** Counts for each event that has an inventory; events without one are left out. */
export async function getAvailability(db: Executor, eventIds: string[]): Promise<Availability[]> {
  const unique = [...new Set(eventIds)];
  const [known, rows] = await Promise.all([
    repository.findInventoryEventIds(db, unique),
    repository.countTicketsByStatus(db, unique),
  ]);
  return unique
    .filter((eventId) => known.includes(eventId))
    .map((eventId) =>
      summarise(
        eventId,
        rows.filter((row) => row.eventId === eventId),
      ),
    );
}

/** The counts a live update carries. */
export async function liveCounts(db: Executor, eventId: string): Promise<AvailabilityUpdate['counts']> {
  const summary = summarise(eventId, await repository.countTicketsByStatus(db, [eventId]));
  const strip = (groups: Record<string, Counts>) =>
    Object.fromEntries(
      Object.entries(groups).map(([key, value]) => [key, { total: value.total, available: value.available }]),
    );
  return {
    total: summary.total,
    available: summary.available,
    held: summary.held,
    sold: summary.sold,
    byCategory: strip(summary.byCategory),
    byTicketType: strip(summary.byTicketType),
  };
}

export async function requireInventory(db: Executor, eventId: string): Promise<void> {
  if (!(await repository.findInventory(db, eventId))) throw new EventNotOnSaleError();
}

export async function getSeatMap(db: Executor, eventId: string): Promise<SeatMap> {
  const inventory = await repository.findInventory(db, eventId);
  if (!inventory) throw new EventNotOnSaleError();
  const [seats, ticketTypes, counts] = await Promise.all([
    repository.findSeatsOfEvent(db, eventId),
    repository.findTicketTypes(db, eventId),
    repository.countTicketsByStatus(db, [eventId]),
  ]);
  const summary = summarise(eventId, counts);
  const sections: SeatMap['sections'] = [];
  const sectionsByName = new Map<string, SeatMap['sections'][number]>();
  const rowsByKey = new Map<string, SeatMap['sections'][number]['rows'][number]>();
  for (const seat of seats) {
    let section = sectionsByName.get(seat.section);
    if (!section) {
      section = { name: seat.section, rows: [] };
      sectionsByName.set(seat.section, section);
      sections.push(section);
    }
    const rowKey = JSON.stringify([seat.section, seat.row]);
    let row = rowsByKey.get(rowKey);
    if (!row) {
      row = { name: seat.row, seats: [] };
      rowsByKey.set(rowKey, row);
      section.rows.push(row);
    }
    row.seats.push({
      id: seat.id,
      ticketId: seat.ticketId,
      label: seat.label,
      number: seat.number,
      x: seat.x,
      y: seat.y,
      category: seat.category,
      price: seat.price,
      accessible: seat.accessible,
      status: seat.status,
    });
  }
  return {
    eventId,
    currency: inventory.currency,
    status: inventory.status,
    salesStartAt: inventory.salesStartAt?.toISOString() ?? null,
    salesEndAt: inventory.salesEndAt?.toISOString() ?? null,
    sections,
    ticketTypes: ticketTypes.map((type) => ({
      id: type.id,
      name: type.name,
      price: type.price,
      total: summary.byTicketType[type.id]?.total ?? 0,
      available: summary.byTicketType[type.id]?.available ?? 0,
    })),
    categories: Object.entries(summary.byCategory)
      .map(([name, value]) => ({ name, total: value.total, available: value.available }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

/** The live-update form of tickets that just changed. */
export const changesOf = (tickets: repository.TicketRecord[]): SeatChange[] =>
  tickets.map((ticket) => ({
    ticketId: ticket.id,
    seatId: ticket.seatId,
    ticketTypeId: ticket.ticketTypeId,
    category: ticket.category,
    status: ticket.status,
  }));
