// Live availability: seat and count changes, fanned out to browsers over Server-Sent Events.
// Changes are announced after their transaction commits, batched per event, and published on
// the CacheStore's pub/sub channel (memory embedded, Redis distributed) so every instance
// hears every instance's changes. Each instance batches again for its own clients, so a burst
// of sales becomes at most one message per event per interval, never a flood.
import type { AvailabilityUpdate, SeatChange } from '@ticketing/contracts';
import type { CacheStore, Logger } from '@ticketing/platform';

/** What domain code needs: say what changed, after commit. Never decides anything. */
export interface ChangeAnnouncer {
  announce(eventId: string, changes: SeatChange[]): void;
  /** Too much changed to list (an event was cancelled): clients should reload the seat map. */
  resync(eventId: string): void;
}

/** One browser's stream. */
export interface StreamClient {
  write(chunk: string): void;
  end(): void;
}

type Counts = AvailabilityUpdate['counts'];

export interface LiveAvailabilityOptions {
  cache: CacheStore;
  counts(eventId: string): Promise<Counts>;
  coalesceMs: number;
  keepAliveMs: number;
  logger: Logger;
}

interface Batch {
  changes: Map<string, SeatChange>;
  resync: boolean;
}

interface EventStreams {
  clients: Set<StreamClient>;
  subscribed: Promise<() => Promise<void>>;
  pending: Batch;
  timer: NodeJS.Timeout | undefined;
}

/** Beyond this many changes in one batch, clients are told to reload instead. */
const MAX_CHANGES_PER_MESSAGE = 1_000;

const channelOf = (eventId: string) => `ticket-availability:${eventId}`;
const emptyBatch = (): Batch => ({ changes: new Map(), resync: false });

function merge(batch: Batch, changes: SeatChange[], resync: boolean): void {
  if (resync) batch.resync = true;
  // The latest status of a ticket wins: a seat held and released within one batch says AVAILABLE.
  for (const change of changes) batch.changes.set(change.ticketId, change);
  if (batch.changes.size > MAX_CHANGES_PER_MESSAGE) {
    batch.resync = true;
    batch.changes.clear();
  }
}

