// What an event puts on sale: its seats (from the seat map) and its general-admission ticket
// types. Plans them from the organizer's input keeping the ids of unchanged seats and ticket
// types, builds the body the ticket service receives on publish, and guards what is sold.
import { isDeepStrictEqual } from 'node:util';
import type { CreateInventoryBody, InventoryDoor, WaitingRoomSettings } from '@ticketing/contracts';
import { newId } from '@ticketing/platform';
import {
  CapacityBelowSoldError,
  DuplicateTicketTypeError,
  InventoryLockedError,
  PriceRequiredError,
  SeatSoldError,
  UnknownTicketTypeError,
} from './errors.js';
import type { SoldTickets } from './repository.js';
import type { TicketTypeInput, VenueInput } from './schema.js';
import { planVenue, seatKey } from './seat-map.js';
import type { SeatRow, SectionRow, TicketTypeRow } from './tables.js';

export interface Inventory {
  venueName: string | null;
  sections: SectionRow[];
  seats: SeatRow[];
  ticketTypes: TicketTypeRow[];
}

export const emptyInventory: Inventory = { venueName: null, sections: [], seats: [], ticketTypes: [] };

export const generalAdmissionOf = (inventory: Inventory) =>
  inventory.ticketTypes.reduce((sum, ticketType) => sum + ticketType.quantity, 0);

/** The cheapest and dearest ticket; the base price while nothing is on sale yet. */
export function priceRange(inventory: Inventory, basePrice: number): { minPrice: number; maxPrice: number } {
  let minPrice = Number.POSITIVE_INFINITY;
  let maxPrice = Number.NEGATIVE_INFINITY;
  for (const { price } of [...inventory.seats, ...inventory.ticketTypes]) {
    if (price < minPrice) minPrice = price;
    if (price > maxPrice) maxPrice = price;
  }
  return Number.isFinite(minPrice) ? { minPrice, maxPrice } : { minPrice: basePrice, maxPrice: basePrice };
}

/** Lays out the venue; seats and sections keep their ids when their names stay the same. */
export function planSeating(
  eventId: string,
  venue: VenueInput,
  basePrice: number | undefined,
  previous: Pick<Inventory, 'sections' | 'seats'>,
): Pick<Inventory, 'venueName' | 'sections' | 'seats'> {
  const planned = planVenue(venue.sections, basePrice);
  const previousSections = new Map(previous.sections.map((section) => [section.name, section.id]));
  const sectionNames = new Map(previous.sections.map((section) => [section.id, section.name]));
  const previousSeats = new Map(
    previous.seats.map((seat) => [
      seatKey(sectionNames.get(seat.sectionId) ?? '', seat.rowLabel, seat.number),
      seat.id,
    ]),
  );
  const seatCounts = new Map<number, number>();
  for (const seat of planned.seats)
    seatCounts.set(seat.sectionIndex, (seatCounts.get(seat.sectionIndex) ?? 0) + 1);
  const sections: SectionRow[] = planned.sections.map((section, position) => ({
    id: previousSections.get(section.name) ?? newId(),
    eventId,
    position,
    name: section.name,
    category: section.category,
    price: section.price,
    layout: section.layout,
    rowCount: section.rowCount,
    seatsPerRow: section.seatsPerRow,
    curve: section.curve,
    rowLabels: section.rowLabels,
    seatCount: seatCounts.get(position) ?? 0,
    originX: section.originX,
    originY: section.originY,
    width: section.width,
    height: section.height,
  }));
  const seats: SeatRow[] = planned.seats.map((seat, position) => {
    const section = sections[seat.sectionIndex]!;
    return {
      id: previousSeats.get(seatKey(section.name, seat.row, seat.number)) ?? newId(),
      eventId,
      sectionId: section.id,
      position,
      rowLabel: seat.row,
      number: seat.number,
      label: seat.label,
      category: seat.category,
      price: seat.price,
      x: seat.x,
      y: seat.y,
      accessibility: seat.accessibility,
    };
  });
  return { venueName: venue.name?.trim() ?? null, sections, seats };
}

