// The event bus port. Services write events to their outbox and consume through
// subscriptions; the transport (in-process now, Kafka later) is an adapter behind this.

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
  /** Consumer group: each group gets every event once; instances of one group share them. */
  group: string;
  topics: string[];
  handle: EventHandler;
}

export interface EventTransport {
  readonly kind: string;
  /** Resolves only once the transport has accepted every event (delivered, or acknowledged by a broker). */
  publish(events: DomainEvent[]): Promise<void>;
  subscribe(subscription: Subscription): Promise<void>;
  /** Resolves when the transport can publish; rejects with the reason otherwise. */
  check(): Promise<void>;
  close(): Promise<void>;
}
