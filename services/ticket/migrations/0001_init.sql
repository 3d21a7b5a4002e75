-- The ticket service's schema: each event's inventory (a ticket per seat or GA unit), holds,
-- e-tickets with their check-in, and the key that signs e-ticket codes.

CREATE TABLE tickets.inventories (
  event_id        uuid PRIMARY KEY,
  currency        text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  sales_start_at  timestamptz,
  sales_end_at    timestamptz,
  status          text        NOT NULL DEFAULT 'ON_SALE' CHECK (status IN ('ON_SALE', 'CANCELLED')),
  -- SHA-256 of the body that created it: the same body again is a no-op, another one a conflict.
  fingerprint     text        NOT NULL,
  ticket_count    integer     NOT NULL,
  -- The front centre of the seat map (smallest y, middle x): what "closest to the stage" measures from.
  stage_x         double precision,
  stage_y         double precision,
  created_at      timestamptz NOT NULL,
  cancelled_at    timestamptz
);

CREATE TABLE tickets.ticket_types (
  id          uuid PRIMARY KEY,
  event_id    uuid    NOT NULL REFERENCES tickets.inventories (event_id),
  name        text    NOT NULL,
  price       integer NOT NULL CHECK (price >= 0),
  quantity    integer NOT NULL CHECK (quantity > 0),
  position    integer NOT NULL
);
CREATE INDEX ticket_types_event_idx ON tickets.ticket_types (event_id);

CREATE TABLE tickets.holds (
  id            uuid PRIMARY KEY,
  event_id      uuid        NOT NULL REFERENCES tickets.inventories (event_id),
  user_id       uuid        NOT NULL,
  status        text        NOT NULL CHECK (status IN ('ACTIVE', 'RELEASED', 'EXPIRED', 'SOLD')),
  kind          text        NOT NULL CHECK (kind IN ('SEATS', 'BEST', 'QUANTITY')),
  ticket_count  integer     NOT NULL CHECK (ticket_count > 0),
  total         integer     NOT NULL CHECK (total >= 0),
  currency      text        NOT NULL,
  expires_at    timestamptz NOT NULL,
  created_at    timestamptz NOT NULL,
  ended_at      timestamptz,
  end_reason    text CHECK (end_reason IN ('released', 'expired', 'payment_failed', 'event_cancelled', 'sold')),
  order_id      uuid,
  CONSTRAINT holds_sold_has_order CHECK ((status = 'SOLD') = (order_id IS NOT NULL)),
  CONSTRAINT holds_ended CHECK ((status = 'ACTIVE') = (ended_at IS NULL))
);
-- The sweeper reads only live holds, oldest expiry first.
CREATE INDEX holds_expiry_idx ON tickets.holds (expires_at) WHERE status = 'ACTIVE';
CREATE INDEX holds_user_idx ON tickets.holds (user_id, event_id);
-- An order buys exactly one hold.
CREATE UNIQUE INDEX holds_order_unique ON tickets.holds (order_id) WHERE order_id IS NOT NULL;

