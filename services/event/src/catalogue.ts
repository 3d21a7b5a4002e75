// The organizer's catalogue: creating events with their seat maps and ticket types, editing
// them (within what publishing and sales allow), reading them, deleting drafts.
import type { Clock, Database, Executor, Identity } from '@ticketing/platform';
import { newId } from '@ticketing/platform';
import { type AvailabilityDeps, availabilityOf } from './availability.js';
import {
  EventCancelledError,
  EventNotFoundError,
  NotADraftError,
  PriceRequiredError,
  WaitingRoomLockedError,
} from './errors.js';
import { checkCapacity, checkCurrency, checkSchedule, checkTimeZone, type Schedule } from './event-rules.js';
import { type EventRecord, present, toEventRecord, toSeatMapView } from './event-views.js';
import {
  doorOf,
  emptyInventory,
  generalAdmissionOf,
  guardPublishedInventory,
  guardSoldTickets,
  type Inventory,
  planSeating,
  planTicketTypes,
  priceRange,
  waitingRoomOf,
} from './inventory.js';
import { assertCanManage, canView } from './ownership.js';
import * as repository from './repository.js';
import type { CreateEventBody, EventDetail, SeatMapView, UpdateEventBody } from './schema.js';
import type { EventRow } from './tables.js';

export const EVENT_SCHEMA = 'events';

export interface CatalogueDeps extends AvailabilityDeps {
  db: Database;
  clock: Clock;
}

const toDate = (value: string | null) => (value === null ? null : new Date(value));
/** Keywords are matched case-insensitively, so they are stored in lower case. */
const keywords = (values: string[] | undefined) => [
  ...new Set((values ?? []).map((value) => value.trim().toLowerCase())),
];

/** The base price given, else the cheapest ticket; an event with neither has no price at all. */
function resolveBasePrice(basePrice: number | undefined, inventory: Inventory): number {
  if (basePrice !== undefined) return basePrice;
  if (inventory.seats.length === 0 && inventory.ticketTypes.length === 0)
    throw new PriceRequiredError('basePrice');
  return priceRange(inventory, 0).minPrice;
}

/** One query after the other: inside a transaction they share one connection. */
export async function loadInventory(db: Executor, event: EventRow): Promise<Inventory> {
  const sections = await repository.findSections(db, event.id);
  const seats = await repository.findSeats(db, event.id);
  const ticketTypes = await repository.findTicketTypes(db, event.id);
  return { venueName: event.venueName, sections, seats, ticketTypes };
}

async function loadRecord(db: Executor, eventId: string): Promise<EventRecord | undefined> {
  const event = await repository.findEvent(db, eventId);
  if (!event) return undefined;
  const [sections, ticketTypes] = await Promise.all([
    repository.findSections(db, eventId),
    repository.findTicketTypes(db, eventId),
  ]);
  return toEventRecord(event, sections, ticketTypes);
}

export async function createEvent(
  deps: CatalogueDeps,
  organizer: Identity,
  input: CreateEventBody,
): Promise<EventDetail> {
  checkCurrency(input.currency);
  const timeZone = input.timeZone ?? 'UTC';
  checkTimeZone(timeZone);
  const schedule: Schedule = {
    startsAt: new Date(input.startsAt),
    endsAt: new Date(input.endsAt),
    salesStartAt: toDate(input.salesStartAt ?? null),
    salesEndAt: toDate(input.salesEndAt ?? null),
  };
  checkSchedule(schedule);
  const id = newId();
  const seating = input.venue
    ? planSeating(id, input.venue, input.basePrice, emptyInventory)
    : emptyInventory;
  const inventory: Inventory = {
    ...seating,
    ticketTypes: input.ticketTypes ? planTicketTypes(id, input.ticketTypes, input.basePrice, []) : [],
  };
  const capacity = checkCapacity(input.capacity, inventory.seats.length, generalAdmissionOf(inventory));
  const basePrice = resolveBasePrice(input.basePrice, inventory);
  const now = deps.clock.now();
  const row = await deps.db.transaction(async (tx) => {
    const event = await repository.insertEvent(tx, {
      id,
      organizerId: organizer.userId,
      title: input.title.trim(),
      description: input.description?.trim() ?? '',
      location: input.location.trim(),
      city: input.city?.trim() ?? null,
      country: input.country ?? null,
      eventType: input.eventType,
      lifecycle: 'DRAFT',
      timeZone,
      ...schedule,
      imageUrl: input.imageUrl ?? null,
      currency: input.currency,
      basePrice,
      ...priceRange(inventory, basePrice),
      capacity,
      venueName: inventory.venueName,
      categories: keywords(input.categories),
      tags: keywords(input.tags),
      waitingRoomEnabled: input.waitingRoom?.enabled ?? false,
      waitingRoomAdmitPerMinute: input.waitingRoom?.admitPerMinute ?? null,
      createdAt: now,
      updatedAt: now,
    });
    await repository.replaceVenue(tx, id, inventory.sections, inventory.seats);
    await repository.replaceTicketTypes(tx, id, inventory.ticketTypes);
    return event;
  });
  await deps.cache.eventChanged(id);
  return present(toEventRecord(row, inventory.sections, inventory.ticketTypes), now, undefined);
}

