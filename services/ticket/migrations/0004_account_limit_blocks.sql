-- The per-account purchase cap (TICKET_MAX_PER_USER) as the admin view sees it (issue 11): holds
-- refused for reaching it, counted per account and event, and every lift an admin grants (more
-- tickets for one account in one event) as a row of its own.

CREATE TABLE tickets.account_limit_refusals (
  event_id          uuid        NOT NULL,
  user_id           uuid        NOT NULL,
  refusals          integer     NOT NULL,
  first_refused_at  timestamptz NOT NULL,
  last_refused_at   timestamptz NOT NULL,
  PRIMARY KEY (event_id, user_id)
);
CREATE INDEX account_limit_refusals_recent_idx ON tickets.account_limit_refusals (last_refused_at DESC);

CREATE TABLE tickets.account_limit_allowances (
  id             uuid PRIMARY KEY,
  event_id       uuid        NOT NULL,
  user_id        uuid        NOT NULL,
  extra_tickets  integer     NOT NULL CHECK (extra_tickets > 0),
  reason         text        NOT NULL,
  granted_by     uuid        NOT NULL,
  granted_at     timestamptz NOT NULL
);
CREATE INDEX account_limit_allowances_key_idx ON tickets.account_limit_allowances (event_id, user_id);
