// Read scaling: browse and search queries may run on a streaming replica (DATABASE_READ_URL).
// Nothing that decides a seat or money reads here — those stay on the primary's pool.
//
// A read goes to the replica only when the last check found it up, lagging less than
// DATABASE_READ_MAX_LAG_MS, and — when the caller names a WAL position (a commit it must see,
// e.g. the one behind a cache version) — replayed at least up to it. Otherwise, and whenever a
// replica query fails, the read runs on the primary: a lagging or stopped replica slows reads
// down, it never makes them wrong or fail.
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { ConfigError, readInteger, readUrl } from '../config.js';
import type { Logger } from '../logger.js';
import { PeriodicTask } from '../periodic-task.js';
import { traceQueries } from './traced-pool.js';

type Env = Record<string, string | undefined>;

export interface ReadReplicaSettings {
  /** The replica's URL (DATABASE_READ_URL); unset = every read on the primary. */
  url: string | undefined;
  /** Replication lag above which reads go back to the primary (DATABASE_READ_MAX_LAG_MS, default 5 s). */
  maxLagMs: number;
  /** How often the replica's lag and replay position are read (DATABASE_READ_CHECK_INTERVAL_MS, default 1 s). */
  checkIntervalMs: number;
}

export function readReplicaSettings(env: Env = process.env): ReadReplicaSettings {
  const url = readUrl(env, 'DATABASE_READ_URL', ['postgres:', 'postgresql:']);
  if (url !== undefined && env.DATABASE_URL === undefined)
    throw new ConfigError('DATABASE_READ_URL', 'set only together with DATABASE_URL (its primary)', url);
  return {
    url,
    maxLagMs: readInteger(env, 'DATABASE_READ_MAX_LAG_MS', 5_000, 0, 3_600_000),
    checkIntervalMs: readInteger(env, 'DATABASE_READ_CHECK_INTERVAL_MS', 1_000, 50, 60_000),
  };
}

/** Where the last read went and why; for health pages and tests. */
export interface ReadReplicaStatus {
  configured: boolean;
  /** The last check reached the replica. */
  up: boolean;
  lagMs: number | undefined;
  /** The WAL position the replica had replayed at the last check. */
  replayedTo: string | undefined;
  reads: { replica: number; primary: number };
}

export interface ReadRouter {
  /**
   * Runs a read-only query on the replica when it may answer, else on the primary.
   * `after` is a WAL position (from `position()`) the answer must include.
   */
  read<T>(query: (orm: NodePgDatabase) => Promise<T>, after?: string): Promise<T>;
  /** The primary's current WAL position (after a commit: a position that includes it); '0/0' with no replica. */
  position(): Promise<string>;
  status(): ReadReplicaStatus;
  close(): Promise<void>;
}

export interface ReadRouterOptions {
  primary: { pool: pg.Pool; orm: NodePgDatabase };
  settings: ReadReplicaSettings;
  applicationName: string;
  logger: Logger;
}

/** Orders WAL positions ("16/B374D848"); a malformed one sorts first. */
export function compareWalPositions(a: string, b: string): number {
  const value = (lsn: string) => {
    const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn);
    return match ? (BigInt(`0x${match[1]}`) << 32n) + BigInt(`0x${match[2]}`) : -1n;
  };
  const difference = value(a) - value(b);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

// On a standby: its replayed position, and the time since the last replayed commit when WAL
// is still waiting to be replayed (a standby that has replayed all it received lags 0).
// On a server that is not in recovery (a read URL naming a primary) everything is current.
const REPLICA_STATE = `
  SELECT pg_is_in_recovery() AS standby,
         COALESCE(pg_last_wal_replay_lsn(), pg_current_wal_insert_lsn())::text AS replayed,
         CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
              ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1000, 0)
         END AS lag_ms`;

