// Holds: a buyer takes specific seats, a quantity of general-admission tickets, or the best
// adjacent seats, all or nothing, for a few minutes; releases them; reads them back. Who gets
// a ticket is decided by one conditional statement per request in PostgreSQL (see
// repository.ts and docs/adr on holds), never by a read followed by a write.
import type { CreateHoldBody, HeldTicket, HoldView } from '@ticketing/contracts';
import { appendToOutbox, type Clock, type Database, type Executor, newId } from '@ticketing/platform';
import { changesOf } from './availability.js';
import type { CatalogueDeps, TicketCatalogue } from './catalogue.js';
import type { QueueSettings } from './config.js';
import {
  EventCancelledError,
  EventNotOnSaleError,
  HoldNotActiveError,
  HoldNotFoundError,
  HoldNotOwnedError,
  InvalidHoldRequestError,
  NoAdjacentSeatsError,
  NotEnoughTicketsError,
  SalesClosedError,
  SalesNotOpenError,
  SeatsUnavailableError,
  type ShortItem,
  TicketLimitError,
  type UnavailableSeat,
  UnknownCategoryError,
  UnknownSeatsError,
  UnknownTicketTypeError,
} from './errors.js';
import { ticketLocked, ticketReleased } from './events.js';
import type { ChangeAnnouncer } from './live-availability.js';
import type { QueueAdmissionTokens } from './queue-tokens.js';
import * as repository from './repository.js';
import { withRetryOnDeadlock } from './repository.js';
import {
  type HoldKind,
  type HoldRow,
  type InventoryRow,
  TICKET_SCHEMA,
  type TicketTypeRow,
} from './tables.js';
import { markAdmissionUsed, requireAdmission } from './waiting-room.js';

export interface HoldDeps {
  db: Database;
  catalogue: TicketCatalogue;
  clock: Clock;
  live: ChangeAnnouncer;
  holdTtlSeconds: number;
  maxTicketsPerUser: number;
  /** The waiting room: an event with one needs an admission token to hold. */
  queue: QueueSettings;
  admissions: QueueAdmissionTokens;
}

/** Best available tries this many blocks per round, and this many rounds, before giving up. */
const BLOCKS_PER_ROUND = 20;
const BEST_AVAILABLE_ROUNDS = 3;
/** After losing a block, the next attempt is one of this many next best blocks. */
const SPREAD_AFTER_A_LOSS = 4;

/** Thrown inside a transaction to roll it back when fewer tickets were taken than asked for. */
class Shortfall extends Error {
  constructor(
    readonly detail: { kind: 'seats'; taken: string[] } | { kind: 'items'; index: number } | { kind: 'best' },
  ) {
    super('shortfall');
  }
}

/** Thrown inside a savepoint when seats of a best-available block were taken meanwhile. */
class BlockTaken extends Error {
  constructor(readonly ticketIds: string[]) {
    super('block taken');
  }
}

export function toHeldTicket(
  ticket: repository.TicketRecord,
  currency: string,
  typeNames: Map<string, string>,
): HeldTicket {
  return {
    id: ticket.id,
    eventId: ticket.eventId,
    seatId: ticket.seatId,
    ticketTypeId: ticket.ticketTypeId,
    ticketTypeName: ticket.ticketTypeId ? (typeNames.get(ticket.ticketTypeId) ?? null) : null,
    label: ticket.label,
    section: ticket.section,
    row: ticket.row,
    seat: ticket.seat,
    category: ticket.category,
    price: ticket.price,
    currency,
  };
}

export function toHoldView(hold: HoldRow, tickets: HeldTicket[]): HoldView {
  return {
    id: hold.id,
    eventId: hold.eventId,
    userId: hold.userId,
    status: hold.status,
    expiresAt: hold.expiresAt.toISOString(),
    createdAt: hold.createdAt.toISOString(),
    total: hold.total,
    currency: hold.currency,
    orderId: hold.orderId,
    queuePlaceId: hold.queuePlaceId,
    tickets,
  };
}