CREATE TABLE tickets.tickets (
  id              uuid PRIMARY KEY,
  event_id        uuid        NOT NULL REFERENCES tickets.inventories (event_id),
  -- A reserved seat (seat_id, section, row, number) or a general-admission unit (ticket type, unit number).
  seat_id         uuid,
  ticket_type_id  uuid REFERENCES tickets.ticket_types (id),
  unit_number     integer,
  section         text,
  row_label       text,
  seat_number     text,
  label           text        NOT NULL,
  category        text,
  price           integer     NOT NULL CHECK (price >= 0),
  x               double precision,
  y               double precision,
  accessible      boolean     NOT NULL DEFAULT false,
  -- Order of the seat in its row; an aisle leaves a gap of one, so adjacent seats differ by exactly 1.
  seat_position   integer,
  -- How far the seat's row is from the stage (best available fills the nearest rows first).
  row_distance    double precision,
  status          text        NOT NULL DEFAULT 'AVAILABLE'
                    CHECK (status IN ('AVAILABLE', 'LOCKED', 'SOLD', 'CANCELLED')),
  -- Deferred: a hold takes its tickets first, then records itself with their count and total.
  hold_id         uuid REFERENCES tickets.holds (id) DEFERRABLE INITIALLY DEFERRED,
  locked_by       uuid,
  locked_until    timestamptz,
  order_id        uuid,
  owner_id        uuid,
  sold_at         timestamptz,
  version         integer     NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  CONSTRAINT tickets_seat_or_unit CHECK ((seat_id IS NULL) <> (ticket_type_id IS NULL)),
  CONSTRAINT tickets_locked_by_a_hold
    CHECK (status <> 'LOCKED' OR (hold_id IS NOT NULL AND locked_by IS NOT NULL AND locked_until IS NOT NULL)),
  CONSTRAINT tickets_sold_to_an_order CHECK (status <> 'SOLD' OR (order_id IS NOT NULL AND owner_id IS NOT NULL)),
  CONSTRAINT tickets_available_is_free
    CHECK (status <> 'AVAILABLE' OR (hold_id IS NULL AND order_id IS NULL AND locked_by IS NULL))
);
CREATE UNIQUE INDEX tickets_seat_unique ON tickets.tickets (event_id, seat_id);
CREATE UNIQUE INDEX tickets_unit_unique ON tickets.tickets (ticket_type_id, unit_number)
  WHERE ticket_type_id IS NOT NULL;
-- General admission: the next free units of a type (FOR UPDATE SKIP LOCKED LIMIT n).
CREATE INDEX tickets_free_units_idx ON tickets.tickets (ticket_type_id, id)
  WHERE status = 'AVAILABLE' AND ticket_type_id IS NOT NULL;
-- Best available: free seats of an event in row order.
CREATE INDEX tickets_free_seats_idx ON tickets.tickets (event_id, section, row_label, seat_position)
  WHERE status = 'AVAILABLE' AND seat_id IS NOT NULL;
CREATE INDEX tickets_hold_idx ON tickets.tickets (hold_id) WHERE hold_id IS NOT NULL;
CREATE INDEX tickets_order_idx ON tickets.tickets (order_id) WHERE order_id IS NOT NULL;
CREATE INDEX tickets_holder_idx ON tickets.tickets (locked_by, event_id) WHERE locked_by IS NOT NULL;
CREATE INDEX tickets_owner_idx ON tickets.tickets (owner_id, event_id) WHERE owner_id IS NOT NULL;

-- An e-ticket per sale of a ticket. The code is a compact JWS naming code_id; a refund or the
-- event's cancellation revokes it, and a resale issues a new one.
CREATE TABLE tickets.e_tickets (
  code_id         uuid PRIMARY KEY,
  ticket_id       uuid        NOT NULL REFERENCES tickets.tickets (id),
  event_id        uuid        NOT NULL,
  order_id        uuid        NOT NULL,
  owner_id        uuid        NOT NULL,
  code            text        NOT NULL,
  issued_at       timestamptz NOT NULL,
  revoked_at      timestamptz,
  revoked_reason  text CHECK (revoked_reason IN ('refunded', 'event_cancelled')),
  checked_in_at   timestamptz,
  checked_in_by   uuid,
  CONSTRAINT e_tickets_revocation CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL)),
  CONSTRAINT e_tickets_checkin CHECK ((checked_in_at IS NULL) = (checked_in_by IS NULL))
);
-- At most one valid e-ticket per ticket.
CREATE UNIQUE INDEX e_tickets_valid_unique ON tickets.e_tickets (ticket_id) WHERE revoked_at IS NULL;
CREATE INDEX e_tickets_order_idx ON tickets.e_tickets (order_id);
CREATE INDEX e_tickets_event_idx ON tickets.e_tickets (event_id) WHERE revoked_at IS NULL;

-- Keys signing e-ticket codes (Ed25519), shared by every instance through the database.
CREATE TABLE tickets.signing_keys (
  kid          text PRIMARY KEY,
  algorithm    text        NOT NULL,
  public_jwk   jsonb       NOT NULL,
  private_jwk  jsonb       NOT NULL,
  created_at   timestamptz NOT NULL,
  retired_at   timestamptz
);
