-- Transactional outbox and idempotent inbox, created in every service's schema.
-- {{schema}} is replaced by the service's schema name.

CREATE TABLE {{schema}}.outbox (
  id            uuid PRIMARY KEY,
  topic         text        NOT NULL,
  message_key   text        NOT NULL,
  payload       jsonb       NOT NULL,
  headers       jsonb       NOT NULL DEFAULT '{}'::jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  published_at  timestamptz,
  attempts      integer     NOT NULL DEFAULT 0,
  last_error    text,
  dead_at       timestamptz
);

-- The relay only ever scans what is still to be sent.
CREATE INDEX outbox_pending_idx ON {{schema}}.outbox (id) WHERE published_at IS NULL AND dead_at IS NULL;

CREATE TABLE {{schema}}.inbox (
  event_id      uuid        NOT NULL,
  consumer      text        NOT NULL,
  topic         text        NOT NULL,
  processed_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (event_id, consumer)
);

-- Wake the relay as soon as a transaction that wrote an event commits (NOTIFY is
-- transactional), so events leave in milliseconds without tight polling.
CREATE FUNCTION {{schema}}.outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('{{schema}}_outbox', '');
  RETURN NULL;
END $$;

CREATE TRIGGER outbox_notify AFTER INSERT ON {{schema}}.outbox
  FOR EACH STATEMENT EXECUTE FUNCTION {{schema}}.outbox_notify();