export const typeNamesOf = (types: TicketTypeRow[]) => new Map(types.map((type) => [type.id, type.name]));

/** The inventory of an event that can be held from now, or the reason it cannot. */
async function findOnSaleInventory(
  catalogue: TicketCatalogue,
  eventId: string,
  now: Date,
): Promise<InventoryRow> {
  const inventory = await catalogue.inventory(eventId);
  if (!inventory) throw new EventNotOnSaleError();
  if (inventory.status === 'CANCELLED') throw new EventCancelledError();
  if (inventory.salesStartAt && now < inventory.salesStartAt)
    throw new SalesNotOpenError(inventory.salesStartAt);
  if (inventory.salesEndAt && now >= inventory.salesEndAt) throw new SalesClosedError(inventory.salesEndAt);
  return inventory;
}

type Request =
  | { kind: 'SEATS'; seatIds: string[]; count: number; field: string }
  | { kind: 'QUANTITY'; items: { ticketTypeId: string; quantity: number }[]; count: number; field: string }
  | { kind: 'BEST'; quantity: number; category: string | undefined; count: number; field: string };

function readRequest(body: CreateHoldBody): Request {
  const given = (['seatIds', 'items', 'best'] as const).filter((field) => body[field] !== undefined);
  if (given.length !== 1) {
    throw new InvalidHoldRequestError(
      given[1] ?? 'seatIds',
      given.length === 0
        ? 'say what to hold: seatIds, items (ticket types and quantities) or best (a quantity of adjacent seats)'
        : `send only one of seatIds, items or best (got ${given.join(' and ')})`,
    );
  }
  if (body.seatIds)
    return { kind: 'SEATS', seatIds: body.seatIds, count: body.seatIds.length, field: 'seatIds' };
  if (body.items) {
    const count = body.items.reduce((sum, item) => sum + item.quantity, 0);
    return { kind: 'QUANTITY', items: body.items, count, field: 'items' };
  }
  const best = body.best!;
  return {
    kind: 'BEST',
    quantity: best.quantity,
    category: best.category,
    count: best.quantity,
    field: 'best.quantity',
  };
}

/**
 * Refuses, before any transaction, what cannot be held: ids that do not exist or belong to
 * another event, seats already taken, more units than are left. A refusal may come from a
 * read; a grant never does (only the conditional statements in the transaction grant), so
 * under an on-sale rush most losers are answered by one indexed read.
 */
async function refuseWhatCannotBeHeld(
  db: Executor,
  eventId: string,
  request: Request,
  types: TicketTypeRow[],
): Promise<void> {
  if (request.kind === 'SEATS') {
    const found = await repository.findSeatsById(db, request.seatIds);
    const ofEvent = new Map(
      found.filter((seat) => seat.eventId === eventId).map((seat) => [seat.seatId, seat]),
    );
    const unknown = request.seatIds
      .filter((seatId) => !ofEvent.has(seatId))
      .map((seatId) => ({
        seatId,
        reason: found.some((seat) => seat.seatId === seatId)
          ? ('other_event' as const)
          : ('not_found' as const),
      }));
    if (unknown.length > 0) throw new UnknownSeatsError(unknown);
    const taken: UnavailableSeat[] = request.seatIds
      .map((seatId) => ofEvent.get(seatId)!)
      .filter((seat) => seat.status !== 'AVAILABLE')
      .map((seat) => ({
        seatId: seat.seatId,
        label: seat.label,
        status: seat.status as UnavailableSeat['status'],
      }));
    if (taken.length > 0)
      throw new SeatsUnavailableError(taken, await repository.countAvailableSeats(db, eventId));
  }
  if (request.kind === 'QUANTITY') {
    const seen = new Set<string>();
    for (const [index, item] of request.items.entries()) {
      const type = types.find((candidate) => candidate.id === item.ticketTypeId);
      if (!type) throw new UnknownTicketTypeError(index, item.ticketTypeId);
      if (seen.has(item.ticketTypeId))
        throw new InvalidHoldRequestError(
          `items.${index}.ticketTypeId`,
          `items.${index}.ticketTypeId is listed twice; add the quantities up instead`,
        );
      seen.add(item.ticketTypeId);
      // Counting up to the quantity says whether it fits; the full count only for a refusal.
      if ((await repository.countFreeUnitsUpTo(db, item.ticketTypeId, item.quantity)) < item.quantity)
        throw new NotEnoughTicketsError(index, {
          ticketTypeId: type.id,
          name: type.name,
          requested: item.quantity,
          available: await repository.countFreeUnits(db, item.ticketTypeId),
        });
    }
  }
  if (request.kind === 'BEST' && request.category !== undefined) {
    const categories = await repository.findSeatCategories(db, eventId);
    if (!categories.includes(request.category)) throw new UnknownCategoryError(request.category, categories);
  }
}

