// The per-account purchase cap of an on-sale as the admin view sees it: accounts whose holds were
// refused for reaching TICKET_MAX_PER_USER for an event, and the lift an admin grants (more
// tickets for that account and event, each lift its own row). The cap itself is checked in
// holds.ts, under the account's quota lock.
import type {
  LiftPurchaseBlockBody,
  PurchaseAllowanceView,
  PurchaseBlockList,
  PurchaseBlockQuery,
  PurchaseBlockView,
} from '@ticketing/contracts';
import { type Clock, type Database, type Identity, type Logger, newId } from '@ticketing/platform';
import { AccountBlockNotFoundError } from './errors.js';
import * as repository from './repository.js';

export interface AccountCapDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
  maxTicketsPerUser: number;
}

function blockView(deps: AccountCapDeps, row: repository.AccountRefusalRow): PurchaseBlockView {
  return {
    eventId: row.eventId,
    kind: 'account',
    key: row.userId,
    label: `account ${row.userId}`,
    refusals: row.refusals,
    firstRefusedAt: row.firstRefusedAt.toISOString(),
    lastRefusedAt: row.lastRefusedAt.toISOString(),
    ticketsBought: row.ticketsHeldOrOwned,
    limit: deps.maxTicketsPerUser,
    extraAllowed: row.extraAllowed,
  };
}

export async function listAccountBlocks(
  deps: AccountCapDeps,
  query: PurchaseBlockQuery,
): Promise<PurchaseBlockList> {
  const rows = await repository.listAccountLimitRefusals(
    deps.db.orm,
    { eventId: query.eventId, limit: query.limit ?? 50 },
    deps.clock.now(),
  );
  return { items: rows.map((row) => blockView(deps, row)) };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Raises one refused account's cap for one event; each lift is its own row (who, when, why). */
export async function liftAccountBlock(
  deps: AccountCapDeps,
  admin: Identity,
  body: LiftPurchaseBlockBody,
): Promise<PurchaseAllowanceView> {
  const [refused] = UUID.test(body.key)
    ? await repository.listAccountLimitRefusals(
        deps.db.orm,
        { eventId: body.eventId, userId: body.key.toLowerCase(), limit: 1 },
        deps.clock.now(),
      )
    : [];
  if (!refused) throw new AccountBlockNotFoundError();
  const allowance = await repository.insertAccountLimitAllowance(deps.db.orm, {
    id: newId(),
    eventId: body.eventId,
    userId: refused.userId,
    extraTickets: body.extraTickets,
    reason: body.reason,
    grantedBy: admin.userId,
    grantedAt: deps.clock.now(),
  });
  deps.logger.warn(
    {
      eventId: body.eventId,
      userId: refused.userId,
      extraTickets: body.extraTickets,
      by: admin.userId,
      reason: body.reason,
    },
    'account purchase cap lifted',
  );
  return {
    id: allowance.id,
    eventId: allowance.eventId,
    kind: 'account',
    key: refused.userId,
    extraTickets: allowance.extraTickets,
    reason: allowance.reason,
    grantedBy: allowance.grantedBy,
    grantedAt: allowance.grantedAt.toISOString(),
    effectiveLimit: deps.maxTicketsPerUser + refused.extraAllowed + body.extraTickets,
  };
}
