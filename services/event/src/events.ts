// What the event service publishes (through its outbox) and consumes: the ticket service's
// ticket events, which keep the live availability fresh and feed the sales analytics.
import {
  TicketCancelledPayload,
  TicketLockedPayload,
  TicketReleasedPayload,
  TicketSoldPayload,
  Topics,
} from '@ticketing/contracts';
import { consumeOnce, type Database, type DomainEvent, type EventHandler } from '@ticketing/platform';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { recordCancellation, recordSale } from './analytics.js';
import { type AvailabilityDeps, availabilityChanged } from './availability.js';
import { EVENT_SCHEMA } from './catalogue.js';

/** Published in the transaction that publishes or cancels the event. */
export const PUBLISHES = [Topics.eventPublished, Topics.eventCancelled] as const;

export const CONSUMES = [
  Topics.ticketLocked,
  Topics.ticketReleased,
  Topics.ticketSold,
  Topics.ticketCancelled,
] as const;

/** The consumer group of every event-service instance (each ticket event reaches one of them). */
export const CONSUMER_GROUP = 'event';
/** The inbox name of the sales facts, which must be recorded once per ticket event. */
export const SALES_CONSUMER = 'event-sales';

const checkers = {
  [Topics.ticketLocked]: Compile(TicketLockedPayload as TSchema),
  [Topics.ticketReleased]: Compile(TicketReleasedPayload as TSchema),
  [Topics.ticketSold]: Compile(TicketSoldPayload as TSchema),
  [Topics.ticketCancelled]: Compile(TicketCancelledPayload as TSchema),
};

function decode<T>(event: DomainEvent): T {
  const checker = checkers[event.type as keyof typeof checkers];
  // A malformed event is a producer's bug: refusing it keeps it in the producer's outbox, visible.
  if (!checker?.Check(event.payload)) throw new Error(`malformed ${event.type} event ${event.id}`);
  return event.payload as T;
}

export interface TicketEventDeps extends Pick<AvailabilityDeps, 'cache'> {
  db: Database;
}

/**
 * Every ticket event changes an event's counts, so its cached availability is dropped. Sales
 * and cancellations are also recorded, once per event id (the inbox), for the analytics.
 */
export function ticketEventHandler(deps: TicketEventDeps): EventHandler {
  return async (event) => {
    let eventId: string;
    if (event.type === Topics.ticketSold) {
      const sale = decode<TicketSoldPayload>(event);
      await consumeOnce(deps.db, EVENT_SCHEMA, SALES_CONSUMER, event, (tx) => recordSale(tx, sale));
      eventId = sale.eventId;
    } else if (event.type === Topics.ticketCancelled) {
      const cancellation = decode<TicketCancelledPayload>(event);
      await consumeOnce(deps.db, EVENT_SCHEMA, SALES_CONSUMER, event, (tx) =>
        recordCancellation(tx, cancellation, new Date(event.occurredAt)),
      );
      eventId = cancellation.eventId;
    } else {
      eventId = decode<TicketLockedPayload | TicketReleasedPayload>(event).eventId;
    }
    await availabilityChanged(deps, eventId);
  };
}
