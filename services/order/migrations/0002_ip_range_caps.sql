-- Purchase caps per IP range (issue 11): an order keeps the buyer's range (IPv4 /24, IPv6 /48)
-- so the tickets one range buys per event can be counted; refusals are kept per range and
-- event for the admin view, and every lift an admin grants is a row of its own.

ALTER TABLE orders.orders ADD COLUMN ip_range text;
-- The per-range cap sums live orders of one range for one event.
CREATE INDEX orders_event_ip_range_idx ON orders.orders (event_id, ip_range)
  WHERE ip_range IS NOT NULL AND status IN ('PENDING', 'CONFIRMED');

CREATE TABLE orders.ip_range_refusals (
  event_id          uuid        NOT NULL,
  ip_range          text        NOT NULL,
  refusals          integer     NOT NULL,
  first_refused_at  timestamptz NOT NULL,
  last_refused_at   timestamptz NOT NULL,
  PRIMARY KEY (event_id, ip_range)
);
CREATE INDEX ip_range_refusals_recent_idx ON orders.ip_range_refusals (last_refused_at DESC);

CREATE TABLE orders.ip_range_allowances (
  id             uuid PRIMARY KEY,
  event_id       uuid        NOT NULL,
  ip_range       text        NOT NULL,
  extra_tickets  integer     NOT NULL CHECK (extra_tickets > 0),
  reason         text        NOT NULL,
  granted_by     uuid        NOT NULL,
  granted_at     timestamptz NOT NULL
);
CREATE INDEX ip_range_allowances_key_idx ON orders.ip_range_allowances (event_id, ip_range);
