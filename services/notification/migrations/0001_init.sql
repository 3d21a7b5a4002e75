-- The notification service's schema: what it knows about recipients (contacts, who holds tickets
-- for which event, upcoming events), what they want (preferences, push subscriptions), how
-- messages read (templates), and every message with its delivery state.

-- Email, phone and locale of users: fed by user-registered, completed and refreshed from the
-- user service (GET /api/v1/users/{id}) when a field is missing or the copy is old.
CREATE TABLE notifications.contacts (
  user_id       uuid PRIMARY KEY,
  email         text        NOT NULL,
  phone_number  text,
  locale        text        NOT NULL DEFAULT 'en',
  first_name    text        NOT NULL DEFAULT '',
  last_name     text        NOT NULL DEFAULT '',
  -- When the user service last confirmed every field (user-registered carries no phone number).
  fetched_at    timestamptz,
  updated_at    timestamptz NOT NULL
);

-- Events the platform sells tickets for, as far as messages need them (titles, times, places).
CREATE TABLE notifications.event_details (
  event_id     uuid PRIMARY KEY,
  title        text        NOT NULL,
  starts_at    timestamptz NOT NULL,
  ends_at      timestamptz,
  time_zone    text        NOT NULL DEFAULT 'UTC',
  location     text,
  status       text        NOT NULL DEFAULT 'SCHEDULED' CHECK (status IN ('SCHEDULED', 'CANCELLED')),
  -- Set once the reminder for the event has been queued for its holders.
  reminded_at  timestamptz,
  updated_at   timestamptz NOT NULL
);
CREATE INDEX event_details_reminder_due_idx ON notifications.event_details (starts_at)
  WHERE reminded_at IS NULL AND status = 'SCHEDULED';

-- Who holds tickets for which event, one row per order: fed by ticket-sold and order-confirmed,
-- ended by order-cancelled and full refunds. Reminders and event cancellations go to these.
CREATE TABLE notifications.ticket_holders (
  order_id    uuid PRIMARY KEY,
  event_id    uuid        NOT NULL,
  user_id     uuid        NOT NULL,
  tickets     integer     NOT NULL CHECK (tickets >= 0),
  status      text        NOT NULL CHECK (status IN ('ACTIVE', 'CANCELLED')),
  updated_at  timestamptz NOT NULL
);
CREATE INDEX ticket_holders_event_idx ON notifications.ticket_holders (event_id, user_id) WHERE status = 'ACTIVE';

-- A user's choice per notification type and channel; a missing row means the default.
CREATE TABLE notifications.preferences (
  user_id     uuid        NOT NULL,
  type        text        NOT NULL,
  channel     text        NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
  enabled     boolean     NOT NULL,
  updated_at  timestamptz NOT NULL,
  PRIMARY KEY (user_id, type, channel)
);

-- Browsers that accepted Web Push for a user.
CREATE TABLE notifications.push_subscriptions (
  id          uuid PRIMARY KEY,
  user_id     uuid        NOT NULL,
  endpoint    text        NOT NULL UNIQUE,
  p256dh      text        NOT NULL,
  auth        text        NOT NULL,
  created_at  timestamptz NOT NULL
);
CREATE INDEX push_subscriptions_user_idx ON notifications.push_subscriptions (user_id);

-- Message templates per type, channel and locale (Handlebars). The defaults are written at start
-- when missing; an admin's edit (origin 'admin') is never overwritten.
CREATE TABLE notifications.templates (
  type        text        NOT NULL,
  channel     text        NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
  locale      text        NOT NULL,
  subject     text,
  body_text   text        NOT NULL,
  body_html   text,
  version     integer     NOT NULL DEFAULT 1,
  origin      text        NOT NULL CHECK (origin IN ('default', 'admin')),
  updated_by  uuid,
  updated_at  timestamptz NOT NULL,
  PRIMARY KEY (type, channel, locale)
);

-- One message to one user on one channel, and its delivery: claimed by the delivery worker when
-- due (lease_until guards against a crashed sender), retried with exponential backoff, FAILED
-- after max_attempts. Rendered on the first attempt so retries send the same text.
CREATE TABLE notifications.notifications (
  id                   uuid PRIMARY KEY,
  user_id              uuid        NOT NULL,
  type                 text        NOT NULL,
  channel              text        NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
  status               text        NOT NULL CHECK (status IN ('PENDING', 'SENDING', 'SENT', 'FAILED', 'SKIPPED')),
  -- 0: a message to one buyer; 1: part of a bulk send (event cancelled, reminders), sent after.
  priority             smallint    NOT NULL DEFAULT 0,
  -- The facts the message is about, in the producers' terms; templates see a view of them.
  data                 jsonb       NOT NULL,
  dedupe_key           text        UNIQUE,
  source_event_id      uuid,
  resend_of            uuid REFERENCES notifications.notifications (id),
  recipient            text,
  locale               text,
  subject              text,
  body_text            text,
  body_html            text,
  attempts             integer     NOT NULL DEFAULT 0,
  max_attempts         integer     NOT NULL CHECK (max_attempts > 0),
  last_error           text,
  next_attempt_at      timestamptz NOT NULL,
  lease_until          timestamptz,
  provider_message_id  text,
  sent_at              timestamptz,
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL
);
CREATE INDEX notifications_due_idx ON notifications.notifications (priority, next_attempt_at)
  WHERE status = 'PENDING';
CREATE INDEX notifications_leased_idx ON notifications.notifications (lease_until) WHERE status = 'SENDING';
CREATE INDEX notifications_user_idx ON notifications.notifications (user_id, id DESC);
CREATE INDEX notifications_status_idx ON notifications.notifications (status, id DESC);
