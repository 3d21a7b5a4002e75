// Drizzle definitions of the ticket service's tables (the DDL is in migrations/).
import {
  bigint,
  boolean,
  doublePrecision,
  integer,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

/** The Postgres schema the ticket service owns. */
export const TICKET_SCHEMA = 'tickets';
export const ticketsSchema = pgSchema(TICKET_SCHEMA);

const instant = (name: string) => timestamp(name, { withTimezone: true });

export const inventories = ticketsSchema.table('inventories', {
  eventId: uuid('event_id').primaryKey(),
  currency: text('currency').notNull(),
  salesStartAt: instant('sales_start_at'),
  salesEndAt: instant('sales_end_at'),
  status: text('status').$type<'ON_SALE' | 'CANCELLED'>().notNull(),
  fingerprint: text('fingerprint').notNull(),
  ticketCount: integer('ticket_count').notNull(),
  stageX: doublePrecision('stage_x'),
  stageY: doublePrecision('stage_y'),
  createdAt: instant('created_at').notNull(),
  cancelledAt: instant('cancelled_at'),
  /** The door facts (all three or none): whose event, and when it runs. */
  organizerId: uuid('organizer_id'),
  startsAt: instant('starts_at'),
  endsAt: instant('ends_at'),
});

export const ticketTypes = ticketsSchema.table('ticket_types', {
  id: uuid('id').primaryKey(),
  eventId: uuid('event_id').notNull(),
  name: text('name').notNull(),
  price: integer('price').notNull(),
  quantity: integer('quantity').notNull(),
  position: integer('position').notNull(),
});

export type HoldStatus = 'ACTIVE' | 'RELEASED' | 'EXPIRED' | 'SOLD';
export type HoldKind = 'SEATS' | 'BEST' | 'QUANTITY';
export type HoldEndReason = 'released' | 'expired' | 'payment_failed' | 'event_cancelled' | 'sold';

export const holds = ticketsSchema.table('holds', {
  id: uuid('id').primaryKey(),
  eventId: uuid('event_id').notNull(),
  userId: uuid('user_id').notNull(),
  status: text('status').$type<HoldStatus>().notNull(),
  kind: text('kind').$type<HoldKind>().notNull(),
  ticketCount: integer('ticket_count').notNull(),
  total: integer('total').notNull(),
  currency: text('currency').notNull(),
  expiresAt: instant('expires_at').notNull(),
  createdAt: instant('created_at').notNull(),
  endedAt: instant('ended_at'),
  endReason: text('end_reason').$type<HoldEndReason>(),
  orderId: uuid('order_id'),
  /** The queue place whose admission this hold was made with (a queued on-sale), else null. */
  queuePlaceId: uuid('queue_place_id'),
});

export type TicketStatus = 'AVAILABLE' | 'LOCKED' | 'SOLD' | 'CANCELLED';

export const tickets = ticketsSchema.table('tickets', {
  id: uuid('id').primaryKey(),
  eventId: uuid('event_id').notNull(),
  seatId: uuid('seat_id'),
  ticketTypeId: uuid('ticket_type_id'),
  unitNumber: integer('unit_number'),
  section: text('section'),
  rowLabel: text('row_label'),
  seatNumber: text('seat_number'),
  label: text('label').notNull(),
  category: text('category'),
  price: integer('price').notNull(),
  x: doublePrecision('x'),
  y: doublePrecision('y'),
  accessible: boolean('accessible').notNull(),
  seatPosition: integer('seat_position'),
  rowDistance: doublePrecision('row_distance'),
  status: text('status').$type<TicketStatus>().notNull(),
  holdId: uuid('hold_id'),
  lockedBy: uuid('locked_by'),
  lockedUntil: instant('locked_until'),
  orderId: uuid('order_id'),
  ownerId: uuid('owner_id'),
  soldAt: instant('sold_at'),
  version: integer('version').notNull(),
  createdAt: instant('created_at').notNull(),
  updatedAt: instant('updated_at').notNull(),
});

export const eTickets = ticketsSchema.table('e_tickets', {
  codeId: uuid('code_id').primaryKey(),
  ticketId: uuid('ticket_id').notNull(),
  eventId: uuid('event_id').notNull(),
  orderId: uuid('order_id').notNull(),
  ownerId: uuid('owner_id').notNull(),
  code: text('code').notNull(),
  issuedAt: instant('issued_at').notNull(),
  revokedAt: instant('revoked_at'),
  revokedReason: text('revoked_reason').$type<'refunded' | 'event_cancelled'>(),
  checkedInAt: instant('checked_in_at'),
  checkedInBy: uuid('checked_in_by'),
});

// signing_keys (the service's Ed25519 keys) is read and written by the platform's signing-key kit.

/** Who set the room last: the organizer (event service), the hold threshold, or an admin mid-sale. */
export type WaitingRoomSource = 'event' | 'auto' | 'admin';

export const waitingRooms = ticketsSchema.table('waiting_rooms', {
  eventId: uuid('event_id').primaryKey(),
  enabled: boolean('enabled').notNull(),
  admitPerMinute: integer('admit_per_minute').notNull(),
  source: text('source').$type<WaitingRoomSource>().notNull(),
  onSaleAt: instant('on_sale_at'),
  drawnAt: instant('drawn_at'),
  lastPosition: integer('last_position').notNull(),
  admittedThrough: integer('admitted_through').notNull(),
  allowance: doublePrecision('allowance').notNull(),
  allowanceAt: instant('allowance_at'),
  createdAt: instant('created_at').notNull(),
  updatedAt: instant('updated_at').notNull(),
});

export type QueuePlaceStatus = 'WAITING' | 'ADMITTED' | 'EXPIRED';
export type QueueExpiryReason = 'idle' | 'admission_ended';

export const queuePlaces = ticketsSchema.table('queue_places', {
  id: uuid('id').primaryKey(),
  eventId: uuid('event_id').notNull(),
  userId: uuid('user_id').notNull(),
  status: text('status').$type<QueuePlaceStatus>().notNull(),
  lottery: bigint('lottery', { mode: 'bigint' }),
  position: integer('position'),
  joinedAt: instant('joined_at').notNull(),
  admittedAt: instant('admitted_at'),
  admissionEndsAt: instant('admission_ends_at'),
  firstHoldAt: instant('first_hold_at'),
  expiredAt: instant('expired_at'),
  expiryReason: text('expiry_reason').$type<QueueExpiryReason>(),
});

export const waitingRoomChanges = ticketsSchema.table('waiting_room_changes', {
  id: uuid('id').primaryKey(),
  eventId: uuid('event_id').notNull(),
  enabled: boolean('enabled').notNull(),
  admitPerMinute: integer('admit_per_minute').notNull(),
  source: text('source').$type<WaitingRoomSource>().notNull(),
  reason: text('reason').notNull(),
  changedAt: instant('changed_at').notNull(),
  /** The admin who switched it (null for the organizer's settings and automatic switches). */
  changedBy: uuid('changed_by'),
});

export const accountLimitRefusals = ticketsSchema.table('account_limit_refusals', {
  eventId: uuid('event_id').notNull(),
  userId: uuid('user_id').notNull(),
  refusals: integer('refusals').notNull(),
  firstRefusedAt: instant('first_refused_at').notNull(),
  lastRefusedAt: instant('last_refused_at').notNull(),
});

export const accountLimitAllowances = ticketsSchema.table('account_limit_allowances', {
  id: uuid('id').primaryKey(),
  eventId: uuid('event_id').notNull(),
  userId: uuid('user_id').notNull(),
  extraTickets: integer('extra_tickets').notNull(),
  reason: text('reason').notNull(),
  grantedBy: uuid('granted_by').notNull(),
  grantedAt: instant('granted_at').notNull(),
});

export type InventoryRow = typeof inventories.$inferSelect;

/** Staff accounts that scan an organizer's events. */
export const doorStaff = ticketsSchema.table(
  'door_staff',
  {
    organizerId: uuid('organizer_id').notNull(),
    staffId: uuid('staff_id').notNull(),
    assignedBy: uuid('assigned_by').notNull(),
    assignedAt: instant('assigned_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.organizerId, table.staffId] })],
);
export type DoorStaffRow = typeof doorStaff.$inferSelect;
export type WaitingRoomRow = typeof waitingRooms.$inferSelect;
export type QueuePlaceRow = typeof queuePlaces.$inferSelect;
export type TicketTypeRow = typeof ticketTypes.$inferSelect;
export type HoldRow = typeof holds.$inferSelect;
export type TicketRow = typeof tickets.$inferSelect;
export type ETicketRow = typeof eTickets.$inferSelect;