const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export class LiveAvailability implements ChangeAnnouncer {
  private readonly outgoing = new Map<string, Batch>();
  private outgoingTimer: NodeJS.Timeout | undefined;
  private readonly streams = new Map<string, EventStreams>();
  private keepAlive: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: LiveAvailabilityOptions) {}

  announce(eventId: string, changes: SeatChange[]): void {
    if (this.closed || changes.length === 0) return;
    this.queue(eventId, changes, false);
  }

  resync(eventId: string): void {
    if (!this.closed) this.queue(eventId, [], true);
  }

  /** Streams currently open on this instance. */
  get clientCount(): number {
    let count = 0;
    for (const entry of this.streams.values()) count += entry.clients.size;
    return count;
  }

  /** Events this instance listens to on the pub/sub channel (one subscription per event). */
  get subscribedEvents(): number {
    return this.streams.size;
  }

  /**
   * Attaches a client to an event's updates: first a `snapshot` with the counts, then an
   * `availability` message per batch. Returns the function that detaches it.
   */
  async open(eventId: string, client: StreamClient): Promise<() => Promise<void>> {
    let entry = this.streams.get(eventId);
    if (!entry) {
      const created: EventStreams = {
        clients: new Set(),
        subscribed: this.options.cache.subscribe(channelOf(eventId), (message) =>
          this.receive(eventId, message),
        ),
        pending: emptyBatch(),
        timer: undefined,
      };
      this.streams.set(eventId, created);
      entry = created;
    }
    entry.clients.add(client);
    this.startKeepAlive();
    let detached = false;
    const detach = async () => {
      if (detached) return;
      detached = true;
      await this.detach(eventId, entry, client);
    };
    try {
      // Subscribed before the snapshot is read, so no change falls between the two.
      await entry.subscribed;
      const counts = await this.options.counts(eventId);
      if (!detached)
        client.write(`retry: 3000\n\n${sse('snapshot', { eventId, changes: [], resync: false, counts })}`);
    } catch (error) {
      await detach();
      throw error;
    }
    return detach;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.outgoingTimer) clearTimeout(this.outgoingTimer);
    await this.flushOutgoing();
    if (this.keepAlive) clearInterval(this.keepAlive);
    const entries = [...this.streams.entries()];
    this.streams.clear();
    for (const [, entry] of entries) {
      if (entry.timer) clearTimeout(entry.timer);
      for (const client of entry.clients) client.end();
      entry.clients.clear();
      await (await entry.subscribed.catch(() => async () => undefined))().catch(() => undefined);
    }
  }

  private async detach(eventId: string, entry: EventStreams, client: StreamClient): Promise<void> {
    entry.clients.delete(client);
    if (entry.clients.size > 0 || this.streams.get(eventId) !== entry) return;
    // The last client of the event left: stop listening to its channel.
    this.streams.delete(eventId);
    if (entry.timer) clearTimeout(entry.timer);
    if (this.streams.size === 0 && this.keepAlive) {
      clearInterval(this.keepAlive);
      this.keepAlive = undefined;
    }
    const unsubscribe = await entry.subscribed.catch(() => undefined);
    await unsubscribe?.().catch(() => undefined);
  }

  private queue(eventId: string, changes: SeatChange[], resync: boolean): void {
    const batch = this.outgoing.get(eventId) ?? emptyBatch();
    merge(batch, changes, resync);
    this.outgoing.set(eventId, batch);
    this.outgoingTimer ??= setTimeout(() => void this.flushOutgoing(), this.options.coalesceMs);
  }

  private async flushOutgoing(): Promise<void> {
    this.outgoingTimer = undefined;
    const batches = [...this.outgoing.entries()];
    this.outgoing.clear();
    await Promise.all(
      batches.map(([eventId, batch]) =>
        this.options.cache
          .publish(
            channelOf(eventId),
            JSON.stringify({ eventId, resync: batch.resync, changes: [...batch.changes.values()] }),
          )
          // Live updates are a convenience: the seat map in PostgreSQL stays the truth.
          .catch((error) =>
            this.options.logger.warn({ err: error, eventId }, 'live availability not published'),
          ),
      ),
    );
  }

  private receive(eventId: string, message: string): void {
    const entry = this.streams.get(eventId);
    if (!entry) return;
    let parsed: { changes?: SeatChange[]; resync?: boolean };
    try {
      parsed = JSON.parse(message);
    } catch {
      return;
    }
    merge(entry.pending, parsed.changes ?? [], parsed.resync === true);
    entry.timer ??= setTimeout(() => void this.flushToClients(eventId, entry), this.options.coalesceMs);
  }

  private async flushToClients(eventId: string, entry: EventStreams): Promise<void> {
    entry.timer = undefined;
    const batch = entry.pending;
    entry.pending = emptyBatch();
    if (entry.clients.size === 0) return;
    let counts: Counts;
    try {
      counts = await this.options.counts(eventId);
    } catch (error) {
      this.options.logger.warn({ err: error, eventId }, 'live availability counts failed; sending a resync');
      for (const client of entry.clients)
        client.write(sse('availability', { eventId, changes: [], resync: true }));
      return;
    }
    const update: AvailabilityUpdate = {
      eventId,
      changes: batch.resync ? [] : [...batch.changes.values()],
      resync: batch.resync,
      counts,
    };
    const chunk = sse('availability', update);
    for (const client of entry.clients) client.write(chunk);
  }

  private startKeepAlive(): void {
    // Comments keep proxies and load balancers from closing a quiet stream.
    this.keepAlive ??= setInterval(() => {
      for (const entry of this.streams.values())
        for (const client of entry.clients) client.write(': keep-alive\n\n');
    }, this.options.keepAliveMs);
  }
}