/**
 * Best available inside the hold's transaction: the best block whose seats are all free and
 * not being taken by someone else; under contention, another of the next best blocks. Seats
 * found taken are remembered, so no block containing one is tried again.
 */
async function holdBestBlock(
  tx: Executor,
  inventory: InventoryRow,
  request: Extract<Request, { kind: 'BEST' }>,
  lock: repository.LockFor,
): Promise<repository.TicketRecord[] | undefined> {
  const taken = new Set<string>();
  for (let round = 0; round < BEST_AVAILABLE_ROUNDS; round++) {
    let blocks = await repository.findBestSeatBlocks(tx, {
      eventId: inventory.eventId,
      quantity: request.quantity,
      category: request.category,
      stageX: inventory.stageX ?? 0,
      limit: BLOCKS_PER_ROUND,
      exclude: [...taken],
    });
    if (blocks.length === 0) return undefined;
    let attempt = 0;
    while (blocks.length > 0) {
      // The best block first; after losing one, a random one of the next few best, so that
      // buyers who lost the same block spread out instead of all racing for the next.
      const index =
        attempt === 0 ? 0 : Math.floor(Math.random() * Math.min(SPREAD_AFTER_A_LOSS, blocks.length));
      const block = blocks[index]!;
      attempt++;
      try {
        // A savepoint per attempt: a block found partly taken is let go of entirely.
        return await tx.transaction(async (savepoint) => {
          const free = await repository.lockFreeSeatsOfBlock(savepoint, block.ticketIds);
          if (free.length !== block.ticketIds.length)
            throw new BlockTaken(block.ticketIds.filter((id) => !free.includes(id)));
          return repository.holdLockedSeats(savepoint, block.ticketIds, lock);
        });
      } catch (error) {
        if (!(error instanceof BlockTaken)) throw error;
        for (const id of error.ticketIds) taken.add(id);
        blocks = blocks.filter((candidate) => !candidate.ticketIds.some((id) => taken.has(id)));
      }
    }
  }
  return undefined;
}

/**
 * Holds what the body asks for, all or nothing. `queueToken` is the Queue-Token header: an event
 * whose waiting room is on refuses a hold without a valid admission (403).
 */
