// Who works the door: an organizer adds STAFF accounts to their organizer account, and those
// scan the organizer's events only; an admin manages any organizer's staff (and scans anything).
// The event service tells each inventory whose event it is and when it runs (door facts).
import type { InventoryDoor } from '@ticketing/contracts';
import { type Clock, type Database, type Identity, NotFoundError } from '@ticketing/platform';
import * as doorRepository from './door-repository.js';
import { DoorStaffNotFoundError, OtherOrganizerError } from './errors.js';
import type { DoorStaffRow } from './tables.js';

export interface DoorStaffDeps {
  db: Database;
  clock: Clock;
}

export interface DoorStaffView {
  organizerId: string;
  staffId: string;
  assignedBy: string;
  assignedAt: string;
}

const toView = (row: DoorStaffRow): DoorStaffView => ({
  organizerId: row.organizerId,
  staffId: row.staffId,
  assignedBy: row.assignedBy,
  assignedAt: row.assignedAt.toISOString(),
});

/** The organizer account acted on: an organizer's own; an admin's choice (their own when not given). */
function organizerFor(actor: Identity, organizerId: string | undefined): string {
  if (organizerId === undefined || organizerId === actor.userId) return actor.userId;
  if (!actor.roles.includes('ADMIN')) throw new OtherOrganizerError();
  return organizerId;
}

export async function assignDoorStaff(
  deps: DoorStaffDeps,
  actor: Identity,
  staffId: string,
  organizerId: string | undefined,
): Promise<DoorStaffView> {
  const row = await doorRepository.insertDoorStaff(deps.db.orm, {
    organizerId: organizerFor(actor, organizerId),
    staffId,
    assignedBy: actor.userId,
    assignedAt: deps.clock.now(),
  });
  return toView(row);
}

export async function removeDoorStaff(
  deps: DoorStaffDeps,
  actor: Identity,
  staffId: string,
  organizerId: string | undefined,
): Promise<void> {
  if (!(await doorRepository.deleteDoorStaff(deps.db.orm, organizerFor(actor, organizerId), staffId)))
    throw new DoorStaffNotFoundError();
}

export async function listDoorStaff(
  deps: DoorStaffDeps,
  actor: Identity,
  organizerId: string | undefined,
): Promise<{ organizerId: string; items: DoorStaffView[] }> {
  const organizer = organizerFor(actor, organizerId);
  return {
    organizerId: organizer,
    items: (await doorRepository.findDoorStaff(deps.db.orm, organizer)).map(toView),
  };
}

/** The event service's word on whose event it is and when it runs (at publication and each reschedule). */
export async function setDoorFacts(deps: DoorStaffDeps, eventId: string, door: InventoryDoor): Promise<void> {
  const updated = await doorRepository.updateDoorFacts(deps.db.orm, eventId, {
    organizerId: door.organizerId,
    startsAt: new Date(door.startsAt),
    endsAt: new Date(door.endsAt),
  });
  if (!updated) throw new NotFoundError("The event's inventory", 'event_not_found');
}
