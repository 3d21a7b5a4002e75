// Drizzle definitions of the notification service's tables (the DDL is in migrations/).
import {
  boolean,
  integer,
  jsonb,
  pgSchema,
  primaryKey,
  smallint,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

export const NOTIFICATION_SCHEMA = 'notifications';

export const notificationsSchema = pgSchema(NOTIFICATION_SCHEMA);

const instant = (name: string) => timestamp(name, { withTimezone: true });

export const contacts = notificationsSchema.table('contacts', {
  userId: uuid('user_id').primaryKey(),
  email: text('email').notNull(),
  phoneNumber: text('phone_number'),
  locale: text('locale').notNull(),
  firstName: text('first_name').notNull(),
  lastName: text('last_name').notNull(),
  fetchedAt: instant('fetched_at'),
  updatedAt: instant('updated_at').notNull(),
});

export const eventDetails = notificationsSchema.table('event_details', {
  eventId: uuid('event_id').primaryKey(),
  title: text('title').notNull(),
  startsAt: instant('starts_at').notNull(),
  endsAt: instant('ends_at'),
  timeZone: text('time_zone').notNull(),
  location: text('location'),
  status: text('status').$type<'SCHEDULED' | 'CANCELLED'>().notNull(),
  remindedAt: instant('reminded_at'),
  updatedAt: instant('updated_at').notNull(),
});

export const ticketHolders = notificationsSchema.table('ticket_holders', {
  orderId: uuid('order_id').primaryKey(),
  eventId: uuid('event_id').notNull(),
  userId: uuid('user_id').notNull(),
  tickets: integer('tickets').notNull(),
  status: text('status').$type<'ACTIVE' | 'CANCELLED'>().notNull(),
  updatedAt: instant('updated_at').notNull(),
});

export const preferences = notificationsSchema.table(
  'preferences',
  {
    userId: uuid('user_id').notNull(),
    type: text('type').notNull(),
    channel: text('channel').notNull(),
    enabled: boolean('enabled').notNull(),
    updatedAt: instant('updated_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.userId, table.type, table.channel] })],
);

export const pushSubscriptions = notificationsSchema.table('push_subscriptions', {
  id: uuid('id').primaryKey(),
  userId: uuid('user_id').notNull(),
  endpoint: text('endpoint').notNull(),
  p256dh: text('p256dh').notNull(),
  auth: text('auth').notNull(),
  createdAt: instant('created_at').notNull(),
});

export const templates = notificationsSchema.table(
  'templates',
  {
    type: text('type').notNull(),
    channel: text('channel').notNull(),
    locale: text('locale').notNull(),
    subject: text('subject'),
    bodyText: text('body_text').notNull(),
    bodyHtml: text('body_html'),
    version: integer('version').notNull(),
    origin: text('origin').$type<'default' | 'admin'>().notNull(),
    updatedBy: uuid('updated_by'),
    updatedAt: instant('updated_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.type, table.channel, table.locale] })],
);

export const notifications = notificationsSchema.table('notifications', {
  id: uuid('id').primaryKey(),
  userId: uuid('user_id').notNull(),
  type: text('type').notNull(),
  channel: text('channel').notNull(),
  status: text('status').$type<NotificationStatus>().notNull(),
  priority: smallint('priority').notNull(),
  data: jsonb('data').$type<Record<string, unknown>>().notNull(),
  dedupeKey: text('dedupe_key'),
  sourceEventId: uuid('source_event_id'),
  resendOf: uuid('resend_of'),
  recipient: text('recipient'),
  locale: text('locale'),
  subject: text('subject'),
  bodyText: text('body_text'),
  bodyHtml: text('body_html'),
  attempts: integer('attempts').notNull(),
  maxAttempts: integer('max_attempts').notNull(),
  lastError: text('last_error'),
  nextAttemptAt: instant('next_attempt_at').notNull(),
  leaseUntil: instant('lease_until'),
  providerMessageId: text('provider_message_id'),
  sentAt: instant('sent_at'),
  createdAt: instant('created_at').notNull(),
  updatedAt: instant('updated_at').notNull(),
});

export type NotificationStatus = 'PENDING' | 'SENDING' | 'SENT' | 'FAILED' | 'SKIPPED';
export type ContactRow = typeof contacts.$inferSelect;
export type EventDetailsRow = typeof eventDetails.$inferSelect;
export type TemplateRow = typeof templates.$inferSelect;
export type NotificationRow = typeof notifications.$inferSelect;
export type NewNotification = typeof notifications.$inferInsert;
export type PushSubscriptionRow = typeof pushSubscriptions.$inferSelect;