export async function holdTickets(
  deps: HoldDeps,
  userId: string,
  body: CreateHoldBody,
  queueToken?: string,
): Promise<HoldView> {
  const request = readRequest(body);
  // An admin's allowance for this account is read only when the plain cap would refuse, so the
  // usual hold pays nothing for it.
  let limit = deps.maxTicketsPerUser;
  if (request.count > limit) {
    limit += await repository.sumAccountAllowances(deps.db.orm, body.eventId, userId);
    if (request.count > limit) throw new TicketLimitError(request.field, limit, 0, request.count);
  }
  const inventory = await findOnSaleInventory(deps.catalogue, body.eventId, deps.clock.now());
  const admission = await requireAdmission(deps, userId, body.eventId, queueToken);
  const types = await deps.catalogue.ticketTypes(body.eventId);
  await refuseWhatCannotBeHeld(deps.db.orm, body.eventId, request, types);

  let outcome: { hold: HoldRow; tickets: repository.TicketRecord[] };
  try {
    outcome = await withRetryOnDeadlock(() =>
      deps.db.transaction(async (tx) => {
        const now = deps.clock.now();
        if (admission) await markAdmissionUsed(deps, tx, admission.placeId, now);
        await repository.lockUserEventQuota(tx, userId, body.eventId);
        const already = await repository.countTicketsOfUser(tx, userId, body.eventId, now);
        if (already + request.count > limit) {
          limit = deps.maxTicketsPerUser + (await repository.sumAccountAllowances(tx, body.eventId, userId));
          if (already + request.count > limit)
            throw new TicketLimitError(request.field, limit, already, request.count);
        }
        const lock = {
          holdId: newId(),
          userId,
          // A hold made with an admission ends by the admission's end, so it can always be bought with its token.
          lockedUntil: new Date(
            Math.min(
              now.getTime() + deps.holdTtlSeconds * 1000,
              admission?.admissionEndsAt.getTime() ?? Infinity,
            ),
          ),
          now,
        };
        let tickets: repository.TicketRecord[] = [];
        if (request.kind === 'SEATS') {
          tickets = await repository.holdAvailableSeats(tx, body.eventId, request.seatIds, lock);
          if (tickets.length < request.seatIds.length)
            throw new Shortfall({ kind: 'seats', taken: tickets.map((ticket) => ticket.seatId!) });
        } else if (request.kind === 'QUANTITY') {
          for (const [index, item] of request.items.entries()) {
            const taken = await repository.holdFreeUnits(tx, item.ticketTypeId, item.quantity, lock);
            if (taken.length < item.quantity) throw new Shortfall({ kind: 'items', index });
            tickets.push(...taken);
          }
        } else {
          const taken = await holdBestBlock(tx, inventory, request, lock);
          if (!taken) throw new Shortfall({ kind: 'best' });
          tickets = taken;
        }
        const hold: HoldRow = {
          id: lock.holdId,
          eventId: body.eventId,
          userId,
          status: 'ACTIVE',
          kind: request.kind satisfies HoldKind,
          ticketCount: tickets.length,
          total: tickets.reduce((sum, ticket) => sum + ticket.price, 0),
          currency: inventory.currency,
          expiresAt: lock.lockedUntil,
          createdAt: now,
          endedAt: null,
          endReason: null,
          orderId: null,
          queuePlaceId: admission?.placeId ?? null,
        };
        await repository.insertHold(tx, hold);
        await appendToOutbox(tx, TICKET_SCHEMA, [ticketLocked(hold, tickets)]);
        return { hold, tickets };
      }),
    );
  } catch (error) {
    if (error instanceof Shortfall)
      throw await explainShortfall(deps.db.orm, inventory, request, types, error);
    // Kept for the admin view of blocks (the hold itself was rolled back).
    if (error instanceof TicketLimitError && error.code === 'ticket_limit_reached')
      await repository.recordAccountLimitRefusal(deps.db.orm, body.eventId, userId, deps.clock.now());
    throw error;
  }
  deps.live.announce(body.eventId, changesOf(outcome.tickets));
  const names = typeNamesOf(types);
  return toHoldView(
    outcome.hold,
    sortTickets(outcome.tickets).map((ticket) => toHeldTicket(ticket, inventory.currency, names)),
  );
}

const byLabel = new Intl.Collator('en', { numeric: true });
/** Tickets in the order people read them: by label, numbers by value (Seat 9 before Seat 10). */
export const sortTickets = (tickets: repository.TicketRecord[]) =>
  [...tickets].sort((a, b) => byLabel.compare(a.label, b.label));

