// What the event service hands the ticket service when an event is published:
// one entry per reserved seat and one per general-admission ticket type. Money in
// minor units of the event's currency.
import { type Static, Type } from 'typebox';
import { WaitingRoomSettings } from './queue.js';

const Id = Type.String({ format: 'uuid' });
const Money = Type.Integer({ minimum: 0, description: 'Minor units (cents) of the event currency' });

export const InventorySeat = Type.Object(
  {
    seatId: Id,
    section: Type.String({ minLength: 1, maxLength: 100 }),
    row: Type.String({ minLength: 1, maxLength: 20 }),
    number: Type.String({ minLength: 1, maxLength: 20 }),
    /** Human label, e.g. "Stalls · Row C · Seat 12". */
    label: Type.String({ minLength: 1, maxLength: 200 }),
    category: Type.String({ minLength: 1, maxLength: 50 }),
    price: Money,
    x: Type.Number(),
    y: Type.Number(),
    accessible: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type InventorySeat = Static<typeof InventorySeat>;

export const InventoryTicketType = Type.Object(
  {
    ticketTypeId: Id,
    name: Type.String({ minLength: 1, maxLength: 100 }),
    price: Money,
    quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
  },
  { additionalProperties: false },
);
export type InventoryTicketType = Static<typeof InventoryTicketType>;

/**
 * What the door needs to know of the event: whose it is (staff check in only their organizers'
 * events) and when it runs (check-in opens some time before startsAt, closes at endsAt). Also
 * `PUT /api/v1/internal/inventory/{eventId}/door` on its own, when a published event is rescheduled.
 */
export const InventoryDoor = Type.Object(
  {
    organizerId: Id,
    startsAt: Type.String({ format: 'date-time' }),
    endsAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
export type InventoryDoor = Static<typeof InventoryDoor>;

/**
 * `PUT /api/v1/internal/inventory/{eventId}` on the ticket service (services only).
 * Idempotent: the same body again answers 200 with `created: false`; a different body
 * for an event that already has inventory answers 409.
 */
export const CreateInventoryBody = Type.Object(
  {
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    salesStartAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    salesEndAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    seats: Type.Array(InventorySeat, { maxItems: 200_000 }),
    ticketTypes: Type.Array(InventoryTicketType, { maxItems: 100 }),
    /** The event's waiting room; not part of what makes two bodies the same inventory (it may change until the on-sale). */
    waitingRoom: Type.Optional(WaitingRoomSettings),
    /** The event's organizer and schedule, for the door; outside the fingerprint too (an event may be rescheduled). */
    door: Type.Optional(InventoryDoor),
  },
  { additionalProperties: false },
);
export type CreateInventoryBody = Static<typeof CreateInventoryBody>;

export const InventoryCreated = Type.Object({
  eventId: Id,
  created: Type.Boolean(),
  tickets: Type.Integer(),
});

/** Counts per event, per seat category and per ticket type (`GET /api/v1/internal/availability`). */
export const Availability = Type.Object({
  eventId: Id,
  total: Type.Integer(),
  available: Type.Integer(),
  held: Type.Integer(),
  sold: Type.Integer(),
  byCategory: Type.Record(
    Type.String(),
    Type.Object({ total: Type.Integer(), available: Type.Integer(), sold: Type.Integer() }),
  ),
  byTicketType: Type.Record(
    Type.String(),
    Type.Object({ total: Type.Integer(), available: Type.Integer(), sold: Type.Integer() }),
  ),
});
export type Availability = Static<typeof Availability>;