/**
 * Applies the given fields. `venue` and `ticketTypes` replace the whole seat map or list.
 * A draft may change anything; a published event keeps what its tickets are sold from
 * (seats, ticket types, currency, sales window) and never loses sold tickets; a cancelled
 * event changes no more. All of it in one transaction on the locked event row.
 */
export async function updateEvent(
  deps: CatalogueDeps,
  actor: Identity,
  eventId: string,
  input: UpdateEventBody,
): Promise<EventDetail> {
  const now = deps.clock.now();
  const record = await deps.db.transaction(async (tx) => {
    const row = await repository.lockEvent(tx, eventId);
    if (!row) throw new EventNotFoundError();
    assertCanManage(actor, row);
    if (row.lifecycle === 'CANCELLED') throw new EventCancelledError();
    if (input.currency !== undefined) checkCurrency(input.currency);
    if (input.timeZone !== undefined) checkTimeZone(input.timeZone);
    const schedule: Schedule = {
      startsAt: input.startsAt !== undefined ? new Date(input.startsAt) : row.startsAt,
      endsAt: input.endsAt !== undefined ? new Date(input.endsAt) : row.endsAt,
      salesStartAt: input.salesStartAt !== undefined ? toDate(input.salesStartAt) : row.salesStartAt,
      salesEndAt: input.salesEndAt !== undefined ? toDate(input.salesEndAt) : row.salesEndAt,
    };
    checkSchedule(schedule);
    const basePrice = input.basePrice ?? row.basePrice;
    const current = await loadInventory(tx, row);
    const seating = input.venue ? planSeating(eventId, input.venue, basePrice, current) : current;
    const next: Inventory = {
      venueName: seating.venueName,
      sections: seating.sections,
      seats: seating.seats,
      ticketTypes: input.ticketTypes
        ? planTicketTypes(eventId, input.ticketTypes, basePrice, current.ticketTypes)
        : current.ticketTypes,
    };
    if (row.lifecycle === 'PUBLISHED') {
      guardSoldTickets(await repository.findSoldTickets(tx, eventId), current, next, input.capacity);
      guardPublishedInventory(row, schedule, input.currency ?? row.currency, current, next);
    }
    const capacity = checkCapacity(input.capacity, next.seats.length, generalAdmissionOf(next));
    if (row.lifecycle === 'PUBLISHED' && input.waitingRoom !== undefined) {
      // Until the on-sale the ticket service takes the change (in this transaction: a refusal undoes the edit).
      if (!row.salesStartAt || row.salesStartAt.getTime() <= now.getTime())
        throw new WaitingRoomLockedError(row.salesStartAt);
      await deps.tickets.configureWaitingRoom(eventId, {
        ...waitingRoomOf({
          waitingRoomEnabled: input.waitingRoom.enabled,
          waitingRoomAdmitPerMinute: input.waitingRoom.admitPerMinute ?? null,
        })!,
        enabled: input.waitingRoom.enabled,
        onSaleAt: row.salesStartAt.toISOString(),
      });
    }
    const updated = await repository.updateEvent(tx, eventId, {
      ...(input.title !== undefined && { title: input.title.trim() }),
      ...(input.description !== undefined && { description: input.description.trim() }),
      ...(input.location !== undefined && { location: input.location.trim() }),
      ...(input.city !== undefined && { city: input.city?.trim() ?? null }),
      ...(input.country !== undefined && { country: input.country }),
      ...(input.eventType !== undefined && { eventType: input.eventType }),
      ...(input.timeZone !== undefined && { timeZone: input.timeZone }),
      ...(input.imageUrl !== undefined && { imageUrl: input.imageUrl }),
      ...(input.currency !== undefined && { currency: input.currency }),
      ...(input.categories !== undefined && { categories: keywords(input.categories) }),
      ...(input.tags !== undefined && { tags: keywords(input.tags) }),
      ...(input.waitingRoom !== undefined && {
        waitingRoomEnabled: input.waitingRoom.enabled,
        waitingRoomAdmitPerMinute: input.waitingRoom.admitPerMinute ?? null,
      }),
      ...schedule,
      basePrice,
      ...priceRange(next, basePrice),
      capacity,
      venueName: next.venueName,
      updatedAt: now,
    });
    // A rescheduled published event moves its door (in this transaction: a refusal undoes the edit).
    const rescheduled =
      schedule.startsAt.getTime() !== row.startsAt.getTime() ||
      schedule.endsAt.getTime() !== row.endsAt.getTime();
    if (row.lifecycle === 'PUBLISHED' && rescheduled)
      await deps.tickets.setDoor(eventId, doorOf({ organizerId: row.organizerId, ...schedule })!);
    // A published event's seats and ticket types are what guardPublishedInventory kept unchanged.
    if (row.lifecycle === 'DRAFT') {
      if (input.venue) await repository.replaceVenue(tx, eventId, next.sections, next.seats);
      if (input.ticketTypes) await repository.replaceTicketTypes(tx, eventId, next.ticketTypes);
    }
    return toEventRecord(updated, next.sections, next.ticketTypes);
  });
  await deps.cache.eventChanged(eventId);
  const availability =
    record.lifecycle === 'PUBLISHED' ? (await availabilityOf(deps, [eventId])).get(eventId) : undefined;
  return present(record, now, availability);
}

