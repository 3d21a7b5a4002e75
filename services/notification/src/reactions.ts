// What each consumed event causes: contacts, events and ticket holders kept up to date, and the
// messages queued for the people concerned. Every reaction runs inside consumeOnce, in one
// transaction with the inbox record, so a redelivered event queues nothing a second time.
import type {
  EventCancelledPayload,
  EventPublishedPayload,
  OrderCancelledPayload,
  OrderConfirmedPayload,
  OrderFailedPayload,
  PaymentRefundedPayload,
  UserRegisteredPayload,
} from '@ticketing/contracts';
import { type Clock, consumeOnce, type Database, type DomainEvent, type Executor } from '@ticketing/platform';
import { recordRegisteredContact } from './contacts.js';
import { CONSUMER_GROUP, type EventHandlers } from './events.js';
import type { Facts } from './notification-types.js';
import { type Notice, queueNotifications } from './notifications.js';
import * as repository from './repository.js';
import { type EventDetailsRow, NOTIFICATION_SCHEMA } from './tables.js';

export interface ReactionDeps {
  db: Database;
  clock: Clock;
  maxAttempts: number;
  /** Called after a commit that queued messages, so the delivery worker starts at once. */
  onQueued(): void;
}

/**
 * What messages say about an event, from what this service knows of it (or, when it has not
 * heard of the event, what the message's cause says of it).
 */
function eventFacts(
  eventId: string,
  details: EventDetailsRow | undefined,
  told?: { title: string | null; startsAt: string | null },
): Facts {
  return {
    eventId,
    eventTitle: details?.title ?? told?.title ?? null,
    startsAt: details?.startsAt.toISOString() ?? told?.startsAt ?? null,
    endsAt: details?.endsAt?.toISOString() ?? null,
    timeZone: details?.timeZone ?? null,
    location: details?.location ?? null,
  };
}

export function eventReactions(deps: ReactionDeps): EventHandlers {
  /** Runs the reaction once per event; wakes the delivery worker when it queued something. */
  const once = async <Payload>(
    event: DomainEvent<Payload>,
    react: (tx: Executor, now: Date) => Promise<number | undefined>,
  ) => {
    let queued = 0;
    await consumeOnce(deps.db, NOTIFICATION_SCHEMA, CONSUMER_GROUP, event, async (tx) => {
      queued = (await react(tx, deps.clock.now())) ?? 0;
    });
    if (queued > 0) deps.onQueued();
  };
  const queue = (tx: Executor, notice: Notice, now: Date) =>
    queueNotifications(tx, notice, { maxAttempts: deps.maxAttempts, now });
  /** One message to one user, caused by `event`; about the event `eventId` when there is one. */
  const tell = async (
    tx: Executor,
    now: Date,
    event: DomainEvent,
    message: {
      type: Notice['type'];
      userId: string;
      eventId?: string | undefined;
      facts: Facts;
      told?: { title: string | null; startsAt: string | null } | undefined;
    },
  ) => {
    const { eventId } = message;
    const about = eventId
      ? eventFacts(eventId, await repository.findEventDetails(tx, eventId), message.told)
      : {};
    return queue(
      tx,
      {
        type: message.type,
        userIds: [message.userId],
        facts: { ...about, ...message.facts },
        sourceEventId: event.id,
        bulk: false,
      },
      now,
    );
  };

  return {
    userRegistered: (event: DomainEvent<UserRegisteredPayload>) =>
      once(event, async (tx, now) => {
        await recordRegisteredContact(tx, event.payload, now);
        return tell(tx, now, event, {
          type: 'welcome',
          userId: event.payload.userId,
          facts: { username: event.payload.username },
        });
      }),

    eventPublished: (event: DomainEvent<EventPublishedPayload>) =>
      once(event, async (tx, now) => {
        const { payload } = event;
        await repository.upsertEventDetails(
          tx,
          {
            eventId: payload.eventId,
            title: payload.title,
            startsAt: new Date(payload.startsAt),
            endsAt: new Date(payload.endsAt),
            timeZone: payload.timeZone,
            location: null,
          },
          now,
        );
        return 0;
      }),

    eventCancelled: (event: DomainEvent<EventCancelledPayload>) =>
      once(event, async (tx, now) => {
        const { payload } = event;
        await repository.markEventCancelled(
          tx,
          { eventId: payload.eventId, title: payload.title, startsAt: new Date(payload.startsAt) },
          now,
        );
        const details = await repository.findEventDetails(tx, payload.eventId);
        const holders = await repository.findTicketHolderIds(tx, payload.eventId);
        return queue(
          tx,
          {
            type: 'event-cancelled',
            userIds: holders,
            facts: {
              ...eventFacts(payload.eventId, details),
              eventTitle: payload.title,
              reason: payload.reason,
            },
            sourceEventId: event.id,
            bulk: true,
          },
          now,
        );
      }),

    orderConfirmed: (event: DomainEvent<OrderConfirmedPayload>) =>
      once(event, async (tx, now) => {
        const { payload } = event;
        await repository.upsertTicketHolder(
          tx,
          {
            orderId: payload.orderId,
            eventId: payload.eventId,
            userId: payload.userId,
            tickets: payload.quantity,
          },
          now,
        );
        return tell(tx, now, event, {
          type: 'order-confirmed',
          userId: payload.userId,
          eventId: payload.eventId,
          told: payload.event,
          facts: {
            orderId: payload.orderId,
            amount: payload.total,
            currency: payload.currency,
            quantity: payload.quantity,
            // Labels and codes are read from the ticket service when the mail is sent: the event has only ids.
            ticketIds: payload.ticketIds,
          },
        });
      }),

    orderCancelled: (event: DomainEvent<OrderCancelledPayload>) =>
      once(event, async (tx, now) => {
        const { payload } = event;
        await repository.endTicketHolding(
          tx,
          { orderId: payload.orderId, eventId: payload.eventId, userId: payload.userId },
          now,
        );
        // The holders of a cancelled event already got the event-cancelled message; the refund follows.
        if (payload.by === 'event_cancelled') return 0;
        return tell(tx, now, event, {
          type: 'order-cancelled',
          userId: payload.userId,
          eventId: payload.eventId,
          facts: { orderId: payload.orderId, reason: payload.reason },
        });
      }),

    orderFailed: (event: DomainEvent<OrderFailedPayload>) =>
      once(event, async (tx, now) => {
        const { payload } = event;
        return tell(tx, now, event, {
          type: 'order-failed',
          userId: payload.userId,
          eventId: payload.eventId,
          facts: { orderId: payload.orderId, reason: payload.failureReason },
        });
      }),

    paymentRefunded: (event: DomainEvent<PaymentRefundedPayload>) =>
      once(event, async (tx, now) => {
        const { payload } = event;
        const holding = await repository.findTicketHolding(tx, payload.orderId);
        return tell(tx, now, event, {
          type: 'payment-refunded',
          userId: payload.userId,
          eventId: holding?.eventId,
          facts: {
            orderId: payload.orderId,
            amount: payload.amount,
            currency: payload.currency,
            fullyRefunded: payload.fullyRefunded,
            reason: payload.reason,
          },
        });
      }),
  };
}
