// Drizzle definitions of the event service's tables (the DDL is in migrations/).
// The search columns are kept by a trigger and read only through SQL in repository.ts.
import {
  boolean,
  doublePrecision,
  integer,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

export const eventsSchema = pgSchema('events');

const instant = (name: string) => timestamp(name, { withTimezone: true });

export const events = eventsSchema.table('events', {
  id: uuid('id').primaryKey(),
  organizerId: uuid('organizer_id').notNull(),
  title: text('title').notNull(),
  description: text('description').notNull(),
  location: text('location').notNull(),
  city: text('city'),
  country: text('country'),
  eventType: text('event_type').notNull(),
  lifecycle: text('lifecycle').notNull(),
  timeZone: text('time_zone').notNull(),
  startsAt: instant('starts_at').notNull(),
  endsAt: instant('ends_at').notNull(),
  salesStartAt: instant('sales_start_at'),
  salesEndAt: instant('sales_end_at'),
  imageUrl: text('image_url'),
  currency: text('currency').notNull(),
  basePrice: integer('base_price').notNull(),
  minPrice: integer('min_price').notNull(),
  maxPrice: integer('max_price').notNull(),
  capacity: integer('capacity').notNull(),
  venueName: text('venue_name'),
  categories: text('categories').array().notNull(),
  tags: text('tags').array().notNull(),
  waitingRoomEnabled: boolean('waiting_room_enabled').notNull(),
  waitingRoomAdmitPerMinute: integer('waiting_room_admit_per_minute'),
  createdAt: instant('created_at').notNull(),
  updatedAt: instant('updated_at').notNull(),
  publishedAt: instant('published_at'),
  cancelledAt: instant('cancelled_at'),
  cancelReason: text('cancel_reason'),
});

export const sections = eventsSchema.table('sections', {
  id: uuid('id').primaryKey(),
  eventId: uuid('event_id').notNull(),
  position: integer('position').notNull(),
  name: text('name').notNull(),
  category: text('category').notNull(),
  price: integer('price').notNull(),
  layout: text('layout').$type<'GENERATED' | 'EXPLICIT'>().notNull(),
  rowCount: integer('row_count'),
  seatsPerRow: integer('seats_per_row'),
  curve: doublePrecision('curve'),
  rowLabels: text('row_labels').$type<'letters' | 'numbers'>(),
  seatCount: integer('seat_count').notNull(),
  originX: doublePrecision('origin_x').notNull(),
  originY: doublePrecision('origin_y').notNull(),
  width: doublePrecision('width').notNull(),
  height: doublePrecision('height').notNull(),
});

export const seats = eventsSchema.table('seats', {
  id: uuid('id').primaryKey(),
  eventId: uuid('event_id').notNull(),
  sectionId: uuid('section_id').notNull(),
  position: integer('position').notNull(),
  rowLabel: text('row_label').notNull(),
  number: text('number').notNull(),
  label: text('label').notNull(),
  category: text('category').notNull(),
  price: integer('price').notNull(),
  x: doublePrecision('x').notNull(),
  y: doublePrecision('y').notNull(),
  accessibility: text('accessibility').array().notNull(),
});

export const ticketTypes = eventsSchema.table('ticket_types', {
  id: uuid('id').primaryKey(),
  eventId: uuid('event_id').notNull(),
  position: integer('position').notNull(),
  name: text('name').notNull(),
  description: text('description'),
  price: integer('price').notNull(),
  quantity: integer('quantity').notNull(),
});

export const sales = eventsSchema.table(
  'sales',
  {
    orderId: uuid('order_id').notNull(),
    ticketId: uuid('ticket_id').notNull(),
    eventId: uuid('event_id').notNull(),
    seatId: uuid('seat_id'),
    ticketTypeId: uuid('ticket_type_id'),
    category: text('category'),
    price: integer('price').notNull(),
    soldAt: instant('sold_at').notNull(),
    cancelledAt: instant('cancelled_at'),
    cancelReason: text('cancel_reason'),
  },
  (table) => [primaryKey({ columns: [table.orderId, table.ticketId] })],
);

export type EventRow = typeof events.$inferSelect;
export type SectionRow = typeof sections.$inferSelect;
export type SeatRow = typeof seats.$inferSelect;
export type TicketTypeRow = typeof ticketTypes.$inferSelect;
export type SaleRow = typeof sales.$inferSelect;