/** One event as the caller may see it; drafts exist only for their organizer and admins. */
export async function getEvent(
  deps: CatalogueDeps,
  actor: Identity | undefined,
  eventId: string,
): Promise<EventDetail> {
  // A read the replica may answer once it has replayed the event's last change.
  const record = await deps.cache.event(eventId, (after) =>
    deps.db.reads.read((orm) => loadRecord(orm, eventId), after),
  );
  if (!record || !canView(actor, record)) throw new EventNotFoundError();
  const availability =
    record.lifecycle === 'PUBLISHED' ? (await availabilityOf(deps, [eventId])).get(eventId) : undefined;
  return present(record, deps.clock.now(), availability);
}

/** The full seat map with every seat's coordinates, category, price and accessibility. */
export async function getSeatMap(
  deps: CatalogueDeps,
  actor: Identity | undefined,
  eventId: string,
): Promise<SeatMapView> {
  const event = await repository.findEvent(deps.db.orm, eventId);
  if (!event || !canView(actor, event)) throw new EventNotFoundError();
  const inventory = await loadInventory(deps.db.orm, event);
  return toSeatMapView(eventId, inventory.sections, inventory.seats, inventory.ticketTypes);
}

/** A draft that never went on sale can go entirely; anything published is cancelled instead. */
export async function deleteDraft(deps: CatalogueDeps, actor: Identity, eventId: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const row = await repository.lockEvent(tx, eventId);
    if (!row) throw new EventNotFoundError();
    assertCanManage(actor, row);
    if (row.lifecycle !== 'DRAFT' || row.publishedAt !== null) throw new NotADraftError();
    await repository.deleteEvent(tx, eventId);
  });
  await deps.cache.eventChanged(eventId);
}
