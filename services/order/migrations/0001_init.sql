-- The order service's schema: orders with their persisted saga step, one line per ticket,
-- the buyers' idempotency keys, and the events known to be cancelled.

CREATE TABLE orders.orders (
  id                 uuid PRIMARY KEY,
  user_id            uuid        NOT NULL,
  event_id           uuid        NOT NULL,
  hold_id            uuid        NOT NULL,
  status             text        NOT NULL CHECK (status IN ('PENDING', 'CONFIRMED', 'CANCELLED', 'FAILED')),
  -- The saga's next step; DONE once nothing is left to do. Recorded before the step runs, so
  -- a crash leaves the order where the recovery worker knows what to finish or undo.
  saga_step          text        NOT NULL CHECK (saga_step IN (
                       'CHARGE', 'SELL', 'RELEASE_HOLD', 'REFUND_UNSOLD', 'VERIFY_PAYMENT',
                       'CANCEL_REFUND', 'CANCEL_RETURN_TICKETS', 'DONE')),
  currency           text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  subtotal_amount    bigint      NOT NULL CHECK (subtotal_amount >= 0),
  fee_amount         bigint      NOT NULL CHECK (fee_amount >= 0),
  total_amount       bigint      NOT NULL CHECK (total_amount = subtotal_amount + fee_amount),
  quantity           integer     NOT NULL CHECK (quantity > 0),
  payment_id         uuid,
  refunded_amount    bigint      NOT NULL DEFAULT 0,
  failure_code       text,
  failure_reason     text,
  cancel_requested_at timestamptz,
  cancelled_by       text CHECK (cancelled_by IN ('buyer', 'admin', 'event_cancelled')),
  cancel_reason      text,
  event_title        text,
  event_starts_at    timestamptz,
  ip_address         text,
  -- Who drives the saga: a request or a recovery worker holds the lease while it works.
  lease_until        timestamptz,
  next_attempt_at    timestamptz NOT NULL,
  saga_attempts      integer     NOT NULL DEFAULT 0,
  last_error         text,
  order_date         timestamptz NOT NULL,
  confirmed_at       timestamptz,
  cancelled_at       timestamptz,
  failed_at          timestamptz,
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL,
  CONSTRAINT orders_confirmed_is_paid CHECK (status <> 'CONFIRMED' OR payment_id IS NOT NULL),
  CONSTRAINT orders_failed_has_reason CHECK (status <> 'FAILED' OR failure_code IS NOT NULL),
  CONSTRAINT orders_cancellation CHECK ((cancel_requested_at IS NULL) = (cancelled_by IS NULL))
);
-- One live order per hold: a second purchase of it waits for the first to fail.
CREATE UNIQUE INDEX orders_live_hold_unique ON orders.orders (hold_id) WHERE status IN ('PENDING', 'CONFIRMED');
-- History newest first (ids are UUIDv7, so time-ordered).
CREATE INDEX orders_user_idx ON orders.orders (user_id, id DESC);
CREATE INDEX orders_event_idx ON orders.orders (event_id, status);
-- The recovery worker reads only unfinished sagas that are due.
CREATE INDEX orders_saga_due_idx ON orders.orders (next_attempt_at) WHERE saga_step <> 'DONE';

CREATE TABLE orders.order_lines (
  order_id          uuid    NOT NULL REFERENCES orders.orders (id),
  ticket_id         uuid    NOT NULL,
  position          integer NOT NULL,
  seat_id           uuid,
  ticket_type_id    uuid,
  ticket_type_name  text,
  label             text    NOT NULL,
  section           text,
  row_label         text,
  seat_number       text,
  category          text,
  price             bigint  NOT NULL CHECK (price >= 0),
  fee               bigint  NOT NULL CHECK (fee >= 0),
  total             bigint  NOT NULL CHECK (total = price + fee),
  PRIMARY KEY (order_id, ticket_id)
);
CREATE INDEX order_lines_ticket_idx ON orders.order_lines (ticket_id);

-- A buyer's Idempotency-Key names one order request; keys are scoped per buyer.
CREATE TABLE orders.idempotency_keys (
  user_id       uuid        NOT NULL,
  key           text        NOT NULL,
  -- SHA-256 of the hold, the payment method and the card's last four digits and expiry
  -- (never its number): the same key with another body is refused.
  request_hash  text        NOT NULL,
  order_id      uuid        NOT NULL REFERENCES orders.orders (id),
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (user_id, key)
);

-- Events the event service announced as cancelled: an order confirmed afterwards is refunded too.
CREATE TABLE orders.cancelled_events (
  event_id      uuid PRIMARY KEY,
  reason        text        NOT NULL,
  cancelled_at  timestamptz NOT NULL,
  received_at   timestamptz NOT NULL
);
