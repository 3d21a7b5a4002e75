// The one database driver in every mode: a pg pool with Drizzle ORM on top.
import { drizzle, type NodePgDatabase, type NodePgQueryResultHKT } from 'drizzle-orm/node-postgres';
import type { PgDatabase } from 'drizzle-orm/pg-core';
import pg from 'pg';
import type { Logger } from '../logger.js';
import { prepareRepeatedStatements } from './prepared-statements.js';
import { createReadRouter, type ReadReplicaSettings, type ReadRouter } from './read-replica.js';
import { traceQueries } from './traced-pool.js';

/** A database handle or an open transaction: functions that run SQL take one of these first. */
// biome-ignore lint/suspicious/noExplicitAny: Drizzle's relational-schema parameter is irrelevant here.
export type Executor = PgDatabase<NodePgQueryResultHKT, any>;

export interface Database {
  readonly pool: pg.Pool;
  readonly orm: NodePgDatabase;
  /** Browse and search reads: on the read replica when one is configured and current enough. */
  readonly reads: ReadRouter;
  /** Runs fn in a transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T>;
  /** Resolves when the server answers a trivial query within the timeout. */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url: string;
  poolSize: number;
  applicationName: string;
  logger: Logger;
  statementTimeoutMs?: number;
  /** The read replica (DATABASE_READ_URL); without it every read runs on this pool. */
  readReplica?: ReadReplicaSettings;
  /** Prepare repeated statements on the server (DATABASE_PREPARED_STATEMENTS; on by default). */
  preparedStatements?: boolean;
}

export function createDatabase(options: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    application_name: options.applicationName,
    connectionTimeoutMillis: 3_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
  });
  // An idle client whose server went away emits 'error'; without a listener that
  // would crash the process. The pool replaces the client on the next checkout.
  pool.on('error', (error) => options.logger.warn({ err: error }, 'idle database connection lost'));
  // A checked-out client between queries (inside a transaction, or LISTENing) emits
  // 'error' when the server goes away; unheard, that would crash the process. The
  // failed statement still rejects and the pool discards the client on release.
  pool.on('connect', (client) => {
    client.on('error', (error) => options.logger.warn({ err: error }, 'database connection lost'));
  });
  if (options.preparedStatements ?? true) prepareRepeatedStatements(pool);
  traceQueries(pool);
  const orm = drizzle({ client: pool });
  const reads = createReadRouter({
    primary: { pool, orm },
    settings: options.readReplica ?? { url: undefined, maxLagMs: 0, checkIntervalMs: 1_000 },
    applicationName: options.applicationName,
    logger: options.logger,
  });
  let closed = false;
  return {
    pool,
    orm,
    reads,
    transaction: (fn) => orm.transaction((tx) => fn(tx)),
    async ping(timeoutMs = 2_000) {
      const client = await pool.connect();
      try {
        await client.query({ text: `SET LOCAL statement_timeout = ${Math.trunc(timeoutMs)}; SELECT 1` });
      } finally {
        client.release();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await reads.close();
      await pool.end();
    },
  };
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  '57P01',
  '57P02',
  '57P03',
]);

/** True when an error means "the database is unreachable", not "the query was wrong". */
export function isDatabaseUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const candidate = current as { code?: string; syscall?: string; message?: string; cause?: unknown };
    if (candidate.code && (CONNECTION_ERROR_CODES.has(candidate.code) || candidate.code.startsWith('08')))
      return true;
    // The Unix socket of a stopped server is gone: its connect fails with ENOENT.
    if (candidate.code === 'ENOENT' && candidate.syscall === 'connect') return true;
    if (
      typeof candidate.message === 'string' &&
      /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|Client has encountered a connection error/i.test(
        candidate.message,
      )
    ) {
      return true;
    }
    current = candidate.cause;
  }
  return false;
}
