// Drizzle definitions of the payment service's tables (the DDL is in migrations/).
import { bigint, integer, jsonb, pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const paymentsSchema = pgSchema('payments');

const money = (name: string) => bigint(name, { mode: 'number' });
const instant = (name: string) => timestamp(name, { withTimezone: true });

export const payments = paymentsSchema.table('payments', {
  id: uuid('id').primaryKey(),
  orderId: uuid('order_id').notNull(),
  userId: uuid('user_id').notNull(),
  amount: money('amount').notNull(),
  currency: text('currency').notNull(),
  paymentMethod: text('payment_method').$type<'card'>().notNull(),
  cardBrand: text('card_brand').notNull(),
  cardLast4: text('card_last4'),
  cardExpMonth: integer('card_exp_month'),
  cardExpYear: integer('card_exp_year'),
  cardFingerprint: text('card_fingerprint'),
  paymentToken: text('payment_token'),
  status: text('status').$type<'PENDING' | 'COMPLETED' | 'FAILED' | 'REFUNDED'>().notNull(),
  refundedAmount: money('refunded_amount').notNull(),
  gateway: text('gateway').notNull(),
  gatewayTransactionId: text('gateway_transaction_id'),
  gatewayResponse: jsonb('gateway_response'),
  failureCode: text('failure_code'),
  failureReason: text('failure_reason'),
  fraudDecision: text('fraud_decision').$type<'APPROVE' | 'BLOCK'>().notNull(),
  fraudScore: integer('fraud_score').notNull(),
  fraudReasons: jsonb('fraud_reasons').$type<{ rule: string; detail: string }[]>().notNull(),
  ipAddress: text('ip_address'),
  /** The order's event and ticket count, counted by the per-card cap (null on older payments). */
  eventId: uuid('event_id'),
  ticketQuantity: integer('ticket_quantity'),
  description: text('description'),
  idempotencyKey: text('idempotency_key'),
  requestHash: text('request_hash').notNull(),
  attemptStartedAt: instant('attempt_started_at'),
  paymentDate: instant('payment_date'),
  createdAt: instant('created_at').notNull(),
  updatedAt: instant('updated_at').notNull(),
});

export const refunds = paymentsSchema.table('refunds', {
  id: uuid('id').primaryKey(),
  paymentId: uuid('payment_id').notNull(),
  amount: money('amount').notNull(),
  status: text('status').$type<'PENDING' | 'COMPLETED' | 'FAILED'>().notNull(),
  reason: text('reason').notNull(),
  idempotencyKey: text('idempotency_key').notNull(),
  gatewayRefundId: text('gateway_refund_id'),
  gatewayResponse: jsonb('gateway_response'),
  failureReason: text('failure_reason'),
  attemptStartedAt: instant('attempt_started_at'),
  createdAt: instant('created_at').notNull(),
  updatedAt: instant('updated_at').notNull(),
});

export const webhookEvents = paymentsSchema.table('webhook_events', {
  id: text('id').primaryKey(),
  type: text('type').notNull(),
  receivedAt: instant('received_at').notNull(),
});

export const sandboxLedger = paymentsSchema.table('sandbox_ledger', {
  idempotencyKey: text('idempotency_key').primaryKey(),
  kind: text('kind').$type<'charge' | 'refund'>().notNull(),
  transactionId: text('transaction_id').notNull(),
  outcome: text('outcome').$type<'succeeded' | 'failed'>().notNull(),
  failureCode: text('failure_code'),
  amount: money('amount').notNull(),
  currency: text('currency').notNull(),
  response: jsonb('response').$type<Record<string, unknown>>().notNull(),
  createdAt: instant('created_at').notNull(),
});

export const cardLimitRefusals = paymentsSchema.table('card_limit_refusals', {
  eventId: uuid('event_id').notNull(),
  cardFingerprint: text('card_fingerprint').notNull(),
  cardBrand: text('card_brand').notNull(),
  cardLast4: text('card_last4'),
  refusals: integer('refusals').notNull(),
  firstRefusedAt: instant('first_refused_at').notNull(),
  lastRefusedAt: instant('last_refused_at').notNull(),
});

export const cardLimitAllowances = paymentsSchema.table('card_limit_allowances', {
  id: uuid('id').primaryKey(),
  eventId: uuid('event_id').notNull(),
  cardFingerprint: text('card_fingerprint').notNull(),
  extraTickets: integer('extra_tickets').notNull(),
  reason: text('reason').notNull(),
  grantedBy: uuid('granted_by').notNull(),
  grantedAt: instant('granted_at').notNull(),
});

export type PaymentRow = typeof payments.$inferSelect;
export type RefundRow = typeof refunds.$inferSelect;
export type SandboxLedgerRow = typeof sandboxLedger.$inferSelect;
