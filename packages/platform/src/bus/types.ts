// The event bus port. Services write events to their outbox and consume through
// subscriptions; the transport (in-process or Kafka) is an adapter behind this.

export interface DomainEvent<Payload = unknown> {
  /** UUIDv7, unique per event; consumers deduplicate on it. */
  id: string;
  /** The topic, e.g. `user-registered`. */
  type: string;
  /** The aggregate id; events with one key stay in order. */
  key: string;
  /** ISO 8601. */
  occurredAt: string;
  /** The service that published it. */
  source: string;
  payload: Payload;
  headers: Record<string, string>;
}

export type EventHandler = (event: DomainEvent) => Promise<void>;

export interface Subscription {
  /**
   * Consumer group, one per consuming service (or per independent reaction of it): each
   * group gets every event once, and the instances of a service (processes) share a group's
   * events. Within one process, every subscription of a group whose topics match gets the event.
   */
  group: string;
  topics: string[];
  handle: EventHandler;
  /**
   * Which events of this subscription are handled one after the other, in the order they came:
   * those with the same order key. Default: the event's key, its aggregate. A consumer whose
   * effect does not depend on the aggregate's earlier events names a finer key (ADR 0028).
   */
  orderKey?(event: DomainEvent): string;
}

export interface EventTransport {
  readonly kind: string;
  /**
   * Resolves only once the transport has accepted every event (delivered, or acknowledged by a broker).
   * Rejects with a TransportUnavailableError when the transport itself is down (no broker, closed),
   * and with any other error when these events could not be taken (a handler or serialization failed).
   */
  publish(events: DomainEvent[]): Promise<void>;
  subscribe(subscription: Subscription): Promise<void>;
  /** Resolves when the transport can publish; rejects with the reason otherwise. */
  check(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The transport itself is down (broker unreachable, bus closed): not the events' fault. The
 * outbox relay keeps such events pending and retries with backoff instead of counting attempts.
 */
export class TransportUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportUnavailableError';
  }
}
