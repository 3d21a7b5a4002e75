// An event's life: DRAFT → PUBLISHED (its inventory created in the ticket service, then
// announced) → CANCELLED (announced so orders are refunded and unsold tickets withdrawn).
import { type EventCancelledPayload, type EventPublishedPayload, Topics } from '@ticketing/contracts';
import { appendToOutbox, type Identity } from '@ticketing/platform';
import { availabilityOf } from './availability.js';
import { type CatalogueDeps, EVENT_SCHEMA, loadInventory } from './catalogue.js';
import { EventCancelledError, EventEndedError, EventNotFoundError, NotPublishableError } from './errors.js';
import { present, toEventRecord } from './event-views.js';
import { inventoryBody } from './inventory.js';
import { assertCanManage } from './ownership.js';
import * as repository from './repository.js';
import type { EventDetail } from './schema.js';
import type { EventRow } from './tables.js';

function checkPublishable(event: EventRow, now: Date): void {
  if (event.capacity === 0)
    throw new NotPublishableError('it has neither seats nor ticket types to sell', 'venue.sections');
  if (event.endsAt.getTime() <= now.getTime()) throw new NotPublishableError('it is over', 'endsAt');
  if (event.salesEndAt && event.salesEndAt.getTime() <= now.getTime())
    throw new NotPublishableError('its sales window has already closed', 'salesEndAt');
}

async function detailOf(deps: CatalogueDeps, event: EventRow): Promise<EventDetail> {
  const inventory = await loadInventory(deps.db.orm, event);
  const availability =
    event.lifecycle === 'PUBLISHED' ? (await availabilityOf(deps, [event.id])).get(event.id) : undefined;
  return present(
    toEventRecord(event, inventory.sections, inventory.ticketTypes),
    deps.clock.now(),
    availability,
  );
}

/**
 * Puts a draft on sale. The ticket service is asked to create the inventory (an idempotent
 * PUT, retried by the client) while the event's row is locked, so no edit can slip between the
 * inventory sent and the event published; then PUBLISHED and `event-published` commit together.
 * When the ticket service cannot be reached the transaction rolls back: still a draft, 503.
 * Publishing a published event again answers it as it is.
 */
export async function publishEvent(
  deps: CatalogueDeps,
  actor: Identity | undefined,
  eventId: string,
  requestId?: string,
): Promise<EventDetail> {
  const { event, changed } = await deps.db.transaction(async (tx) => {
    const row = await repository.lockEvent(tx, eventId);
    if (!row) throw new EventNotFoundError();
    assertCanManage(actor, row);
    if (row.lifecycle === 'PUBLISHED') return { event: row, changed: false };
    if (row.lifecycle === 'CANCELLED') throw new EventCancelledError();
    const now = deps.clock.now();
    checkPublishable(row, now);
    const inventory = await loadInventory(tx, row);
    await deps.tickets.createInventory(eventId, inventoryBody(row, inventory), requestId);
    const published = await repository.updateEvent(tx, eventId, {
      lifecycle: 'PUBLISHED',
      publishedAt: now,
      updatedAt: now,
    });
    const payload: EventPublishedPayload = {
      eventId,
      organizerId: published.organizerId,
      title: published.title,
      startsAt: published.startsAt.toISOString(),
      endsAt: published.endsAt.toISOString(),
      timeZone: published.timeZone,
      currency: published.currency,
      capacity: published.capacity,
      publishedAt: now.toISOString(),
    };
    await appendToOutbox(tx, EVENT_SCHEMA, [{ type: Topics.eventPublished, key: eventId, payload }]);
    return { event: published, changed: true };
  });
  if (changed) await deps.cache.eventChanged(eventId);
  return detailOf(deps, event);
}

/**
 * Cancels a draft or a published event that has not ended, and announces it: the order service
 * refunds, the ticket service withdraws what is unsold. Cancelling again changes nothing.
 */
export async function cancelEvent(
  deps: CatalogueDeps,
  actor: Identity | undefined,
  eventId: string,
  reason: string | undefined,
): Promise<EventDetail> {
  const { event, changed } = await deps.db.transaction(async (tx) => {
    const row = await repository.lockEvent(tx, eventId);
    if (!row) throw new EventNotFoundError();
    assertCanManage(actor, row);
    if (row.lifecycle === 'CANCELLED') return { event: row, changed: false };
    const now = deps.clock.now();
    if (row.endsAt.getTime() <= now.getTime()) throw new EventEndedError();
    const cancelReason = reason?.trim() || 'Cancelled by the organizer';
    const cancelled = await repository.updateEvent(tx, eventId, {
      lifecycle: 'CANCELLED',
      cancelledAt: now,
      cancelReason,
      updatedAt: now,
    });
    const payload: EventCancelledPayload = {
      eventId,
      title: cancelled.title,
      startsAt: cancelled.startsAt.toISOString(),
      reason: cancelReason,
      cancelledAt: now.toISOString(),
    };
    await appendToOutbox(tx, EVENT_SCHEMA, [{ type: Topics.eventCancelled, key: eventId, payload }]);
    return { event: cancelled, changed: true };
  });
  if (changed) await deps.cache.eventChanged(eventId);
  return detailOf(deps, event);
}
