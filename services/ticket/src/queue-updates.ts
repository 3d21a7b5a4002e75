// Live position and status of queue places over Server-Sent Events, the same way as live
// availability: whoever moves a line (the admission step, the lottery) publishes "the line of
// this event moved" on the CacheStore's pub/sub (memory embedded, Redis distributed); each
// instance then reads the places of its own open streams of that event in one query and sends
// each client its new standing when it changed. A stream ends once its place is admitted
// (with the token) or expired.
import type { QueuePlaceView } from '@ticketing/contracts';
import type { CacheStore, Logger } from '@ticketing/platform';
import type { StreamClient } from './live-availability.js';
import * as repository from './repository.js';
import { type QueueAnnouncer, viewOfPlace, type WaitingRoomDeps } from './waiting-room.js';

const channelOf = (eventId: string) => `ticket-queue:${eventId}`;
const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

interface Watcher {
  placeId: string;
  client: StreamClient;
  last: string | undefined;
}

interface EventWatchers {
  watchers: Set<Watcher>;
  subscribed: Promise<() => Promise<void>>;
  refreshing: Promise<void> | undefined;
  again: boolean;
}

export class QueueUpdates implements QueueAnnouncer {
  private readonly events = new Map<string, EventWatchers>();
  private keepAlive: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly options: {
      cache: CacheStore;
      logger: Logger;
      keepAliveMs: number;
      places: () => Pick<WaitingRoomDeps, 'db' | 'clock' | 'queue' | 'admissions'>;
    },
  ) {}

  lineMoved(eventId: string): void {
    if (this.closed) return;
    this.options.cache
      .publish(channelOf(eventId), '1')
      .catch((error) => this.options.logger.warn({ err: error, eventId }, 'queue update not published'));
  }

  get clientCount(): number {
    let count = 0;
    for (const entry of this.events.values()) count += entry.watchers.size;
    return count;
  }

  /** Streams the place's standing: now, then at every change, until admitted or expired. */
  async open(eventId: string, placeId: string, client: StreamClient): Promise<() => Promise<void>> {
    let entry = this.events.get(eventId);
    if (!entry) {
      const created: EventWatchers = {
        watchers: new Set(),
        subscribed: this.options.cache.subscribe(channelOf(eventId), () => this.refresh(eventId)),
        refreshing: undefined,
        again: false,
      };
      this.events.set(eventId, created);
      entry = created;
    }
    const watcher: Watcher = { placeId, client, last: undefined };
    entry.watchers.add(watcher);
    this.keepAlive ??= setInterval(() => {
      for (const watchers of this.events.values())
        for (const each of watchers.watchers) each.client.write(': keep-alive\n\n');
    }, this.options.keepAliveMs);
    const current = entry;
    const detach = async () => this.detach(eventId, current, watcher);
    try {
      await entry.subscribed;
      client.write('retry: 3000\n\n');
      await this.send(eventId, [watcher]);
    } catch (error) {
      await detach();
      throw error;
    }
    return detach;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.keepAlive = undefined;
    const entries = [...this.events.values()];
    this.events.clear();
    for (const entry of entries) {
      for (const watcher of entry.watchers) watcher.client.end();
      entry.watchers.clear();
      await (await entry.subscribed.catch(() => async () => undefined))().catch(() => undefined);
    }
  }

  private refresh(eventId: string): void {
    const entry = this.events.get(eventId);
    if (!entry) return;
    // One read at a time per event; a message during it asks for one more read after.
    if (entry.refreshing) {
      entry.again = true;
      return;
    }
    entry.refreshing = this.send(eventId, [...entry.watchers])
      .catch((error) => this.options.logger.warn({ err: error, eventId }, 'queue stream refresh failed'))
      .finally(() => {
        entry.refreshing = undefined;
        if (entry.again) {
          entry.again = false;
          this.refresh(eventId);
        }
      });
  }

  private async send(eventId: string, watchers: Watcher[]): Promise<void> {
    if (watchers.length === 0) return;
    const deps = this.options.places();
    const [room, places] = await Promise.all([
      repository.findWaitingRoom(deps.db.orm, eventId),
      repository.findQueuePlaces(
        deps.db.orm,
        watchers.map((watcher) => watcher.placeId),
      ),
    ]);
    if (!room) return;
    const byId = new Map(places.map((place) => [place.id, place]));
    for (const watcher of watchers) {
      const place = byId.get(watcher.placeId);
      if (!place) continue;
      const view: QueuePlaceView = await viewOfPlace(deps, place, room);
      // Time alone changes the estimate; only a new position or status is worth a message.
      const key = `${view.status}|${view.position}|${view.number}`;
      if (key === watcher.last) continue;
      watcher.last = key;
      watcher.client.write(sse('status', view));
      if (view.status !== 'WAITING') {
        watcher.client.end();
        await this.detach(eventId, this.events.get(eventId), watcher);
      }
    }
  }

  private async detach(eventId: string, entry: EventWatchers | undefined, watcher: Watcher): Promise<void> {
    if (!entry?.watchers.delete(watcher)) return;
    if (entry.watchers.size > 0 || this.events.get(eventId) !== entry) return;
    this.events.delete(eventId);
    if (this.events.size === 0 && this.keepAlive) {
      clearInterval(this.keepAlive);
      this.keepAlive = undefined;
    }
    const unsubscribe = await entry.subscribed.catch(() => undefined);
    await unsubscribe?.().catch(() => undefined);
  }
}
