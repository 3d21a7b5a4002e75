// The route table in force: kept in the gateway's schema, cached in memory, replaced at run
// time by an admin. Other instances learn of a change at once through the cache store's
// pub/sub and, should a message be lost (or the store be per-process memory), by polling
// the newest version in the database.
import type { CacheStore, Clock, Database, Logger } from '@ticketing/platform';
import { RouteTableConflictError } from './errors.js';
import * as repository from './repository.js';
import { type CompiledRoute, compileRoutes, DEFAULT_ROUTES, validateRouteTable } from './route-table.js';
import type { RouteRule, RouteTableView, Upstreams } from './schema.js';
import type { RouteTableRow } from './tables.js';
import type { UpstreamAllowList } from './upstream-allow-list.js';

export const ROUTE_TABLE_CHANNEL = 'gateway:route-table';

export interface RouteTableInForce {
  view: RouteTableView;
  compiled: CompiledRoute[];
}

export interface RouteTableStoreDeps {
  db: Database;
  cache: CacheStore;
  clock: Clock;
  logger: Logger;
  pollIntervalMs: number;
  /** Which instances a table may send a service's requests to. */
  allowList: UpstreamAllowList;
  /** The table written on first start, and again whenever the code's defaults change. */
  defaults?: RouteRule[];
}

/** JSON with object keys sorted, so two tables compare equal whatever order jsonb gave their keys. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, nested: unknown) =>
    nested && typeof nested === 'object' && !Array.isArray(nested)
      ? Object.fromEntries(Object.entries(nested).sort(([a], [b]) => a.localeCompare(b)))
      : nested,
  );
}

function toView(row: RouteTableRow): RouteTableView {
  return {
    version: row.version,
    origin: row.origin,
    updatedAt: row.createdAt.toISOString(),
    updatedBy: row.createdBy,
    routes: row.routes,
    upstreams: row.upstreams,
  };
}

export class RouteTableStore {
  private inForce: RouteTableInForce | undefined;
  private readonly listeners = new Set<(table: RouteTableInForce) => void>();
  private poller: NodeJS.Timeout | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;
  private refreshing: Promise<void> | undefined;
  private readonly defaults: RouteRule[];

  constructor(private readonly deps: RouteTableStoreDeps) {
    this.defaults = deps.defaults ?? DEFAULT_ROUTES;
  }

  get current(): RouteTableInForce {
    if (!this.inForce) throw new Error('the route table is not loaded yet (call start first)');
    return this.inForce;
  }

  onChange(listener: (table: RouteTableInForce) => void): void {
    this.listeners.add(listener);
  }

  /** Seeds the table on the first start (or when the defaults changed), loads it, and starts following changes. */
  async start(): Promise<void> {
    validateRouteTable({ routes: this.defaults });
    const row = await this.deps.db.transaction(async (tx) => {
      await repository.lockRouteTableWriters(tx);
      const current = await repository.findCurrentRouteTable(tx);
      if (current && (current.origin === 'admin' || canonical(current.routes) === canonical(this.defaults))) {
        return current;
      }
      if (current)
        this.deps.logger.info(
          { version: current.version + 1 },
          'route table defaults changed; applying them',
        );
      return repository.insertRouteTable(tx, {
        version: (current?.version ?? 0) + 1,
        routes: this.defaults,
        upstreams: {},
        origin: 'defaults',
        createdBy: null,
        createdAt: this.deps.clock.now(),
      });
    });
    this.apply(row);
    this.unsubscribe = await this.deps.cache.subscribe(ROUTE_TABLE_CHANNEL, (message) => {
      if (Number(message) > this.current.view.version) void this.refresh();
    });
    this.poller = setInterval(() => void this.refresh(), this.deps.pollIntervalMs);
    this.poller.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.poller);
    await this.unsubscribe?.().catch(() => undefined);
  }

  /**
   * Validates the new table, then stores it as the next version and puts it in force here
   * and, through pub/sub and polling, on every other instance. The old table stays in force
   * when anything is wrong with the new one.
   */
  async replace(
    change: { routes: RouteRule[]; upstreams?: Upstreams; expectedVersion?: number },
    actor: string,
    origin: 'admin' | 'defaults' = 'admin',
  ): Promise<RouteTableView> {
    validateRouteTable(change);
    this.deps.allowList.check(change.upstreams);
    compileRoutes(change.routes);
    const row = await this.deps.db.transaction(async (tx) => {
      await repository.lockRouteTableWriters(tx);
      const currentVersion = await repository.findCurrentRouteTableVersion(tx);
      if (change.expectedVersion !== undefined && change.expectedVersion !== currentVersion)
        throw new RouteTableConflictError(change.expectedVersion, currentVersion);
      return repository.insertRouteTable(tx, {
        version: currentVersion + 1,
        routes: change.routes,
        upstreams: change.upstreams ?? {},
        origin,
        createdBy: actor,
        createdAt: this.deps.clock.now(),
      });
    });
    this.apply(row);
    this.deps.logger.info({ version: row.version, actor, routes: row.routes.length }, 'route table replaced');
    await this.deps.cache
      .publish(ROUTE_TABLE_CHANNEL, String(row.version))
      .catch((error) =>
        this.deps.logger.warn({ err: error }, 'could not announce the new route table; others will poll'),
      );
    return toView(row);
  }

  async resetToDefaults(actor: string): Promise<RouteTableView> {
    return this.replace({ routes: this.defaults }, actor, 'defaults');
  }

  /** Loads the newest table when the database has a newer one than this instance. */
  async refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const newest = await repository.findCurrentRouteTableVersion(this.deps.db.orm);
        if (newest <= this.current.view.version) return;
        const row = await repository.findCurrentRouteTable(this.deps.db.orm);
        if (row && row.version > this.current.view.version) {
          this.apply(row);
          this.deps.logger.info(
            { version: row.version },
            'route table changed by another instance; now in force',
          );
        }
      } catch (error) {
        this.deps.logger.warn(
          { err: error },
          'could not check for a newer route table; keeping the one in force',
        );
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private apply(row: RouteTableRow): void {
    // A stored table that no longer compiles (edited by hand in SQL) must not replace a working one.
    let compiled: CompiledRoute[];
    try {
      validateRouteTable(row);
      compiled = compileRoutes(row.routes);
    } catch (error) {
      if (!this.inForce) throw error;
      this.deps.logger.error(
        { err: error, version: row.version },
        'stored route table is invalid; keeping the one in force',
      );
      return;
    }
    // A stored instance no longer allowed (the allow-list or the configuration changed since) gets
    // nothing: its service goes back to its configured instances.
    const { allowed, refused } = this.deps.allowList.allowedPart(row.upstreams);
    if (refused.length > 0)
      this.deps.logger.error(
        { version: row.version, services: refused },
        'stored route table names instances that are not allowed; using the configured ones for these services',
      );
    this.inForce = { view: { ...toView(row), upstreams: allowed }, compiled };
    for (const listener of this.listeners) listener(this.inForce);
  }
}