/** Ticket types keep their id when the input names it (or, without an id, keeps the name). */
export function planTicketTypes(
  eventId: string,
  inputs: TicketTypeInput[],
  basePrice: number | undefined,
  previous: TicketTypeRow[],
): TicketTypeRow[] {
  const byId = new Map(previous.map((ticketType) => [ticketType.id, ticketType]));
  const byName = new Map(previous.map((ticketType) => [ticketType.name.toLowerCase(), ticketType]));
  const names = new Set<string>();
  const ids = new Set<string>();
  return inputs.map((input, position) => {
    const field = `ticketTypes.${position}`;
    const name = input.name.trim();
    if (names.has(name.toLowerCase())) throw new DuplicateTicketTypeError(`${field}.name`, name);
    names.add(name.toLowerCase());
    if (input.id !== undefined && (!byId.has(input.id) || ids.has(input.id)))
      throw new UnknownTicketTypeError(`${field}.id`);
    const price = input.price ?? basePrice;
    if (price === undefined) throw new PriceRequiredError(`${field}.price`);
    const sameName = byName.get(name.toLowerCase())?.id;
    // An id another input claims explicitly stays with that input.
    const claimed = (candidate: string) =>
      ids.has(candidate) || inputs.some((other) => other.id === candidate);
    const id = input.id ?? (sameName && !claimed(sameName) ? sameName : newId());
    ids.add(id);
    return {
      id,
      eventId,
      position,
      name,
      description: input.description?.trim() || null,
      price,
      quantity: input.quantity,
    };
  });
}

/** What the ticket service receives on publish; the same inventory always gives the same body. */
/** The admission rate of a waiting room whose organizer did not set one. */
export const DEFAULT_ADMIT_PER_MINUTE = 300;

/** The event's waiting room as the ticket service takes it (undefined: the event never had one). */
export function waitingRoomOf(event: {
  waitingRoomEnabled?: boolean;
  waitingRoomAdmitPerMinute?: number | null;
}): WaitingRoomSettings | undefined {
  if (!event.waitingRoomEnabled && !event.waitingRoomAdmitPerMinute) return undefined;
  return {
    enabled: event.waitingRoomEnabled ?? false,
    admitPerMinute: event.waitingRoomAdmitPerMinute ?? DEFAULT_ADMIT_PER_MINUTE,
  };
}

/** The door facts of an event, when it has all three. */
export function doorOf(event: {
  organizerId?: string;
  startsAt?: Date;
  endsAt?: Date;
}): InventoryDoor | undefined {
  if (!event.organizerId || !event.startsAt || !event.endsAt) return undefined;
  return {
    organizerId: event.organizerId,
    startsAt: event.startsAt.toISOString(),
    endsAt: event.endsAt.toISOString(),
  };
}

export function inventoryBody(
  event: {
    currency: string;
    salesStartAt: Date | null;
    salesEndAt: Date | null;
    waitingRoomEnabled?: boolean;
    waitingRoomAdmitPerMinute?: number | null;
    /** Whose event and when it runs: the ticket service's door checks staff and times against them. */
    organizerId?: string;
    startsAt?: Date;
    endsAt?: Date;
  },
  inventory: Inventory,
): CreateInventoryBody {
  const sectionNames = new Map(inventory.sections.map((section) => [section.id, section.name]));
  const waitingRoom = waitingRoomOf(event);
  const door = doorOf(event);
  return {
    ...(waitingRoom && { waitingRoom }),
    ...(door && { door }),
    currency: event.currency,
    salesStartAt: event.salesStartAt?.toISOString() ?? null,
    salesEndAt: event.salesEndAt?.toISOString() ?? null,
    seats: inventory.seats.map((seat) => ({
      seatId: seat.id,
      section: sectionNames.get(seat.sectionId)!,
      row: seat.rowLabel,
      number: seat.number,
      label: seat.label,
      category: seat.category,
      price: seat.price,
      x: seat.x,
      y: seat.y,
      accessible: seat.accessibility.length > 0,
    })),
    ticketTypes: inventory.ticketTypes.map((ticketType) => ({
      ticketTypeId: ticketType.id,
      name: ticketType.name,
      price: ticketType.price,
      quantity: ticketType.quantity,
    })),
  };
}

