// The per-card purchase cap of an on-sale (issue 11): one payment card pays for at most
// PAYMENT_MAX_TICKETS_PER_CARD tickets per event, whichever accounts it is used from. Checked
// before charging, under a lock per card and event, so a refused order is never charged; a
// refusal is kept for the admin view, and an admin's lift adds tickets to one card's cap.
import type {
  LiftPurchaseBlockBody,
  PurchaseAllowanceView,
  PurchaseBlockList,
  PurchaseBlockQuery,
  PurchaseBlockView,
} from '@ticketing/contracts';
import { type Executor, type Identity, newId } from '@ticketing/platform';
import { RefusedCardNotFoundError } from './errors.js';
import type { PaymentDeps } from './payments.js';
import * as repository from './repository.js';

/** What the admin view shows and takes to name a card: the start of its keyed fingerprint. */
const SHORT_FINGERPRINT = 16;

/**
 * Locks the card for the event and answers a failure when this payment would take the card
 * past its cap; undefined when the payment may go on (or the cap does not apply).
 */
export async function checkCardCap(
  tx: Executor,
  deps: PaymentDeps,
  attempt: { eventId: string | undefined; quantity: number | undefined; fingerprint: string },
): Promise<{ code: string; reason: string } | undefined> {
  const limit = deps.settings.maxTicketsPerCard;
  if (limit <= 0 || !attempt.eventId || !attempt.quantity) return undefined;
  await repository.lockCardForEvent(tx, attempt.eventId, attempt.fingerprint);
  const [paid, extra] = await Promise.all([
    repository.countTicketsPaidWithCard(tx, attempt.eventId, attempt.fingerprint),
    repository.sumCardAllowances(tx, attempt.eventId, attempt.fingerprint),
  ]);
  const cap = limit + extra;
  if (paid + attempt.quantity <= cap) return undefined;
  const remaining = Math.max(0, cap - paid);
  return {
    code: 'card_limit_reached',
    reason: `At most ${cap} tickets per payment card for this event: this card already paid for ${paid}, so ${remaining} more are possible (${attempt.quantity} requested)`,
  };
}

function blockView(deps: PaymentDeps, row: repository.CardRefusalRow): PurchaseBlockView {
  const short = row.cardFingerprint.slice(0, SHORT_FINGERPRINT);
  return {
    eventId: row.eventId,
    kind: 'card',
    key: short,
    label: `${row.cardBrand} •••• ${row.cardLast4 ?? '????'} (${short.slice(0, 8)}…)`,
    refusals: row.refusals,
    firstRefusedAt: row.firstRefusedAt.toISOString(),
    lastRefusedAt: row.lastRefusedAt.toISOString(),
    ticketsBought: row.ticketsBought,
    limit: deps.settings.maxTicketsPerCard,
    extraAllowed: row.extraAllowed,
  };
}

export async function listCardBlocks(
  deps: PaymentDeps,
  query: PurchaseBlockQuery,
): Promise<PurchaseBlockList> {
  const rows = await repository.listCardLimitRefusals(deps.db.orm, {
    eventId: query.eventId,
    limit: query.limit ?? 50,
  });
  return { items: rows.map((row) => blockView(deps, row)) };
}

/** Raises one refused card's cap for one event; each lift is its own row (who, when, why). */
export async function liftCardBlock(
  deps: PaymentDeps,
  admin: Identity,
  body: LiftPurchaseBlockBody,
): Promise<PurchaseAllowanceView> {
  const key = body.key.toLowerCase();
  const [refused] = /^[0-9a-f]{16}$/.test(key)
    ? await repository.listCardLimitRefusals(deps.db.orm, {
        eventId: body.eventId,
        fingerprintPrefix: key,
        limit: 1,
      })
    : [];
  // Only a card refused for this event can be lifted: the short key names it among those.
  if (!refused) throw new RefusedCardNotFoundError();
  const now = deps.clock.now();
  const allowance = await repository.insertCardLimitAllowance(deps.db.orm, {
    id: newId(),
    eventId: body.eventId,
    cardFingerprint: refused.cardFingerprint,
    extraTickets: body.extraTickets,
    reason: body.reason,
    grantedBy: admin.userId,
    grantedAt: now,
  });
  const effectiveLimit = deps.settings.maxTicketsPerCard + refused.extraAllowed + body.extraTickets;
  deps.logger.warn(
    {
      eventId: body.eventId,
      card: key,
      extraTickets: body.extraTickets,
      by: admin.userId,
      reason: body.reason,
    },
    'card purchase cap lifted',
  );
  return {
    id: allowance.id,
    eventId: allowance.eventId,
    kind: 'card',
    key,
    extraTickets: allowance.extraTickets,
    reason: allowance.reason,
    grantedBy: allowance.grantedBy,
    grantedAt: allowance.grantedAt.toISOString(),
    effectiveLimit,
  };
}
