-- The virtual waiting room of hot on-sales (ADR 0021): one room per event that has one, one
-- place per user per event, the spent proof-of-work challenges, and a record of every switch.

CREATE TABLE tickets.waiting_rooms (
  event_id            uuid PRIMARY KEY REFERENCES tickets.inventories (event_id),
  enabled             boolean     NOT NULL,
  admit_per_minute    integer     NOT NULL CHECK (admit_per_minute BETWEEN 1 AND 100000),
  -- Who switched it on last: the organizer through the event service, or the hold threshold.
  source              text        NOT NULL CHECK (source IN ('event', 'auto')),
  -- The on-sale moment: places taken before it are ordered by lottery at it. NULL: no lottery.
  on_sale_at          timestamptz,
  -- When the lottery gave the early places their numbers (NULL: not drawn yet).
  drawn_at            timestamptz,
  -- The last place number handed out, and the highest one admitted so far.
  last_position       integer     NOT NULL DEFAULT 0,
  admitted_through    integer     NOT NULL DEFAULT 0,
  -- Admissions earned by the clock (admit_per_minute) or by idle places given back, not yet used.
  allowance           double precision NOT NULL DEFAULT 0,
  allowance_at        timestamptz,
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL
);

CREATE TABLE tickets.queue_places (
  id               uuid PRIMARY KEY,
  -- No foreign key to waiting_rooms: its check would lock the room's row for every join (thousands
  -- of them at once); places are only ever written after their room was read.
  event_id         uuid        NOT NULL,
  user_id          uuid        NOT NULL,
  status           text        NOT NULL CHECK (status IN ('WAITING', 'ADMITTED', 'EXPIRED')),
  -- A random number drawn at joining before the on-sale; it alone orders the early places.
  lottery          bigint,
  -- The place's number in line (1 = first), NULL until the lottery is drawn.
  position         integer,
  joined_at        timestamptz NOT NULL,
  admitted_at      timestamptz,
  -- The end of the admission: the admission token's expiry.
  admission_ends_at timestamptz,
  -- The first hold made with this place's token (an admitted place without one is idle).
  first_hold_at    timestamptz,
  expired_at       timestamptz,
  expiry_reason    text CHECK (expiry_reason IN ('idle', 'admission_ended')),
  CONSTRAINT queue_places_admitted CHECK ((status = 'WAITING') = (admitted_at IS NULL)),
  CONSTRAINT queue_places_expired CHECK ((status = 'EXPIRED') = (expired_at IS NOT NULL)),
  CONSTRAINT queue_places_numbered CHECK (status = 'WAITING' OR position IS NOT NULL)
);
-- One place per user per event: joining again finds it, two simultaneous joins make one.
CREATE UNIQUE INDEX queue_places_user_unique ON tickets.queue_places (event_id, user_id);
CREATE UNIQUE INDEX queue_places_position_unique ON tickets.queue_places (event_id, position)
  WHERE position IS NOT NULL;
-- The lottery numbers the places without a number (all early ones at the on-sale).
CREATE INDEX queue_places_unnumbered_idx ON tickets.queue_places (event_id) WHERE position IS NULL;
-- The admission worker takes the first waiting places in line.
CREATE INDEX queue_places_waiting_idx ON tickets.queue_places (event_id, position)
  WHERE status = 'WAITING';
-- It also expires admitted places: idle ones and those whose admission ended.
CREATE INDEX queue_places_admitted_idx ON tickets.queue_places (event_id, admitted_at)
  WHERE status = 'ADMITTED';
-- The join rate of the last minute sets the proof-of-work difficulty.
CREATE INDEX queue_places_joined_idx ON tickets.queue_places (event_id, joined_at);

-- A solved proof-of-work challenge is spent once; rows are deleted after the challenge expired.
CREATE TABLE tickets.spent_queue_challenges (
  challenge_id  uuid PRIMARY KEY,
  expires_at    timestamptz NOT NULL
);
CREATE INDEX spent_queue_challenges_expiry_idx ON tickets.spent_queue_challenges (expires_at);

-- Every change of a room's setting, who made it and why (the automatic switch-on included).
CREATE TABLE tickets.waiting_room_changes (
  id                uuid PRIMARY KEY,
  event_id          uuid        NOT NULL,
  enabled           boolean     NOT NULL,
  admit_per_minute  integer     NOT NULL,
  source            text        NOT NULL CHECK (source IN ('event', 'auto')),
  reason            text        NOT NULL,
  changed_at        timestamptz NOT NULL
);
CREATE INDEX waiting_room_changes_event_idx ON tickets.waiting_room_changes (event_id, changed_at);

-- The hold made with a queue place's admission (the order service then asks for its token too).
ALTER TABLE tickets.holds ADD COLUMN queue_place_id uuid REFERENCES tickets.queue_places (id);
