// The ticket service's API as other services, the web app and tests see it: holds, the
// internal calls the order service makes to sell, release and refund them, the seat map,
// live availability messages and check-in. Money in minor units of the event's currency.
import { type Static, type TSchema, Type } from 'typebox';

const Id = Type.String({ format: 'uuid' });
const Instant = Type.String({ format: 'date-time' });
const Money = Type.Integer({ minimum: 0, description: 'Minor units (cents) of the event currency' });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const TicketStatus = Type.Union([
  Type.Literal('AVAILABLE'),
  Type.Literal('LOCKED'),
  Type.Literal('SOLD'),
  Type.Literal('CANCELLED'),
]);
export type TicketStatus = Static<typeof TicketStatus>;

export const HoldStatus = Type.Union([
  Type.Literal('ACTIVE'),
  Type.Literal('RELEASED'),
  Type.Literal('EXPIRED'),
  Type.Literal('SOLD'),
]);
export type HoldStatus = Static<typeof HoldStatus>;

/** `POST /api/v1/holds`: exactly one of seatIds, items or best. */
export const CreateHoldBody = Type.Object(
  {
    eventId: Id,
    seatIds: Type.Optional(
      Type.Array(Id, {
        minItems: 1,
        maxItems: 100,
        uniqueItems: true,
        description: 'Seat ids of the seat map',
      }),
    ),
    items: Type.Optional(
      Type.Array(
        Type.Object(
          { ticketTypeId: Id, quantity: Type.Integer({ minimum: 1, maximum: 100 }) },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: 20 },
      ),
    ),
    best: Type.Optional(
      Type.Object(
        {
          quantity: Type.Integer({ minimum: 1, maximum: 100 }),
          category: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type CreateHoldBody = Static<typeof CreateHoldBody>;

/** A ticket as a hold or an order lists it. Seats have section/row/seat; GA units a ticket type. */
const heldTicketProperties = {
  id: Id,
  eventId: Id,
  seatId: Nullable(Id),
  ticketTypeId: Nullable(Id),
  ticketTypeName: Nullable(Type.String()),
  label: Type.String(),
  section: Nullable(Type.String()),
  row: Nullable(Type.String()),
  seat: Nullable(Type.String()),
  category: Nullable(Type.String()),
  price: Money,
  currency: Type.String(),
};
export const HeldTicket = Type.Object(heldTicketProperties);
export type HeldTicket = Static<typeof HeldTicket>;

export const HoldView = Type.Object({
  id: Id,
  eventId: Id,
  userId: Id,
  status: HoldStatus,
  expiresAt: Instant,
  createdAt: Instant,
  total: Money,
  currency: Type.String(),
  orderId: Nullable(Id),
  /** Set when the hold was made with a waiting-room admission: buying it needs the Queue-Token too. */
  queuePlaceId: Type.Optional(Nullable(Id)),
  tickets: Type.Array(HeldTicket),
});
export type HoldView = Static<typeof HoldView>;

/** `POST /api/v1/internal/holds/{id}/sell` (services): the hold's tickets become SOLD to the order. */
export const SellHoldBody = Type.Object(
  { orderId: Id, userId: Type.String({ format: 'uuid', description: 'Must be the hold owner' }) },
  { additionalProperties: false },
);
export type SellHoldBody = Static<typeof SellHoldBody>;

/** A sold ticket with its e-ticket: `code` is a compact JWS (EdDSA) that scanners verify offline. */
export const SoldTicket = Type.Object({
  ...heldTicketProperties,
  status: TicketStatus,
  orderId: Nullable(Id),
  ownerId: Nullable(Id),
  soldAt: Nullable(Instant),
  code: Nullable(Type.String()),
  checkedInAt: Nullable(Instant),
});
export type SoldTicket = Static<typeof SoldTicket>;

/** The answer to selling a hold; the same again for a repeated call with the same orderId. */
export const SoldHold = Type.Object({
  holdId: Id,
  orderId: Id,
  eventId: Id,
  userId: Id,
  soldAt: Instant,
  total: Money,
  currency: Type.String(),
  tickets: Type.Array(SoldTicket),
});
export type SoldHold = Static<typeof SoldHold>;

/** `POST /api/v1/internal/holds/{id}/release` (services): compensation when payment fails. */
export const ReleaseHoldBody = Type.Object(
  {
    userId: Type.Optional(Id),
    reason: Type.Union([Type.Literal('payment_failed'), Type.Literal('released')]),
  },
  { additionalProperties: false },
);
export type ReleaseHoldBody = Static<typeof ReleaseHoldBody>;

/**
 * `POST /api/v1/internal/tickets/release-sold` (services): a refund puts an order's sold
 * tickets (all, or the listed ones) back on sale and revokes their e-tickets; for a cancelled
 * event they become CANCELLED instead. Idempotent: tickets already released count as done.
 */
export const ReleaseSoldBody = Type.Object(
  {
    orderId: Id,
    ticketIds: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 1000, uniqueItems: true })),
    reason: Type.Literal('refunded'),
  },
  { additionalProperties: false },
);
export type ReleaseSoldBody = Static<typeof ReleaseSoldBody>;

export const ReleasedSold = Type.Object({
  orderId: Id,
  /** Tickets this call released (0 when repeated). */
  released: Type.Integer(),
  tickets: Type.Array(Type.Object({ id: Id, status: TicketStatus })),
});
export type ReleasedSold = Static<typeof ReleasedSold>;

const SeatView = Type.Object({
  id: Id,
  ticketId: Id,
  label: Type.String(),
  number: Type.String(),
  x: Type.Number(),
  y: Type.Number(),
  category: Type.String(),
  price: Money,
  accessible: Type.Boolean(),
  status: TicketStatus,
});

/** `GET /api/v1/events/{id}/seats` (public). */
export const SeatMap = Type.Object({
  eventId: Id,
  currency: Type.String(),
  status: Type.Union([Type.Literal('ON_SALE'), Type.Literal('CANCELLED')]),
  salesStartAt: Nullable(Instant),
  salesEndAt: Nullable(Instant),
  sections: Type.Array(
    Type.Object({
      name: Type.String(),
      rows: Type.Array(Type.Object({ name: Type.String(), seats: Type.Array(SeatView) })),
    }),
  ),
  ticketTypes: Type.Array(
    Type.Object({
      id: Id,
      name: Type.String(),
      price: Money,
      total: Type.Integer(),
      available: Type.Integer(),
    }),
  ),
  categories: Type.Array(
    Type.Object({ name: Type.String(), total: Type.Integer(), available: Type.Integer() }),
  ),
});
export type SeatMap = Static<typeof SeatMap>;

/** One ticket's new status, as live updates carry it. */
export const SeatChange = Type.Object({
  ticketId: Id,
  seatId: Nullable(Id),
  ticketTypeId: Nullable(Id),
  category: Nullable(Type.String()),
  status: TicketStatus,
});
export type SeatChange = Static<typeof SeatChange>;

/**
 * The `data` of an `availability` Server-Sent Event on `/api/v1/events/{id}/availability/stream`:
 * the changes of the last interval (at most every 250 ms) and fresh counts. With `resync` the
 * changes were too many to list: reload the seat map. The first event, `snapshot`, has only counts.
 */
export const AvailabilityUpdate = Type.Object({
  eventId: Id,
  changes: Type.Array(SeatChange),
  resync: Type.Boolean(),
  counts: Type.Object({
    total: Type.Integer(),
    available: Type.Integer(),
    held: Type.Integer(),
    sold: Type.Integer(),
    byCategory: Type.Record(Type.String(), Type.Object({ total: Type.Integer(), available: Type.Integer() })),
    byTicketType: Type.Record(
      Type.String(),
      Type.Object({ total: Type.Integer(), available: Type.Integer() }),
    ),
  }),
});
export type AvailabilityUpdate = Static<typeof AvailabilityUpdate>;

/** `POST /api/v1/checkin` (STAFF, ADMIN). */
export const CheckinBody = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 2000 }),
    /** The event being scanned for; a ticket of another event is refused. */
    eventId: Type.Optional(Id),
  },
  { additionalProperties: false },
);
export type CheckinBody = Static<typeof CheckinBody>;

export const CheckinResult = Type.Object({
  admitted: Type.Literal(true),
  ticketId: Id,
  eventId: Id,
  label: Type.String(),
  category: Nullable(Type.String()),
  ticketTypeName: Nullable(Type.String()),
  checkedInAt: Instant,
  checkedInBy: Id,
});
export type CheckinResult = Static<typeof CheckinResult>;
