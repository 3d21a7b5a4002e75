// TypeBox schemas of the event service's requests and answers: one schema gives validation,
// handler types and the OpenAPI document. Money is in minor units of the event's currency.
import { Availability } from '@ticketing/contracts';
import { type Static, Type } from 'typebox';
import { ACCESSIBILITY_FLAGS } from './seat-map.js';

export const EVENT_TYPES = [
  'CONCERT',
  'SPORTS',
  'THEATER',
  'COMEDY',
  'CONFERENCE',
  'FESTIVAL',
  'OTHER',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
/** Where the organizer is in the event's life. */
export const LIFECYCLES = ['DRAFT', 'PUBLISHED', 'CANCELLED'] as const;
export type Lifecycle = (typeof LIFECYCLES)[number];
/** The brief's status, derived from the lifecycle and the clock (docs/adr: event status). */
export const STATUSES = ['ACTIVE', 'INACTIVE', 'CANCELLED'] as const;
export type EventStatus = (typeof STATUSES)[number];
export const SORTS = ['date', '-date', 'price', '-price', 'relevance'] as const;
export type EventSort = (typeof SORTS)[number];

const Id = Type.String({ format: 'uuid' });
const Instant = Type.String({ format: 'date-time', description: 'ISO 8601 with an offset' });
const Money = Type.Integer({ minimum: 0, maximum: 100_000_000, description: 'Minor units (cents)' });
const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: '\\S' });
const Category = Type.String({
  minLength: 1,
  maxLength: 50,
  pattern: '^[A-Za-z0-9][A-Za-z0-9 &._-]*$',
  description: 'A seat category, e.g. VIP, STANDARD',
});
const Keyword = Type.String({ minLength: 1, maxLength: 40, pattern: '^[\\p{L}\\p{N}][\\p{L}\\p{N} &._-]*$' });
const SeatPart = Type.String({ minLength: 1, maxLength: 20, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' });
const Flag = Type.Enum([...ACCESSIBILITY_FLAGS]);
const Coordinate = Type.Number({ minimum: 0, maximum: 100_000 });

export const ExplicitSeatInput = Type.Object(
  {
    row: SeatPart,
    number: SeatPart,
    x: Coordinate,
    y: Coordinate,
    category: Type.Optional(Category),
    price: Type.Optional(Money),
    accessibility: Type.Optional(Type.Array(Flag, { maxItems: 4 })),
    label: Type.Optional(Text(200)),
  },
  { additionalProperties: false },
);

export const SectionInput = Type.Object(
  {
    name: Text(100),
    category: Type.Optional(Category),
    price: Type.Optional(Money),
    rows: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    seatsPerRow: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
    curve: Type.Optional(
      Type.Number({ minimum: 0, maximum: 1, description: '0 straight rows … 1 rows bent through 120°' }),
    ),
    rowLabels: Type.Optional(Type.Enum(['letters', 'numbers'])),
    accessibility: Type.Optional(
      Type.Array(
        Type.Object(
          {
            row: SeatPart,
            seats: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 500 })),
            flags: Type.Array(Flag, { minItems: 1, maxItems: 4 }),
          },
          { additionalProperties: false },
        ),
        { maxItems: 200 },
      ),
    ),
    seats: Type.Optional(Type.Array(ExplicitSeatInput, { minItems: 1, maxItems: 20_000 })),
    x: Type.Optional(Coordinate),
    y: Type.Optional(Coordinate),
  },
  { additionalProperties: false },
);

export type ExplicitSeatInput = Static<typeof ExplicitSeatInput>;
export type SectionInput = Static<typeof SectionInput>;

export const VenueInput = Type.Object(
  {
    name: Type.Optional(Text(200)),
    sections: Type.Array(SectionInput, { maxItems: 50 }),
  },
  { additionalProperties: false },
);

export type VenueInput = Static<typeof VenueInput>;

export const TicketTypeInput = Type.Object(
  {
    id: Type.Optional(Id),
    name: Text(100),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    price: Type.Optional(Money),
    quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
  },
  { additionalProperties: false },
);

export type TicketTypeInput = Static<typeof TicketTypeInput>;

