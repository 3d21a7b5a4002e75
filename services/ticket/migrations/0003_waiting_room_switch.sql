-- Switching a waiting room off (or on) during a running sale (ADR 0021): an admin may do it,
-- and a room the hold threshold switched on switches itself off when the rush is over. Each
-- switch is recorded with its source and, for an admin, who made it.

ALTER TABLE tickets.waiting_rooms DROP CONSTRAINT waiting_rooms_source_check;
ALTER TABLE tickets.waiting_rooms
  ADD CONSTRAINT waiting_rooms_source_check CHECK (source IN ('event', 'auto', 'admin'));

ALTER TABLE tickets.waiting_room_changes DROP CONSTRAINT waiting_room_changes_source_check;
ALTER TABLE tickets.waiting_room_changes
  ADD CONSTRAINT waiting_room_changes_source_check CHECK (source IN ('event', 'auto', 'admin'));
ALTER TABLE tickets.waiting_room_changes ADD COLUMN changed_by uuid;
