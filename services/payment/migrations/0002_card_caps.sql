-- Purchase caps per payment card (issue 11): a payment names its order's event and ticket
-- count, so the tickets one card pays for per event can be counted; refusals are kept per
-- card and event for the admin view, and every lift an admin grants is a row of its own.

ALTER TABLE payments.payments
  ADD COLUMN event_id uuid,
  ADD COLUMN ticket_quantity integer CHECK (ticket_quantity > 0);
-- The per-card cap sums live payments of one card for one event.
CREATE INDEX payments_card_event_idx ON payments.payments (event_id, card_fingerprint)
  WHERE event_id IS NOT NULL AND card_fingerprint IS NOT NULL AND status IN ('PENDING', 'COMPLETED');

CREATE TABLE payments.card_limit_refusals (
  event_id          uuid        NOT NULL,
  card_fingerprint  text        NOT NULL,
  card_brand        text        NOT NULL,
  card_last4        text,
  refusals          integer     NOT NULL,
  first_refused_at  timestamptz NOT NULL,
  last_refused_at   timestamptz NOT NULL,
  PRIMARY KEY (event_id, card_fingerprint)
);
CREATE INDEX card_limit_refusals_recent_idx ON payments.card_limit_refusals (last_refused_at DESC);

CREATE TABLE payments.card_limit_allowances (
  id                uuid PRIMARY KEY,
  event_id          uuid        NOT NULL,
  card_fingerprint  text        NOT NULL,
  extra_tickets     integer     NOT NULL CHECK (extra_tickets > 0),
  reason            text        NOT NULL,
  granted_by        uuid        NOT NULL,
  granted_at        timestamptz NOT NULL
);
CREATE INDEX card_limit_allowances_key_idx ON payments.card_limit_allowances (event_id, card_fingerprint);
