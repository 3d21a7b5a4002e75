// Sales: the order service converts a hold into SOLD tickets (its owner's, before expiry, once
// per order) with their e-tickets, and gives sold tickets back on a refund.
import type { ReleasedSold, ReleaseSoldBody, SellHoldBody, SoldHold, SoldTicket } from '@ticketing/contracts';
import {
  AppError,
  appendToOutbox,
  type Clock,
  ConflictError,
  type Database,
  NotFoundError,
} from '@ticketing/platform';
import { changesOf } from './availability.js';
import type { TicketCatalogue } from './catalogue.js';
import { type TicketCodeSigner, ticketsOfOrder, toSoldTicket } from './e-tickets.js';
import {
  HoldExpiredError,
  HoldNotActiveError,
  HoldNotFoundError,
  HoldNotOwnedError,
  HoldSoldToAnotherOrderError,
  UnknownTicketsError,
} from './errors.js';
import { ticketCancelled, ticketSold } from './events.js';
import { sortTickets, typeNamesOf } from './holds.js';
import type { ChangeAnnouncer } from './live-availability.js';
import * as repository from './repository.js';
import { withRetryOnDeadlock } from './repository.js';
import { type HoldRow, TICKET_SCHEMA } from './tables.js';

export interface SaleDeps {
  db: Database;
  catalogue: TicketCatalogue;
  clock: Clock;
  live: ChangeAnnouncer;
  signer: TicketCodeSigner;
}

const isUniqueViolation = (error: unknown, constraint: string) => {
  const cause = ((error as { cause?: unknown }).cause ?? error) as { code?: string; constraint?: string };
  return cause.code === '23505' && cause.constraint === constraint;
};

/**
 * The sale as the order service is answered. A sale made just now is answered from what it
 * wrote (the tickets and their codes; only the ticket types' names are read); a repeated sale
 * reads the order's tickets back.
 */
async function soldHoldView(
  deps: SaleDeps,
  hold: HoldRow,
  fresh?: { tickets: repository.TicketRecord[]; codes: Map<string, string> },
): Promise<SoldHold> {
  const tickets = fresh
    ? await withCodes(deps, hold, fresh.tickets, fresh.codes)
    : (await ticketsOfOrder(deps, hold.orderId!)).filter((ticket) => ticket.status === 'SOLD');
  return {
    holdId: hold.id,
    orderId: hold.orderId!,
    eventId: hold.eventId,
    userId: hold.userId,
    soldAt: (hold.endedAt ?? hold.createdAt).toISOString(),
    total: hold.total,
    currency: hold.currency,
    tickets,
  };
}

/**
 * The hold's tickets become SOLD to the order, each with a signed e-ticket. Only for the
 * hold's owner and only before it expires; the same orderId again answers the same sale.
 */
export async function sellHold(deps: SaleDeps, holdId: string, sale: SellHoldBody): Promise<SoldHold> {
  const sold = await withRetryOnDeadlock(() =>
    deps.db.transaction(async (tx) => {
      const now = deps.clock.now();
      // The hold is marked sold first, in the statement that checks it may be (the sweeper skips
      // a hold locked here, and a sale waits for a sweep that got there first); only when it may
      // not is it read, to say why — or to answer the same sale again.
      const hold = await repository.markHoldSoldIfLive(tx, holdId, sale, now).catch((error) => {
        if (isUniqueViolation(error, 'holds_order_unique'))
          throw new ConflictError('The order already bought another hold', 'order_already_used', {
            field: 'orderId',
          });
        throw error;
      });
      if (!hold) {
        const found = await repository.lockHold(tx, holdId);
        if (!found) throw new HoldNotFoundError();
        if (found.userId !== sale.userId) throw new HoldNotOwnedError();
        if (found.status === 'SOLD') {
          if (found.orderId !== sale.orderId) throw new HoldSoldToAnotherOrderError();
          return { hold: found, fresh: false as const };
        }
        if (found.status === 'EXPIRED' || found.status === 'ACTIVE')
          throw new HoldExpiredError(found.expiresAt);
        throw new HoldNotActiveError(found.status, found.endReason);
      }
      const tickets = await repository.sellTicketsOfHold(tx, hold.id, sale.orderId, sale.userId, now);
      if (tickets.length !== hold.ticketCount) {
        throw new AppError(
          500,
          'hold_inconsistent',
          `hold ${hold.id} has ${tickets.length} locked tickets, expected ${hold.ticketCount}`,
          {},
          false,
        );
      }
      const eTickets = [];
      for (const ticket of tickets) {
        const { codeId, code } = await deps.signer.issue({ ticketId: ticket.id, eventId: ticket.eventId });
        eTickets.push({
          codeId,
          ticketId: ticket.id,
          eventId: ticket.eventId,
          orderId: sale.orderId,
          ownerId: sale.userId,
          code,
          issuedAt: now,
        });
      }
      await repository.insertETickets(tx, eTickets);
      await appendToOutbox(tx, TICKET_SCHEMA, [
        ticketSold(
          { eventId: hold.eventId, holdId: hold.id, orderId: sale.orderId, userId: sale.userId, soldAt: now },
          tickets,
        ),
      ]);
      return {
        hold,
        fresh: true as const,
        tickets,
        codes: new Map(eTickets.map((eTicket) => [eTicket.ticketId, eTicket.code])),
      };
    }),
  );
  if (!sold.fresh) return soldHoldView(deps, sold.hold);
  deps.live.announce(sold.hold.eventId, changesOf(sold.tickets));
  return soldHoldView(deps, sold.hold, sold);
}

