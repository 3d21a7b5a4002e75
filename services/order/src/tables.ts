// Drizzle definitions of the order service's tables (the DDL is in migrations/).
import { bigint, integer, pgSchema, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const ordersSchema = pgSchema('orders');

const money = (name: string) => bigint(name, { mode: 'number' });
const instant = (name: string) => timestamp(name, { withTimezone: true });

export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'CANCELLED' | 'FAILED';
export type SagaStep =
  | 'CHARGE'
  | 'SELL'
  | 'RELEASE_HOLD'
  | 'REFUND_UNSOLD'
  | 'VERIFY_PAYMENT'
  | 'CANCEL_REFUND'
  | 'CANCEL_RETURN_TICKETS'
  | 'DONE';
export type CancelledBy = 'buyer' | 'admin' | 'event_cancelled';

export const orders = ordersSchema.table('orders', {
  id: uuid('id').primaryKey(),
  userId: uuid('user_id').notNull(),
  eventId: uuid('event_id').notNull(),
  holdId: uuid('hold_id').notNull(),
  status: text('status').$type<OrderStatus>().notNull(),
  sagaStep: text('saga_step').$type<SagaStep>().notNull(),
  currency: text('currency').notNull(),
  subtotalAmount: money('subtotal_amount').notNull(),
  feeAmount: money('fee_amount').notNull(),
  totalAmount: money('total_amount').notNull(),
  quantity: integer('quantity').notNull(),
  paymentId: uuid('payment_id'),
  refundedAmount: money('refunded_amount').notNull(),
  failureCode: text('failure_code'),
  failureReason: text('failure_reason'),
  cancelRequestedAt: instant('cancel_requested_at'),
  cancelledBy: text('cancelled_by').$type<CancelledBy>(),
  cancelReason: text('cancel_reason'),
  /** Checked-in tickets an admin's cancellation refunded (buyers cannot cancel after check-in). */
  checkedInTicketsRefunded: integer('checked_in_tickets_refunded'),
  eventTitle: text('event_title'),
  eventStartsAt: instant('event_starts_at'),
  ipAddress: text('ip_address'),
  /** The buyer's IPv4 /24 or IPv6 /48, counted by the per-range cap. */
  ipRange: text('ip_range'),
  leaseUntil: instant('lease_until'),
  nextAttemptAt: instant('next_attempt_at').notNull(),
  sagaAttempts: integer('saga_attempts').notNull(),
  lastError: text('last_error'),
  orderDate: instant('order_date').notNull(),
  confirmedAt: instant('confirmed_at'),
  cancelledAt: instant('cancelled_at'),
  failedAt: instant('failed_at'),
  createdAt: instant('created_at').notNull(),
  updatedAt: instant('updated_at').notNull(),
});

export const orderLines = ordersSchema.table(
  'order_lines',
  {
    orderId: uuid('order_id').notNull(),
    ticketId: uuid('ticket_id').notNull(),
    position: integer('position').notNull(),
    seatId: uuid('seat_id'),
    ticketTypeId: uuid('ticket_type_id'),
    ticketTypeName: text('ticket_type_name'),
    label: text('label').notNull(),
    section: text('section'),
    rowLabel: text('row_label'),
    seatNumber: text('seat_number'),
    category: text('category'),
    price: money('price').notNull(),
    fee: money('fee').notNull(),
    total: money('total').notNull(),
  },
  (table) => [primaryKey({ columns: [table.orderId, table.ticketId] })],
);

export const idempotencyKeys = ordersSchema.table(
  'idempotency_keys',
  {
    userId: uuid('user_id').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    orderId: uuid('order_id').notNull(),
    createdAt: instant('created_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.userId, table.key] })],
);

export const cancelledEvents = ordersSchema.table('cancelled_events', {
  eventId: uuid('event_id').primaryKey(),
  reason: text('reason').notNull(),
  cancelledAt: instant('cancelled_at').notNull(),
  receivedAt: instant('received_at').notNull(),
});

export const ipRangeRefusals = ordersSchema.table(
  'ip_range_refusals',
  {
    eventId: uuid('event_id').notNull(),
    ipRange: text('ip_range').notNull(),
    refusals: integer('refusals').notNull(),
    firstRefusedAt: instant('first_refused_at').notNull(),
    lastRefusedAt: instant('last_refused_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.eventId, table.ipRange] })],
);

export const ipRangeAllowances = ordersSchema.table('ip_range_allowances', {
  id: uuid('id').primaryKey(),
  eventId: uuid('event_id').notNull(),
  ipRange: text('ip_range').notNull(),
  extraTickets: integer('extra_tickets').notNull(),
  reason: text('reason').notNull(),
  grantedBy: uuid('granted_by').notNull(),
  grantedAt: instant('granted_at').notNull(),
});

export type OrderRow = typeof orders.$inferSelect;
export type OrderLineRow = typeof orderLines.$inferSelect;

/** The Postgres schema the order service owns. */
export const ORDER_SCHEMA = 'orders';
