// The embedded mode's transport: delivers events to the subscribers in this process.
// publish() resolves only after every subscription handled the event, so the outbox
// row is marked sent only when nothing can be lost; a failing handler makes publish
// reject and the relay tries again (the inbox makes redelivery harmless).

import { handleTraced } from '../tracing-bus.js';
import {
  type DomainEvent,
  type EventTransport,
  type Subscription,
  TransportUnavailableError,
} from './types.js';

export class InProcessTransport implements EventTransport {
  readonly kind = 'in-process';
  private readonly subscriptions: Subscription[] = [];
  private closed = false;

  async publish(events: DomainEvent[]): Promise<void> {
    if (this.closed) throw new TransportUnavailableError('the in-process bus is closed');
    for (const event of events) {
      // Every subscription gets the event, several of one group too: one process is one
      // instance of its services, so a group's subscriptions here are different handlers
      // of that service (instances in other processes share a group only over Kafka).
      const subscribed = this.subscriptions.filter((subscription) =>
        subscription.topics.includes(event.type),
      );
      const outcomes = await Promise.allSettled(
        subscribed.map((subscription) =>
          handleTraced(this.kind, subscription.group, event, () => subscription.handle(event)),
        ),
      );
      const failure = outcomes.find((outcome) => outcome.status === 'rejected');
      if (failure) throw (failure as PromiseRejectedResult).reason;
    }
  }

  async subscribe(subscription: Subscription): Promise<void> {
    this.subscriptions.push(subscription);
  }

  async check(): Promise<void> {
    if (this.closed) throw new TransportUnavailableError('the in-process bus is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