/** Sold tickets with their new codes, sorted as a hold lists them. */
async function withCodes(
  deps: SaleDeps,
  hold: HoldRow,
  tickets: repository.TicketRecord[],
  codes: Map<string, string>,
): Promise<SoldTicket[]> {
  const names = tickets.some((ticket) => ticket.ticketTypeId)
    ? typeNamesOf(await deps.catalogue.ticketTypes(hold.eventId))
    : new Map<string, string>();
  return sortTickets(tickets).map((ticket) =>
    toSoldTicket({ ...ticket, code: codes.get(ticket.id) ?? null, checkedInAt: null }, hold.currency, names),
  );
}

/**
 * A refund: the order's sold tickets (all, or the listed ones) leave it, back on sale, or
 * CANCELLED when the event was cancelled; their e-tickets are revoked so a scan refuses them.
 * Tickets already given back count as done, so the order service may retry.
 */
export async function releaseSoldTickets(deps: SaleDeps, body: ReleaseSoldBody): Promise<ReleasedSold> {
  const outcome = await withRetryOnDeadlock(() =>
    deps.db.transaction(async (tx) => {
      const everSold = await repository.findTicketIdsEverSoldToOrder(tx, body.orderId);
      if (everSold.length === 0) throw new NotFoundError('Tickets of the order', 'order_tickets_not_found');
      if (body.ticketIds) {
        const unknown = body.ticketIds.filter((ticketId) => !everSold.includes(ticketId));
        if (unknown.length > 0) throw new UnknownTicketsError(unknown);
      }
      const locked = await repository.lockSoldTicketsOfOrder(tx, body.orderId, body.ticketIds);
      if (locked.length === 0) return { eventId: undefined, released: [] };
      const now = deps.clock.now();
      const eventId = locked[0]!.eventId;
      const inventory = await repository.findInventory(tx, eventId);
      const cancelled = inventory?.status === 'CANCELLED';
      const ids = locked.map((ticket) => ticket.id);
      const released = await repository.unsellTickets(tx, ids, cancelled ? 'CANCELLED' : 'AVAILABLE', now);
      await repository.revokeETickets(
        tx,
        { ticketIds: ids },
        cancelled ? 'event_cancelled' : 'refunded',
        now,
      );
      await appendToOutbox(
        tx,
        TICKET_SCHEMA,
        ticketCancelled(eventId, released, cancelled ? 'event_cancelled' : 'refunded'),
      );
      return { eventId, released };
    }),
  );
  if (outcome.eventId) deps.live.announce(outcome.eventId, changesOf(outcome.released));
  const tickets = (await ticketsOfOrder(deps, body.orderId)).map((ticket) => ({
    id: ticket.id,
    status: ticket.status,
  }));
  const releasedIds = new Set(outcome.released.map((ticket) => ticket.id));
  const requested = body.ticketIds ? new Set(body.ticketIds) : undefined;
  // Released tickets no longer carry the order; list them with their new status.
  const listed = [
    ...tickets.filter((ticket) => !requested || requested.has(ticket.id)),
    ...outcome.released.map((ticket) => ({ id: ticket.id, status: ticket.status })),
  ].filter((ticket, index, all) => all.findIndex((other) => other.id === ticket.id) === index);
  return { orderId: body.orderId, released: releasedIds.size, tickets: listed };
}