/** After the rollback: which seats were unavailable, or how many tickets are left. */
async function explainShortfall(
  db: Executor,
  inventory: InventoryRow,
  request: Request,
  types: TicketTypeRow[],
  shortfall: Shortfall,
): Promise<Error> {
  if (request.kind === 'SEATS' && shortfall.detail.kind === 'seats') {
    const taken = new Set(shortfall.detail.taken);
    const missing = request.seatIds.filter((seatId) => !taken.has(seatId));
    const seats = await repository.findSeatsById(db, missing);
    const unavailable: UnavailableSeat[] = missing.map((seatId) => {
      const seat = seats.find(
        (candidate) => candidate.seatId === seatId && candidate.eventId === inventory.eventId,
      );
      // A seat seen free again was freed after this request lost it; it was held at the time.
      const status = seat?.status === 'SOLD' || seat?.status === 'CANCELLED' ? seat.status : 'LOCKED';
      return { seatId, label: seat?.label ?? seatId, status };
    });
    return new SeatsUnavailableError(
      unavailable,
      await repository.countAvailableSeats(db, inventory.eventId),
    );
  }
  if (request.kind === 'QUANTITY' && shortfall.detail.kind === 'items') {
    const index = shortfall.detail.index;
    const item = request.items[index]!;
    const short: ShortItem = {
      ticketTypeId: item.ticketTypeId,
      name: types.find((type) => type.id === item.ticketTypeId)?.name ?? 'such',
      requested: item.quantity,
      available: await repository.countFreeUnits(db, item.ticketTypeId),
    };
    return new NotEnoughTicketsError(index, short);
  }
  const best = request as Extract<Request, { kind: 'BEST' }>;
  const left = await repository.describeFreeSeats(db, inventory.eventId, best.category);
  return new NoAdjacentSeatsError(best.quantity, left.available, left.largestBlock, best.category);
}

/** The hold as its owner sees it; another user's hold does not exist for them. */
export async function getHold(deps: CatalogueDeps, holdId: string, ownerId?: string): Promise<HoldView> {
  const hold = await repository.findHold(deps.db.orm, holdId);
  if (!hold || (ownerId !== undefined && hold.userId !== ownerId)) throw new HoldNotFoundError();
  const [tickets, types] = await Promise.all([
    repository.findTicketsOfHold(deps.db.orm, holdId),
    deps.catalogue.ticketTypes(hold.eventId),
  ]);
  const names = typeNamesOf(types);
  return toHoldView(
    hold,
    sortTickets(tickets).map((ticket) => toHeldTicket(ticket, hold.currency, names)),
  );
}

export async function listActiveHolds(
  deps: CatalogueDeps,
  userId: string,
  eventId: string | undefined,
): Promise<HoldView[]> {
  const active = await repository.findActiveHoldsOfUser(deps.db.orm, userId, eventId);
  return Promise.all(active.map((hold) => getHold(deps, hold.id, userId)));
}

/**
 * Ends a live hold and returns its tickets to AVAILABLE. Releasing a hold that already ended
 * is a no-op; a sold hold cannot be released (that is a refund). `owner` is checked as the
 * owner (a user: not found; a service acting for a user: not owned).
 */
export async function releaseHold(
  deps: HoldDeps,
  holdId: string,
  owner: { userId: string; asService: boolean } | undefined,
  reason: 'released' | 'payment_failed',
): Promise<void> {
  const released = await withRetryOnDeadlock(() =>
    deps.db.transaction(async (tx) => {
      const hold = await repository.lockHold(tx, holdId);
      if (!hold || (owner && !owner.asService && hold.userId !== owner.userId)) throw new HoldNotFoundError();
      if (owner?.asService && hold.userId !== owner.userId) throw new HoldNotOwnedError();
      if (hold.status === 'SOLD') throw new HoldNotActiveError(hold.status, hold.endReason);
      if (hold.status !== 'ACTIVE') return undefined;
      const now = deps.clock.now();
      const tickets = await repository.releaseTicketsOfHolds(tx, [hold.id], now);
      await repository.endHolds(tx, [hold.id], 'RELEASED', reason, now);
      await appendToOutbox(tx, TICKET_SCHEMA, [ticketReleased(hold.eventId, hold.id, tickets, reason)]);
      return { eventId: hold.eventId, tickets };
    }),
  );
  if (released) deps.live.announce(released.eventId, changesOf(released.tickets));
}