/** Reads on the primary only: what every service gets when no replica is configured. */
function primaryOnly(primary: ReadRouterOptions['primary']): ReadRouter {
  let reads = 0;
  return {
    read(query) {
      reads++;
      return query(primary.orm);
    },
    position: async () => '0/0',
    status: () => ({
      configured: false,
      up: false,
      lagMs: undefined,
      replayedTo: undefined,
      reads: { replica: 0, primary: reads },
    }),
    close: async () => undefined,
  };
}

export function createReadRouter(options: ReadRouterOptions): ReadRouter {
  const { primary, settings, logger } = options;
  const url = settings.url;
  if (url === undefined) return primaryOnly(primary);

  // The replica's pool opens on the first read: only services that browse pay for it.
  let replica: { pool: pg.Pool; orm: NodePgDatabase; monitor: PeriodicTask } | undefined;
  let up = false;
  let lagMs: number | undefined;
  let replayedTo: string | undefined;
  let closed = false;
  const reads = { replica: 0, primary: 0 };

  const check = async (pool: pg.Pool) => {
    try {
      const { rows } = await pool.query<{ standby: boolean; replayed: string; lag_ms: string | number }>(
        REPLICA_STATE,
      );
      const row = rows[0]!;
      const wasUp = up;
      up = true;
      lagMs = Math.round(Number(row.lag_ms));
      replayedTo = row.replayed;
      if (!wasUp) logger.info({ lagMs, replayedTo }, 'read replica reachable: browse reads go to it');
    } catch (error) {
      if (up) logger.warn({ err: error }, 'read replica unreachable: reads go to the primary');
      up = false;
      throw error;
    }
  };

  const open = () => {
    const pool = new pg.Pool({
      connectionString: url,
      max: 10,
      application_name: `${options.applicationName}-read`,
      connectionTimeoutMillis: 1_000,
      idleTimeoutMillis: 30_000,
      statement_timeout: 30_000,
    });
    traceQueries(pool);
    pool.on('error', (error) => logger.warn({ err: error }, 'idle read-replica connection lost'));
    pool.on('connect', (client) => {
      client.on('error', (error) => logger.warn({ err: error }, 'read-replica connection lost'));
    });
    const monitor = new PeriodicTask('read replica check', settings.checkIntervalMs, logger, () =>
      check(pool),
    );
    monitor.start();
    replica = { pool, orm: drizzle({ client: pool }), monitor };
    return replica;
  };

  const onPrimary = <T>(query: (orm: NodePgDatabase) => Promise<T>) => {
    reads.primary++;
    return query(primary.orm);
  };

  return {
    async read(query, after) {
      if (closed) return onPrimary(query);
      if (!replica) {
        const opened = open();
        // The first read waits for the first check, so it can already use the replica.
        await check(opened.pool).catch(() => undefined);
      }
      const usable =
        up &&
        lagMs !== undefined &&
        lagMs <= settings.maxLagMs &&
        (after === undefined || (replayedTo !== undefined && compareWalPositions(replayedTo, after) >= 0));
      if (!usable || !replica) return onPrimary(query);
      try {
        const result = await query(replica.orm);
        reads.replica++;
        return result;
      } catch (error) {
        // A read is safe to repeat; the replica may be going away or cancelled it for a
        // conflict with recovery. The next check decides whether it comes back.
        logger.warn({ err: error }, 'read on the replica failed; answered from the primary');
        up = false;
        return onPrimary(query);
      }
    },
    async position() {
      // The insert position, not pg_current_wal_lsn(): with synchronous_commit off a commit's
      // record may still be in the WAL buffers, past the written position — a replica that had
      // replayed "up to" that would not yet show the change.
      const { rows } = await primary.pool.query<{ lsn: string }>(
        'SELECT pg_current_wal_insert_lsn()::text AS lsn',
      );
      return rows[0]!.lsn;
    },
    status: () => ({ configured: true, up, lagMs, replayedTo, reads: { ...reads } }),
    async close() {
      if (closed) return;
      closed = true;
      if (!replica) return;
      await replica.monitor.stop();
      await replica.pool.end();
    },
  };
}
