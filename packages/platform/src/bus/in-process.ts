// The embedded mode's transport: delivers events to the subscribers in this process.
// publish() resolves only after every subscription handled the event, so the outbox
// row is marked sent only when nothing can be lost; a failing handler makes publish
// reject and the relay tries again (the inbox makes redelivery harmless); one that cannot reach
// its database counts as the transport being unavailable, so the event is charged no attempt.
// Each subscription has its own lanes (ADR: in-process bus delivery): events of different
// keys are handled concurrently, one key's in order, and subscriptions never wait for each
// other, so a slow handler delays only its own subscription's events of the same key and the
// relays that wait for it. Handlers are expected to record and return (the notification
// service's consumer queues the mail; its sender pool renders and sends it later).

import { handleTraced } from '../tracing-bus.js';
import { isDependencyOutage } from './dependency-outage.js';
import { EarlierTaskFailedError, KeyOrderedRunner } from './key-ordered-runner.js';
import {
  type DomainEvent,
  type EventTransport,
  type Subscription,
  TransportUnavailableError,
} from './types.js';

export interface InProcessTransportOptions {
  /** Events of different keys one subscription handles at once (default 8). */
  concurrency?: number;
}

export class InProcessTransport implements EventTransport {
  readonly kind = 'in-process';
  private readonly subscriptions: { subscription: Subscription; lanes: KeyOrderedRunner }[] = [];
  private closed = false;

  constructor(private readonly options: InProcessTransportOptions = {}) {}

  async publish(events: DomainEvent[]): Promise<void> {
    if (this.closed) throw new TransportUnavailableError('the in-process bus is closed');
    // Every subscription gets the event, several of one group too: one process is one
    // instance of its services, so a group's subscriptions here are different handlers
    // of that service (instances in other processes share a group only over Kafka).
    const handled = await Promise.all(
      this.subscriptions.map(async ({ subscription, lanes }) => {
        const outcomes: Promise<void>[] = [];
        for (const event of events) {
          if (!subscription.topics.includes(event.type)) continue;
          // One producer's aggregate: events of one key from different outboxes have no order to
          // keep, and one relay's failing event must not hold back another relay's.
          const orderKey = subscription.orderKey?.(event) ?? event.key;
          const { done } = await lanes.submit(`${event.source}:${orderKey}`, () =>
            handleTraced(this.kind, subscription.group, event, () => subscription.handle(event)),
          );
          outcomes.push(done);
        }
        return outcomes;
      }),
    );
    const outcomes = await Promise.allSettled(handled.flat());
    const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
    // The handler's own error says more than "an earlier event of its key failed".
    const failure = failures.find((reason) => !(reason instanceof EarlierTaskFailedError)) ?? failures[0];
    if (failures.length === 0) return;
    // A consumer that cannot reach its database (down, or its pool exhausted under load) is not
    // the event's fault: the relay then waits and retries without charging the event an attempt.
    if (isDependencyOutage(failure))
      throw new TransportUnavailableError(
        `a consumer cannot reach a dependency: ${(failure as Error).message}`,
        {
          cause: failure,
        },
      );
    throw failure;
  }

  async subscribe(subscription: Subscription): Promise<void> {
    this.subscriptions.push({ subscription, lanes: new KeyOrderedRunner(this.options.concurrency ?? 8) });
  }

  async check(): Promise<void> {
    if (this.closed) throw new TransportUnavailableError('the in-process bus is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
