// The embedded mode's transport: delivers events to the subscribers in this process.
// publish() resolves only after every subscribed group handled the event, so the
// outbox row is marked sent only when nothing can be lost; a failing handler makes
// publish reject and the relay tries again (the inbox makes redelivery harmless).
import type { DomainEvent, EventTransport, Subscription } from './types.js';

export class InProcessTransport implements EventTransport {
  readonly kind = 'in-process';
  private readonly subscriptions: Subscription[] = [];
  private closed = false;

  async publish(events: DomainEvent[]): Promise<void> {
    if (this.closed) throw new Error('the in-process bus is closed');
    for (const event of events) {
      const groups = new Map<string, Subscription>();
      // One delivery per consumer group, as a broker would do.
      for (const subscription of this.subscriptions) {
        if (subscription.topics.includes(event.type) && !groups.has(subscription.group)) {
          groups.set(subscription.group, subscription);
        }
      }
      const outcomes = await Promise.allSettled(
        [...groups.values()].map((subscription) => subscription.handle(event)),
      );
      const failure = outcomes.find((outcome) => outcome.status === 'rejected');
      if (failure) throw (failure as PromiseRejectedResult).reason;
    }
  }

  async subscribe(subscription: Subscription): Promise<void> {
    this.subscriptions.push(subscription);
  }

  async check(): Promise<void> {
    if (this.closed) throw new Error('the in-process bus is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
