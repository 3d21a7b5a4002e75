-- The door: whose event an inventory is and when it runs (check-in opens a configurable time
-- before starts_at and closes at ends_at), and which staff accounts work for which organizer.
-- Inventories created before this migration have no door facts: only admins scan their tickets
-- until the event service sends them (it does at publication and at each reschedule).
ALTER TABLE tickets.inventories
  ADD COLUMN organizer_id uuid,
  ADD COLUMN starts_at    timestamptz,
  ADD COLUMN ends_at      timestamptz,
  ADD CONSTRAINT inventories_door_complete
    CHECK ((organizer_id IS NULL) = (starts_at IS NULL) AND (starts_at IS NULL) = (ends_at IS NULL));

-- An organizer (or an admin for them) lets a STAFF account scan the organizer's events.
CREATE TABLE tickets.door_staff (
  organizer_id uuid        NOT NULL,
  staff_id     uuid        NOT NULL,
  assigned_by  uuid        NOT NULL,
  assigned_at  timestamptz NOT NULL,
  PRIMARY KEY (organizer_id, staff_id)
);
CREATE INDEX door_staff_staff_idx ON tickets.door_staff (staff_id);
