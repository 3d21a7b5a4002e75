// Cache-aside for the catalogue: single events, public listings and search results, and the
// ticket service's availability counts. Entries are keyed by a version token (one per event,
// one for all listings) that every change replaces after its commit, so a reader that loaded
// old rows before the change can only write them under a key nobody reads any more.
// A token also carries the primary's WAL position after the change, so a loader reading from
// the replica does so only once the replica has replayed that change (ADR 0024).
// The cache never decides anything and never fails a request: errors count as misses.
import { createHash } from 'node:crypto';
import { type CacheStore, type Logger, newId } from '@ticketing/platform';
import { Counter, Gauge, type Registry } from 'prom-client';

export type CacheName = 'event' | 'listing' | 'availability';

export interface CacheTtls {
  eventMs: number;
  listingMs: number;
  availabilityMs: number;
}

/** Version tokens outlive the entries they key; an expired token only costs a miss. */
const VERSION_TTL_MS = 24 * 3_600_000;

export class CatalogueCache {
  private readonly lookups: Counter<'cache' | 'outcome'>;
  private readonly tallies = new Map<CacheName, { hits: number; misses: number }>();
  private readonly prefix: string;

  /** `namespace` keeps this database's keys apart from others sharing the cache store. */
  constructor(
    private readonly store: CacheStore,
    namespace: string,
    readonly ttls: CacheTtls,
    private readonly logger: Logger,
    metrics: Registry,
    /** The primary's WAL position now ('0/0' without a read replica). */
    private readonly position: () => Promise<string> = async () => '0/0',
  ) {
    this.prefix = `events:${namespace}`;
    this.lookups = new Counter({
      name: 'event_cache_lookups_total',
      help: 'Catalogue cache lookups by cache and outcome (hit, miss)',
      labelNames: ['cache', 'outcome'],
      registers: [metrics],
    });
    const tallies = this.tallies;
    new Gauge({
      name: 'event_cache_hit_ratio',
      help: 'Hits over lookups since the start, per cache',
      labelNames: ['cache'],
      registers: [metrics],
      collect() {
        for (const [cache, { hits, misses }] of tallies) {
          this.set({ cache }, hits + misses === 0 ? 0 : hits / (hits + misses));
        }
      },
    });
  }

  /**
   * One event's cached record, loaded by `load` on a miss; undefined results are not cached.
   * `load` gets the WAL position its rows must include (for a read on the replica).
   */
  async event<T>(eventId: string, load: (after: string) => Promise<T | undefined>): Promise<T | undefined> {
    const version = await this.version(this.eventVersionKey(eventId));
    return this.aside('event', `${this.prefix}:event:${eventId}:${version}`, this.ttls.eventMs, () =>
      load(positionOf(version)),
    );
  }

  /** A public listing or search result, keyed by everything that shapes it. */
  async listing<T>(query: unknown, load: (after: string) => Promise<T>): Promise<T> {
    const version = await this.version(this.listingVersionKey);
    const hash = createHash('sha256').update(JSON.stringify(query)).digest('base64url');
    const result = await this.aside(
      'listing',
      `${this.prefix}:listing:${version}:${hash}`,
      this.ttls.listingMs,
      () => load(positionOf(version)),
    );
    return result as T;
  }

  /** After a change to the event committed: its record and every listing are stale. */
  async eventChanged(eventId: string): Promise<void> {
    try {
      // Without the position (the primary briefly unreachable) the token demands one no
      // replica reaches, so the next loads read the primary.
      const position = await this.position().catch(() => NEVER_REPLAYED);
      await Promise.all([
        this.store.set(this.eventVersionKey(eventId), versionToken(position), VERSION_TTL_MS),
        this.store.set(this.listingVersionKey, versionToken(position), VERSION_TTL_MS),
      ]);
    } catch (error) {
      this.logger.warn({ err: error, eventId }, 'cache invalidation failed; entries expire by their TTL');
    }
  }

  async availability(eventIds: string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    await Promise.all(
      eventIds.map(async (eventId) => {
        const value = await this.read(this.availabilityKey(eventId));
        this.count('availability', value !== null);
        if (value !== null) found.set(eventId, value);
      }),
    );
    return found;
  }

  async storeAvailability(eventId: string, value: string): Promise<void> {
    await this.write(this.availabilityKey(eventId), value, this.ttls.availabilityMs);
  }

  async availabilityChanged(eventId: string): Promise<void> {
    try {
      await this.store.delete(this.availabilityKey(eventId));
    } catch (error) {
      this.logger.warn({ err: error, eventId }, 'availability invalidation failed; it expires by its TTL');
    }
  }

  private get listingVersionKey() {
    return `${this.prefix}:listing:version`;
  }

  private eventVersionKey(eventId: string) {
    return `${this.prefix}:event:${eventId}:version`;
  }

  private availabilityKey(eventId: string) {
    return `${this.prefix}:availability:${eventId}`;
  }

  private async aside<T>(
    cache: CacheName,
    key: string,
    ttlMs: number,
    load: () => Promise<T | undefined>,
  ): Promise<T | undefined> {
    const cached = await this.read(key);
    this.count(cache, cached !== null);
    if (cached !== null) return JSON.parse(cached) as T;
    const value = await load();
    if (value !== undefined) await this.write(key, JSON.stringify(value), ttlMs);
    return value;
  }

  /**
   * The current version token, created when there is none. (Without an atomic set-if-absent in
   * CacheStore, a change committing while a reader creates the first token can be missed; the
   * entry's TTL bounds that.)
   */
  private async version(key: string): Promise<string> {
    const current = await this.read(key);
    if (current !== null) return current;
    const created = versionToken(await this.position().catch(() => NEVER_REPLAYED));
    await this.write(key, created, VERSION_TTL_MS);
    return created;
  }

  private count(cache: CacheName, hit: boolean): void {
    this.lookups.inc({ cache, outcome: hit ? 'hit' : 'miss' });
    const tally = this.tallies.get(cache) ?? { hits: 0, misses: 0 };
    if (hit) tally.hits++;
    else tally.misses++;
    this.tallies.set(cache, tally);
  }

  private async read(key: string): Promise<string | null> {
    try {
      return await this.store.get(key);
    } catch (error) {
      this.logger.debug({ err: error, key }, 'cache read failed');
      return null;
    }
  }

  private async write(key: string, value: string, ttlMs: number): Promise<void> {
    try {
      await this.store.set(key, value, ttlMs);
    } catch (error) {
      this.logger.debug({ err: error, key }, 'cache write failed');
    }
  }
}

const NEVER_REPLAYED = 'FFFFFFFF/FFFFFFFF';

/** A version token: the WAL position of the change, and a unique id (two changes at one position differ). */
function versionToken(position: string): string {
  return `${position}~${newId()}`;
}

/** The WAL position in a token; tokens from before positions were kept count as '0/0'. */
function positionOf(token: string): string {
  const separator = token.indexOf('~');
  return separator > 0 ? token.slice(0, separator) : '0/0';
}
