// What the ticket service publishes (through its outbox, keyed by eventId so one event's seat
// changes stay in order) and what it consumes.
import {
  type EventCancelledPayload,
  type TicketCancelledPayload,
  type TicketLockedPayload,
  type TicketReleasedPayload,
  type TicketSoldPayload,
  Topics,
} from '@ticketing/contracts';
import type { DomainEvent, EventTransport, NewEvent } from '@ticketing/platform';
import type { TicketRecord } from './repository.js';

export const PUBLISHES = [
  Topics.ticketLocked,
  Topics.ticketReleased,
  Topics.ticketSold,
  Topics.ticketCancelled,
] as const;

export const CONSUMES = [Topics.eventCancelled] as const;

/** The consumer group of every ticket-service instance, and its name in the inbox. */
export const CONSUMER_GROUP = 'ticket-service';

/** Tickets per message: a cancelled 100,000-seat event leaves as many messages of this size. */
const TICKETS_PER_MESSAGE = 1_000;

const ticketRef = (ticket: TicketRecord) => ({
  ticketId: ticket.id,
  seatId: ticket.seatId,
  category: ticket.category,
  ticketTypeId: ticket.ticketTypeId,
  price: ticket.price,
});

export function ticketLocked(
  hold: { id: string; eventId: string; userId: string; expiresAt: Date },
  tickets: TicketRecord[],
): NewEvent<TicketLockedPayload> {
  return {
    type: Topics.ticketLocked,
    key: hold.eventId,
    payload: {
      eventId: hold.eventId,
      holdId: hold.id,
      userId: hold.userId,
      tickets: tickets.map(ticketRef),
      expiresAt: hold.expiresAt.toISOString(),
    },
  };
}

export function ticketReleased(
  eventId: string,
  holdId: string,
  tickets: TicketRecord[],
  reason: TicketReleasedPayload['reason'],
): NewEvent<TicketReleasedPayload> {
  return {
    type: Topics.ticketReleased,
    key: eventId,
    payload: { eventId, holdId, tickets: tickets.map(ticketRef), reason },
  };
}

export function ticketSold(
  sale: { eventId: string; holdId: string; orderId: string; userId: string; soldAt: Date },
  tickets: TicketRecord[],
): NewEvent<TicketSoldPayload> {
  return {
    type: Topics.ticketSold,
    key: sale.eventId,
    payload: {
      eventId: sale.eventId,
      holdId: sale.holdId,
      orderId: sale.orderId,
      userId: sale.userId,
      tickets: tickets.map(ticketRef),
      soldAt: sale.soldAt.toISOString(),
    },
  };
}

/** One message per thousand tickets, so a whole cancelled event fits any broker's message size. */
export function ticketCancelled(
  eventId: string,
  tickets: TicketRecord[],
  reason: TicketCancelledPayload['reason'],
): NewEvent<TicketCancelledPayload>[] {
  const messages: NewEvent<TicketCancelledPayload>[] = [];
  for (let start = 0; start < tickets.length; start += TICKETS_PER_MESSAGE) {
    messages.push({
      type: Topics.ticketCancelled,
      key: eventId,
      payload: { eventId, tickets: tickets.slice(start, start + TICKETS_PER_MESSAGE).map(ticketRef), reason },
    });
  }
  return messages;
}

export interface EventHandlers {
  /** Idempotent: the inbox makes a redelivered event change nothing. */
  eventCancelled(event: DomainEvent<EventCancelledPayload>): Promise<void>;
}

export async function subscribeToEvents(bus: EventTransport, handlers: EventHandlers): Promise<void> {
  await bus.subscribe({
    group: CONSUMER_GROUP,
    topics: [...CONSUMES],
    handle: async (event) => {
      if (event.type === Topics.eventCancelled) {
        await handlers.eventCancelled(event as DomainEvent<EventCancelledPayload>);
      }
    },
  });
}
