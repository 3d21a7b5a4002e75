// Check-in at the door: a staff member's scanner sends a ticket code; a genuine, valid code
// admits once. A second scan says when and by whom the ticket was first scanned; a refunded or
// cancelled ticket is refused; a forged code is refused before the database is asked.
import type { CheckinBody, CheckinResult } from '@ticketing/contracts';
import type { Clock, Database } from '@ticketing/platform';
import type { TicketCodeSigner } from './e-tickets.js';
import {
  AlreadyCheckedInError,
  TicketRevokedError,
  UnknownTicketCodeError,
  WrongEventError,
} from './errors.js';
import * as repository from './repository.js';

export interface CheckinDeps {
  db: Database;
  clock: Clock;
  signer: TicketCodeSigner;
}

export async function checkIn(deps: CheckinDeps, staffId: string, body: CheckinBody): Promise<CheckinResult> {
  const claims = await deps.signer.verify(body.code.trim());
  const eTicket = await repository.findETicket(deps.db.orm, claims.codeId);
  if (!eTicket || eTicket.ticketId !== claims.ticketId) throw new UnknownTicketCodeError();
  if (body.eventId && eTicket.eventId !== body.eventId) throw new WrongEventError(eTicket.eventId);
  if (eTicket.revokedReason) throw new TicketRevokedError(eTicket.revokedReason);
  const now = deps.clock.now();
  if (!(await repository.markCheckedIn(deps.db.orm, eTicket.codeId, staffId, now))) {
    // Someone scanned it first (perhaps a moment ago, at another door), or it was just revoked.
    const current = await repository.findETicket(deps.db.orm, eTicket.codeId);
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
    checkedInBy: staffId,
  };
}