export const WaitingRoomInput = Type.Object(
  {
    enabled: Type.Boolean(),
    admitPerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  },
  { additionalProperties: false },
);

const eventFields = {
  title: Text(200),
  description: Type.Optional(Type.String({ maxLength: 20_000 })),
  location: Text(200),
  city: Type.Optional(Type.Union([Text(100), Type.Null()])),
  country: Type.Optional(Type.Union([Type.String({ pattern: '^[A-Z]{2}$' }), Type.Null()])),
  eventType: Type.Enum([...EVENT_TYPES]),
  startsAt: Instant,
  endsAt: Instant,
  timeZone: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone of the venue; UTC by default' }),
  ),
  salesStartAt: Type.Optional(Type.Union([Instant, Type.Null()])),
  salesEndAt: Type.Optional(Type.Union([Instant, Type.Null()])),
  imageUrl: Type.Optional(
    Type.Union([Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2_000 }), Type.Null()]),
  ),
  currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217, e.g. EUR' }),
  basePrice: Type.Optional(Money),
  capacity: Type.Optional(
    Type.Integer({ minimum: 0, description: 'Checked against the seat map and ticket types when given' }),
  ),
  categories: Type.Optional(Type.Array(Keyword, { maxItems: 10, uniqueItems: true })),
  tags: Type.Optional(Type.Array(Keyword, { maxItems: 20, uniqueItems: true })),
  venue: Type.Optional(VenueInput),
  ticketTypes: Type.Optional(Type.Array(TicketTypeInput, { maxItems: 50 })),
  waitingRoom: Type.Optional(WaitingRoomInput),
};

export const CreateEventBody = Type.Object(eventFields, { additionalProperties: false });
export type CreateEventBody = Static<typeof CreateEventBody>;

/** Every field optional; `venue` and `ticketTypes` replace the whole list when given. */
export const UpdateEventBody = Type.Partial(CreateEventBody, {
  additionalProperties: false,
  minProperties: 1,
});
export type UpdateEventBody = Static<typeof UpdateEventBody>;

export const CancelEventBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);

export const EventIdParams = Type.Object({ id: Id });

const DateOrInstant = Type.Union([Instant, Type.String({ format: 'date' })]);

