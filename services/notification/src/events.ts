// What the notification service consumes (it publishes nothing). Each event is handled once per
// consumer group: the handler runs inside consumeOnce, so a redelivered event changes nothing.
// Payloads are checked against their schema; one that does not match is logged and dropped (it
// would never match on a retry, and would otherwise block its producer's outbox).
import {
  EventCancelledPayload,
  EventPublishedPayload,
  OrderCancelledPayload,
  OrderConfirmedPayload,
  OrderFailedPayload,
  OrderTopics,
  PaymentRefundedPayload,
  PaymentTopics,
  Topics,
  UserRegisteredPayload,
} from '@ticketing/contracts';
import type { DomainEvent, EventTransport, Logger } from '@ticketing/platform';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';

/** The notification service announces nothing. */
export const PUBLISHES = [] as const;

export const CONSUMES = [
  Topics.userRegistered,
  Topics.eventPublished,
  Topics.eventCancelled,
  OrderTopics.orderConfirmed,
  OrderTopics.orderCancelled,
  OrderTopics.orderFailed,
  PaymentTopics.paymentRefunded,
] as const;

/** The consumer group of every notification-service instance, and its name in the inbox. */
export const CONSUMER_GROUP = 'notification-service';

const SCHEMAS: Record<(typeof CONSUMES)[number], TSchema> = {
  [Topics.userRegistered]: UserRegisteredPayload,
  [Topics.eventPublished]: EventPublishedPayload,
  [Topics.eventCancelled]: EventCancelledPayload,
  [OrderTopics.orderConfirmed]: OrderConfirmedPayload,
  [OrderTopics.orderCancelled]: OrderCancelledPayload,
  [OrderTopics.orderFailed]: OrderFailedPayload,
  [PaymentTopics.paymentRefunded]: PaymentRefundedPayload,
};

export interface EventHandlers {
  userRegistered(event: DomainEvent<UserRegisteredPayload>): Promise<void>;
  eventPublished(event: DomainEvent<EventPublishedPayload>): Promise<void>;
  eventCancelled(event: DomainEvent<EventCancelledPayload>): Promise<void>;
  orderConfirmed(event: DomainEvent<OrderConfirmedPayload>): Promise<void>;
  orderCancelled(event: DomainEvent<OrderCancelledPayload>): Promise<void>;
  orderFailed(event: DomainEvent<OrderFailedPayload>): Promise<void>;
  paymentRefunded(event: DomainEvent<PaymentRefundedPayload>): Promise<void>;
}

export async function subscribeToEvents(
  bus: EventTransport,
  handlers: EventHandlers,
  logger: Logger,
): Promise<void> {
  const byTopic: Record<(typeof CONSUMES)[number], (event: DomainEvent) => Promise<void>> = {
    [Topics.userRegistered]: (event) => handlers.userRegistered(event as DomainEvent<UserRegisteredPayload>),
    [Topics.eventPublished]: (event) => handlers.eventPublished(event as DomainEvent<EventPublishedPayload>),
    [Topics.eventCancelled]: (event) => handlers.eventCancelled(event as DomainEvent<EventCancelledPayload>),
    [OrderTopics.orderConfirmed]: (event) =>
      handlers.orderConfirmed(event as DomainEvent<OrderConfirmedPayload>),
    [OrderTopics.orderCancelled]: (event) =>
      handlers.orderCancelled(event as DomainEvent<OrderCancelledPayload>),
    [OrderTopics.orderFailed]: (event) => handlers.orderFailed(event as DomainEvent<OrderFailedPayload>),
    [PaymentTopics.paymentRefunded]: (event) =>
      handlers.paymentRefunded(event as DomainEvent<PaymentRefundedPayload>),
  };
  await bus.subscribe({
    group: CONSUMER_GROUP,
    topics: [...CONSUMES],
    handle: async (event) => {
      const topic = event.type as (typeof CONSUMES)[number];
      const schema = SCHEMAS[topic];
      if (!schema) return;
      if (!Value.Check(schema, event.payload)) {
        const [first] = Value.Errors(schema, event.payload);
        logger.error(
          { eventId: event.id, topic, problem: first && `${first.instancePath || '/'} ${first.message}` },
          'dropping an event whose payload does not match its schema',
        );
        return;
      }
      await byTopic[topic](event);
    },
  });
}