/**
 * What an edit of a published event must not do to tickets already sold: leave less room
 * than is sold, drop or shrink a ticket type below its sales, or move, reprice or remove a sold seat.
 */
export function guardSoldTickets(
  sold: SoldTickets,
  current: Inventory,
  next: Inventory,
  declaredCapacity: number | undefined,
): void {
  if (sold.total === 0) return;
  const nextCapacity = next.seats.length + generalAdmissionOf(next);
  if (declaredCapacity !== undefined && declaredCapacity < sold.total)
    throw new CapacityBelowSoldError(
      'capacity',
      `${declaredCapacity} is below the ${sold.total} tickets already sold`,
      sold.total,
    );
  for (const [ticketTypeId, count] of sold.byTicketType) {
    const name =
      current.ticketTypes.find((ticketType) => ticketType.id === ticketTypeId)?.name ?? ticketTypeId;
    const index = next.ticketTypes.findIndex((ticketType) => ticketType.id === ticketTypeId);
    if (index === -1)
      throw new CapacityBelowSoldError(
        'ticketTypes',
        `"${name}" cannot go: ${count} of its tickets are sold`,
        count,
      );
    const quantity = next.ticketTypes[index]!.quantity;
    if (quantity < count)
      throw new CapacityBelowSoldError(
        `ticketTypes.${index}.quantity`,
        `${quantity} is below the ${count} tickets of "${name}" already sold`,
        count,
      );
  }
  const nextSeats = new Map(next.seats.map((seat) => [seat.id, seat]));
  const changed = current.seats.filter((seat) => {
    if (!sold.seatIds.has(seat.id)) return false;
    const after = nextSeats.get(seat.id);
    return (
      !after || after.price !== seat.price || after.category !== seat.category || after.label !== seat.label
    );
  });
  if (changed.length > 0) throw new SeatSoldError(changed[0]!.label, changed.length);
  if (nextCapacity < sold.total)
    throw new CapacityBelowSoldError(
      'venue.sections',
      `${nextCapacity} seats and tickets are fewer than the ${sold.total} already sold`,
      sold.total,
    );
}

/**
 * A published event's tickets are on sale in the ticket service, which has no way yet to change
 * an inventory: whatever the inventory body is made of (currency, sales window, seats, ticket
 * types) must stay as it is. Sending the same seat map or ticket types again is fine.
 */
export function guardPublishedInventory(
  event: { currency: string; salesStartAt: Date | null; salesEndAt: Date | null },
  schedule: { salesStartAt: Date | null; salesEndAt: Date | null },
  currency: string,
  current: Inventory,
  next: Inventory,
): void {
  const sameInstant = (a: Date | null, b: Date | null) => (a?.getTime() ?? null) === (b?.getTime() ?? null);
  if (currency !== event.currency) throw new InventoryLockedError('currency');
  if (!sameInstant(schedule.salesStartAt, event.salesStartAt)) throw new InventoryLockedError('salesStartAt');
  if (!sameInstant(schedule.salesEndAt, event.salesEndAt)) throw new InventoryLockedError('salesEndAt');
  const before = inventoryBody(event, current);
  const after = inventoryBody(event, next);
  if (!isDeepStrictEqual(before.seats, after.seats)) throw new InventoryLockedError('venue.sections');
  if (!isDeepStrictEqual(before.ticketTypes, after.ticketTypes))
    throw new InventoryLockedError('ticketTypes');
}
