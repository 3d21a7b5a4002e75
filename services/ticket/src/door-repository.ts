// The door's SQL, and only SQL: an event's door facts and the staff who work for each organizer.
// (Beside repository.ts, which is past the size where a concept gets its own file.)
import type { Executor } from '@ticketing/platform';
import { and, asc, eq } from 'drizzle-orm';
import { type DoorStaffRow, doorStaff, inventories } from './tables.js';

export interface DoorFacts {
  organizerId: string;
  startsAt: Date;
  endsAt: Date;
}

/** False when the event has no inventory. */
export async function updateDoorFacts(tx: Executor, eventId: string, door: DoorFacts): Promise<boolean> {
  const updated = await tx
    .update(inventories)
    .set(door)
    .where(eq(inventories.eventId, eventId))
    .returning({ eventId: inventories.eventId });
  return updated.length === 1;
}

/** Assigning twice keeps the first assignment. */
export async function insertDoorStaff(tx: Executor, row: DoorStaffRow): Promise<DoorStaffRow> {
  await tx.insert(doorStaff).values(row).onConflictDoNothing();
  const [stored] = await tx
    .select()
    .from(doorStaff)
    .where(and(eq(doorStaff.organizerId, row.organizerId), eq(doorStaff.staffId, row.staffId)));
  return stored!;
}

export async function deleteDoorStaff(tx: Executor, organizerId: string, staffId: string): Promise<boolean> {
  const deleted = await tx
    .delete(doorStaff)
    .where(and(eq(doorStaff.organizerId, organizerId), eq(doorStaff.staffId, staffId)))
    .returning({ staffId: doorStaff.staffId });
  return deleted.length === 1;
}

export async function findDoorStaff(db: Executor, organizerId: string): Promise<DoorStaffRow[]> {
  return db
    .select()
    .from(doorStaff)
    .where(eq(doorStaff.organizerId, organizerId))
    .orderBy(asc(doorStaff.assignedAt), asc(doorStaff.staffId))
    .limit(1000);
}