export const EventSearchQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200, description: 'Words in title, description, location' })),
    type: Type.Optional(Type.Array(Type.Enum([...EVENT_TYPES]), { maxItems: EVENT_TYPES.length })),
    category: Type.Optional(Keyword),
    tag: Type.Optional(Keyword),
    city: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    from: Type.Optional(DateOrInstant),
    to: Type.Optional(DateOrInstant),
    minPrice: Type.Optional(Money),
    maxPrice: Type.Optional(Money),
    currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
    status: Type.Optional(Type.Enum([...LIFECYCLES, 'ACTIVE', 'INACTIVE'])),
    mine: Type.Optional(Type.Boolean({ description: 'Only the events I organize (any status)' })),
    organizerId: Type.Optional(Id),
    sort: Type.Optional(Type.Enum([...SORTS])),
    cursor: Type.Optional(Type.String({ maxLength: 1_000 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  },
  { additionalProperties: false },
);
export type EventSearchQuery = Static<typeof EventSearchQuery>;

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const EventSummary = Type.Object({
  id: Id,
  organizerId: Id,
  title: Type.String(),
  description: Type.String(),
  location: Type.String(),
  city: Nullable(Type.String()),
  country: Nullable(Type.String()),
  eventType: Type.Enum([...EVENT_TYPES]),
  lifecycle: Type.Enum([...LIFECYCLES]),
  status: Type.Enum([...STATUSES]),
  salesOpen: Type.Boolean(),
  timeZone: Type.String(),
  startsAt: Instant,
  endsAt: Instant,
  salesStartAt: Nullable(Instant),
  salesEndAt: Nullable(Instant),
  imageUrl: Nullable(Type.String()),
  currency: Type.String(),
  basePrice: Type.Integer(),
  minPrice: Type.Integer({ description: 'Cheapest ticket (the base price while nothing is on sale)' }),
  maxPrice: Type.Integer(),
  capacity: Type.Integer(),
  availableSeats: Nullable(Type.Integer({ description: 'From the ticket service; null when unknown' })),
  availability: Nullable(Availability),
  categories: Type.Array(Type.String()),
  tags: Type.Array(Type.String()),
  venueName: Nullable(Type.String()),
  waitingRoom: Type.Object({ enabled: Type.Boolean(), admitPerMinute: Nullable(Type.Integer()) }),
  createdAt: Instant,
  updatedAt: Instant,
  publishedAt: Nullable(Instant),
  cancelledAt: Nullable(Instant),
  cancelReason: Nullable(Type.String()),
});
export type EventSummary = Static<typeof EventSummary>;

export const SectionView = Type.Object({
  id: Id,
  name: Type.String(),
  category: Type.String(),
  price: Type.Integer(),
  layout: Type.Enum(['GENERATED', 'EXPLICIT']),
  rows: Nullable(Type.Integer()),
  seatsPerRow: Nullable(Type.Integer()),
  curve: Nullable(Type.Number()),
  rowLabels: Nullable(Type.String()),
  seatCount: Type.Integer(),
  x: Type.Number(),
  y: Type.Number(),
  width: Type.Number(),
  height: Type.Number(),
});
export type SectionView = Static<typeof SectionView>;

export const TicketTypeView = Type.Object({
  id: Id,
  name: Type.String(),
  description: Nullable(Type.String()),
  price: Type.Integer(),
  quantity: Type.Integer(),
});
export type TicketTypeView = Static<typeof TicketTypeView>;

export const EventDetail = Type.Object({
  ...EventSummary.properties,
  venue: Type.Object({ name: Nullable(Type.String()), sections: Type.Array(SectionView) }),
  ticketTypes: Type.Array(TicketTypeView),
});
export type EventDetail = Static<typeof EventDetail>;

export const EventPage = Type.Object({
  items: Type.Array(EventSummary),
  nextCursor: Nullable(Type.String()),
});
export type EventPage = Static<typeof EventPage>;

export const SeatView = Type.Object({
  id: Id,
  row: Type.String(),
  number: Type.String(),
  label: Type.String(),
  x: Type.Number(),
  y: Type.Number(),
  category: Type.String(),
  price: Type.Integer(),
  accessibility: Type.Array(Type.String()),
  accessible: Type.Boolean(),
});
export type SeatView = Static<typeof SeatView>;

export const SeatMapView = Type.Object({
  eventId: Id,
  width: Type.Number(),
  height: Type.Number(),
  sections: Type.Array(Type.Object({ ...SectionView.properties, seats: Type.Array(SeatView) })),
  ticketTypes: Type.Array(TicketTypeView),
});
export type SeatMapView = Static<typeof SeatMapView>;

export const AnalyticsQuery = Type.Object(
  { bucket: Type.Optional(Type.Enum(['hour', 'day', 'week'], { default: 'day' })) },
  { additionalProperties: false },
);

const SalesFigures = {
  ticketsSold: Type.Integer({ description: 'Sold and not cancelled' }),
  revenue: Type.Integer({ description: 'Of the tickets sold and not cancelled, minor units' }),
  capacity: Type.Integer(),
  sellThrough: Type.Number({ description: 'ticketsSold / capacity, 0 to 1' }),
};

export const SalesReport = Type.Object({
  eventId: Id,
  currency: Type.String(),
  ...SalesFigures,
  ticketsCancelled: Type.Integer(),
  grossRevenue: Type.Integer({ description: 'Every sale, cancelled ones included' }),
  refunded: Type.Integer(),
  byCategory: Type.Array(Type.Object({ category: Type.String(), ...SalesFigures })),
  byTicketType: Type.Array(
    Type.Object({ ticketTypeId: Id, name: Type.String(), price: Type.Integer(), ...SalesFigures }),
  ),
  timeline: Type.Array(
    Type.Object({
      bucketStart: Instant,
      sold: Type.Integer(),
      cancelled: Type.Integer(),
      revenue: Type.Integer({ description: 'Sales minus cancellations in the bucket' }),
      cumulativeSold: Type.Integer(),
      sellThrough: Type.Number(),
    }),
  ),
});
export type SalesReport = Static<typeof SalesReport>;
