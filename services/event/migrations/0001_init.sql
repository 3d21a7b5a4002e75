-- The event service's schema: events, their venues' seat maps and general-admission ticket
-- types, and the sales facts (from the ticket service's events) that analytics are computed from.

-- Typo-tolerant search needs pg_trgm. It is a trusted extension (PostgreSQL 13+), but a role
-- without CREATE on the database, or a server without the contrib files, cannot create it:
-- search then works without typo tolerance instead of the migration failing.
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'pg_trgm is not available (%): event search works without typo tolerance', SQLERRM;
END $$;

CREATE TABLE events.events (
  id                        uuid PRIMARY KEY,
  organizer_id              uuid        NOT NULL,
  title                     text        NOT NULL,
  description               text        NOT NULL DEFAULT '',
  location                  text        NOT NULL,
  city                      text,
  country                   text,
  event_type                text        NOT NULL
    CHECK (event_type IN ('CONCERT', 'SPORTS', 'THEATER', 'COMEDY', 'CONFERENCE', 'FESTIVAL', 'OTHER')),
  lifecycle                 text        NOT NULL DEFAULT 'DRAFT'
    CHECK (lifecycle IN ('DRAFT', 'PUBLISHED', 'CANCELLED')),
  time_zone                 text        NOT NULL DEFAULT 'UTC',
  starts_at                 timestamptz NOT NULL,
  ends_at                   timestamptz NOT NULL,
  sales_start_at            timestamptz,
  sales_end_at              timestamptz,
  image_url                 text,
  currency                  text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- Money in minor units of the currency.
  base_price                integer     NOT NULL CHECK (base_price >= 0),
  -- The cheapest and dearest ticket (the base price while there is no seat or ticket type).
  min_price                 integer     NOT NULL CHECK (min_price >= 0),
  max_price                 integer     NOT NULL CHECK (max_price >= min_price),
  capacity                  integer     NOT NULL DEFAULT 0 CHECK (capacity >= 0),
  venue_name                text,
  categories                text[]      NOT NULL DEFAULT '{}',
  tags                      text[]      NOT NULL DEFAULT '{}',
  waiting_room_enabled      boolean     NOT NULL DEFAULT false,
  waiting_room_admit_per_minute integer CHECK (waiting_room_admit_per_minute > 0),
  created_at                timestamptz NOT NULL,
  updated_at                timestamptz NOT NULL,
  published_at              timestamptz,
  cancelled_at              timestamptz,
  cancel_reason             text,
  -- Kept by the trigger below (tags and categories need a stable function, which a generated column refuses).
  search_vector             tsvector    NOT NULL DEFAULT ''::tsvector,
  search_text               text        NOT NULL DEFAULT '',
  CONSTRAINT events_ends_after_start CHECK (ends_at > starts_at),
  CONSTRAINT events_sales_window CHECK (sales_start_at IS NULL OR sales_end_at IS NULL OR sales_start_at < sales_end_at),
  CONSTRAINT events_published_at CHECK (lifecycle <> 'PUBLISHED' OR published_at IS NOT NULL)
);

CREATE FUNCTION events.events_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_vector :=
    setweight(to_tsvector('english', NEW.title), 'A') ||
    setweight(to_tsvector('english', array_to_string(NEW.categories || NEW.tags, ' ')), 'B') ||
    setweight(to_tsvector('english', coalesce(NEW.city, '') || ' ' || NEW.location), 'B') ||
    setweight(to_tsvector('english', NEW.description), 'C');
  -- What typo-tolerant matching compares the query with: the short, distinctive fields.
  NEW.search_text := lower(NEW.title || ' ' || coalesce(NEW.city, '') || ' ' || NEW.location || ' ' ||
                           array_to_string(NEW.categories || NEW.tags, ' '));
  RETURN NEW;
END $$;

CREATE TRIGGER events_search_document BEFORE INSERT OR UPDATE ON events.events
  FOR EACH ROW EXECUTE FUNCTION events.events_search_document();

CREATE INDEX events_search_idx ON events.events USING gin (search_vector);
-- The public listing: published events by date.
CREATE INDEX events_published_by_date_idx ON events.events (starts_at, id) WHERE lifecycle = 'PUBLISHED';
CREATE INDEX events_published_by_price_idx ON events.events (min_price, id) WHERE lifecycle = 'PUBLISHED';
CREATE INDEX events_organizer_idx ON events.events (organizer_id, starts_at);
CREATE INDEX events_categories_idx ON events.events USING gin (categories);
CREATE INDEX events_city_idx ON events.events (lower(city));

DO $$
DECLARE
  trigram_schema text;
BEGIN
  SELECT extnamespace::regnamespace::text INTO trigram_schema FROM pg_extension WHERE extname = 'pg_trgm';
  IF trigram_schema IS NOT NULL THEN
    EXECUTE format('CREATE INDEX events_search_trgm_idx ON events.events USING gin (search_text %s.gin_trgm_ops)',
                   trigram_schema);
  END IF;
END $$;

-- A section of the venue: laid out by the generator (rows x seats per row, optional curve)
-- or from an explicit seat list. Its seats are in events.seats.
CREATE TABLE events.sections (
  id             uuid PRIMARY KEY,
  event_id       uuid    NOT NULL REFERENCES events.events (id) ON DELETE CASCADE,
  position       integer NOT NULL,
  name           text    NOT NULL,
  category       text    NOT NULL,
  price          integer NOT NULL CHECK (price >= 0),
  layout         text    NOT NULL CHECK (layout IN ('GENERATED', 'EXPLICIT')),
  -- The generator's input, so an organizer's edit form can show it again.
  row_count      integer,
  seats_per_row  integer,
  curve          double precision,
  row_labels     text,
  seat_count     integer NOT NULL CHECK (seat_count >= 0),
  origin_x       double precision NOT NULL,
  origin_y       double precision NOT NULL,
  width          double precision NOT NULL,
  height         double precision NOT NULL,
  UNIQUE (event_id, name),
  UNIQUE (event_id, position)
);

CREATE TABLE events.seats (
  id             uuid PRIMARY KEY,
  event_id       uuid    NOT NULL REFERENCES events.events (id) ON DELETE CASCADE,
  section_id     uuid    NOT NULL REFERENCES events.sections (id) ON DELETE CASCADE,
  position       integer NOT NULL,
  row_label      text    NOT NULL,
  number         text    NOT NULL,
  label          text    NOT NULL,
  category       text    NOT NULL,
  price          integer NOT NULL CHECK (price >= 0),
  x              double precision NOT NULL,
  y              double precision NOT NULL,
  accessibility  text[]  NOT NULL DEFAULT '{}',
  UNIQUE (section_id, row_label, number)
);
CREATE INDEX seats_event_idx ON events.seats (event_id, position);

CREATE TABLE events.ticket_types (
  id             uuid PRIMARY KEY,
  event_id       uuid    NOT NULL REFERENCES events.events (id) ON DELETE CASCADE,
  position       integer NOT NULL,
  name           text    NOT NULL,
  description    text,
  price          integer NOT NULL CHECK (price >= 0),
  quantity       integer NOT NULL CHECK (quantity > 0),
  UNIQUE (event_id, name)
);
CREATE INDEX ticket_types_event_idx ON events.ticket_types (event_id, position);

-- One row per ticket sold in an order, from `ticket-sold`; `ticket-cancelled` marks it
-- cancelled. A ticket refunded and sold again has a second row (another order).
CREATE TABLE events.sales (
  order_id        uuid        NOT NULL,
  ticket_id       uuid        NOT NULL,
  event_id        uuid        NOT NULL,
  seat_id         uuid,
  ticket_type_id  uuid,
  category        text,
  price           integer     NOT NULL,
  sold_at         timestamptz NOT NULL,
  cancelled_at    timestamptz,
  cancel_reason   text,
  PRIMARY KEY (order_id, ticket_id)
);
CREATE INDEX sales_event_idx ON events.sales (event_id, sold_at);
CREATE INDEX sales_open_ticket_idx ON events.sales (event_id, ticket_id) WHERE cancelled_at IS NULL;

-- Prefixes this database's keys in a cache that other deployments (or test databases) may share.
CREATE TABLE events.cache_namespace (
  id  uuid PRIMARY KEY DEFAULT gen_random_uuid()
);
INSERT INTO events.cache_namespace DEFAULT VALUES;
