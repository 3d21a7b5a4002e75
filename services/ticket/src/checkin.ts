// Check-in at the door: a staff member's scanner sends a ticket code; a genuine, valid code
// admits once. Staff scan only the events of organizers they work for (admins any); the door
// opens a configurable time before the event starts and closes when it ends. A second scan says
// when and by whom the ticket was first scanned; a refunded or cancelled ticket is refused; a
// forged code is refused before the database is asked.
import type { CheckinBody, CheckinResult } from '@ticketing/contracts';
import type { Clock, Database, Identity } from '@ticketing/platform';
import type { TicketCodeSigner } from './e-tickets.js';
import {
  AlreadyCheckedInError,
  CheckinClosedError,
  CheckinNotOpenError,
  DoorUnknownError,
  NotEventStaffError,
  TicketRevokedError,
  UnknownTicketCodeError,
  WrongEventError,
} from './errors.js';
import * as repository from './repository.js';

export interface CheckinDeps {
  db: Database;
  clock: Clock;
  signer: TicketCodeSigner;
  /** How long before the event starts its door opens (TICKET_CHECK_IN_OPENS_BEFORE_MINUTES). */
  checkInOpensBeforeMinutes: number;
}

export async function checkIn(
  deps: CheckinDeps,
  scanner: Identity,
  body: CheckinBody,
): Promise<CheckinResult> {
  const claims = await deps.signer.verify(body.code.trim());
  const eTicket = await repository.findETicket(deps.db.orm, claims.codeId, scanner.userId);
  if (!eTicket || eTicket.ticketId !== claims.ticketId) throw new UnknownTicketCodeError();
  const admin = scanner.roles.includes('ADMIN');
  // Before anything about the ticket is said: a scanner of another organizer learns nothing.
  if (!admin && eTicket.organizerId === null) throw new DoorUnknownError();
  if (!admin && !eTicket.staffAssigned) throw new NotEventStaffError();
  if (body.eventId && eTicket.eventId !== body.eventId) throw new WrongEventError(eTicket.eventId);
  if (eTicket.revokedReason) throw new TicketRevokedError(eTicket.revokedReason);
  const now = deps.clock.now();
  if (eTicket.startsAt && eTicket.endsAt) {
    const opensAt = new Date(eTicket.startsAt.getTime() - deps.checkInOpensBeforeMinutes * 60_000);
    if (now < opensAt) throw new CheckinNotOpenError(opensAt);
    if (now > eTicket.endsAt) throw new CheckinClosedError(eTicket.endsAt);
  }
  if (!(await repository.markCheckedIn(deps.db.orm, eTicket.codeId, scanner.userId, now))) {
    // Someone scanned it first (perhaps a moment ago, at another door), or it was just revoked.
    const current = await repository.findETicket(deps.db.orm, eTicket.codeId, scanner.userId);
    if (current?.revokedReason) throw new TicketRevokedError(current.revokedReason);
    throw new AlreadyCheckedInError(current!.checkedInAt!, current!.checkedInBy!);
  }
  return {
    admitted: true,
    ticketId: eTicket.ticketId,
    eventId: eTicket.eventId,
    label: eTicket.label,
    category: eTicket.category,
    ticketTypeName: eTicket.ticketTypeName,
    checkedInAt: now.toISOString(),
    checkedInBy: scanner.userId,
  };
}
