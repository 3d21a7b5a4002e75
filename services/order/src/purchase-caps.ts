// The per-IP-range purchase cap of an on-sale (issue 11): one IPv4 /24 or IPv6 /48 buys at
// most ORDER_MAX_TICKETS_PER_IP_RANGE tickets per event, whichever accounts it buys for.
// Checked when the order is recorded, in its transaction and under a lock per range and event,
// so two concurrent orders cannot both slip past it and a refused order leaves nothing behind
// but its refusal (kept for the admin view). An admin's lift adds tickets to one range's cap.
// The per-card cap is the payment service's (card-caps.ts there); the per-account one the
// ticket service's (TICKET_MAX_PER_USER, at hold time).
import type {
  LiftPurchaseBlockBody,
  PurchaseAllowanceView,
  PurchaseBlockList,
  PurchaseBlockQuery,
  PurchaseBlockView,
} from '@ticketing/contracts';
import { type Executor, type Identity, newId } from '@ticketing/platform';
import { PurchaseBlockNotFoundError, PurchaseLimitReachedError } from './errors.js';
import { ipRangeOf } from './ip-ranges.js';
import * as repository from './repository.js';
import type { OrderDeps } from './saga.js';

/** Locks the range for the event and throws when `quantity` more tickets would pass its cap. */
export async function checkIpRangeCap(
  tx: Executor,
  deps: OrderDeps,
  order: { eventId: string; ipRange: string | undefined; quantity: number },
): Promise<void> {
  const limit = deps.settings.maxTicketsPerIpRange;
  if (limit <= 0 || !order.ipRange) return;
  await repository.lockIpRangeForEvent(tx, order.eventId, order.ipRange);
  const [bought, extra] = await Promise.all([
    repository.countTicketsOfIpRange(tx, order.eventId, order.ipRange),
    repository.sumIpRangeAllowances(tx, order.eventId, order.ipRange),
  ]);
  const cap = limit + extra;
  if (bought + order.quantity <= cap) return;
  const remaining = Math.max(0, cap - bought);
  throw new PurchaseLimitReachedError(
    'ip_range_limit_reached',
    `At most ${cap} tickets per network (${order.ipRange}) for this event: ${bought} were bought from it already, so ${remaining} more are possible (${order.quantity} requested); the held seats were released`,
    { limit: cap, alreadyBought: bought, requested: order.quantity },
  );
}

function blockView(deps: OrderDeps, row: repository.IpRangeRefusalRow): PurchaseBlockView {
  return {
    eventId: row.eventId,
    kind: 'ip_range',
    key: row.ipRange,
    label: row.ipRange,
    refusals: row.refusals,
    firstRefusedAt: row.firstRefusedAt.toISOString(),
    lastRefusedAt: row.lastRefusedAt.toISOString(),
    ticketsBought: row.ticketsBought,
    limit: deps.settings.maxTicketsPerIpRange,
    extraAllowed: row.extraAllowed,
  };
}

export async function listIpRangeBlocks(
  deps: OrderDeps,
  query: PurchaseBlockQuery,
): Promise<PurchaseBlockList> {
  const rows = await repository.listIpRangeRefusals(deps.db.orm, {
    eventId: query.eventId,
    limit: query.limit ?? 50,
  });
  return { items: rows.map((row) => blockView(deps, row)) };
}

/** Raises one refused range's cap for one event; each lift is its own row (who, when, why). */
export async function liftIpRangeBlock(
  deps: OrderDeps,
  admin: Identity,
  body: LiftPurchaseBlockBody,
): Promise<PurchaseAllowanceView> {
  // The key as listed; an address inside the range names it too.
  const ipRange = body.key.includes('/') ? body.key : ipRangeOf(body.key);
  const [refused] = ipRange
    ? await repository.listIpRangeRefusals(deps.db.orm, { eventId: body.eventId, ipRange, limit: 1 })
    : [];
  if (!refused) throw new PurchaseBlockNotFoundError();
  const allowance = await repository.insertIpRangeAllowance(deps.db.orm, {
    id: newId(),
    eventId: body.eventId,
    ipRange: refused.ipRange,
    extraTickets: body.extraTickets,
    reason: body.reason,
    grantedBy: admin.userId,
    grantedAt: deps.clock.now(),
  });
  deps.logger.warn(
    {
      eventId: body.eventId,
      ipRange: refused.ipRange,
      extraTickets: body.extraTickets,
      by: admin.userId,
      reason: body.reason,
    },
    'IP range purchase cap lifted',
  );
  return {
    id: allowance.id,
    eventId: allowance.eventId,
    kind: 'ip_range',
    key: refused.ipRange,
    extraTickets: allowance.extraTickets,
    reason: allowance.reason,
    grantedBy: allowance.grantedBy,
    grantedAt: allowance.grantedAt.toISOString(),
    effectiveLimit: deps.settings.maxTicketsPerIpRange + refused.extraAllowed + body.extraTickets,
  };
}
