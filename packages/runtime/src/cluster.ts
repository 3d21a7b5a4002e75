// `ticketing start --workers N`: the embedded mode on N cores. This process (the primary) starts
// PostgreSQL, applies the migrations and keeps the in-memory cache store; it forks N workers
// (node:cluster), each running every service on the same ports, so the primary spreads the
// connections of every port over the workers. The first worker starts alone (it creates the
// first admin and seeds the demo data once), then the others. A worker that dies is replaced;
// stopping stops the workers first, then PostgreSQL. See ADR 0027.
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ClusterCacheHost,
  createLogger,
  type IpcPeer,
  type Logger,
  loadConfig,
  MemoryCacheStore,
  type PlatformConfig,
} from '@ticketing/platform';
import pg from 'pg';
import { type PlatformDatabase, StartupError, startDatabase } from './infrastructure.js';
import { applyMigrations } from './platform.js';
import { SERVICES } from './services.js';
import {
  isWorkerMessage,
  type WorkerMessage,
  type WorkerReady,
  type WorkerStart,
} from './worker-messages.js';

export interface ClusterOptions {
  workers: number;
  env?: Record<string, string | undefined>;
  logger?: Logger;
  /** Aborting it (Ctrl+C during start-up) stops what has started and makes the start reject. */
  signal?: AbortSignal;
  /** Demo data: seeded by the first worker on a first embedded start (the default), or never. */
  seed?: 'first-start' | 'never';
}

export interface RunningCluster {
  config: PlatformConfig;
  workers: number;
  databaseUrl: string;
  embedded: boolean;
  /** Every service and its URL (the same in every worker). */
  services: { name: string; url: string }[];
  /** Process ids of the workers running now. */
  workerPids(): number[];
  /** Stops every worker (each drains its requests), then the cache store and PostgreSQL. */
  stop(): Promise<void>;
}

/**
 * `--workers auto`: one worker per core, at most four, less a core left to PostgreSQL when it is
 * the embedded server on this machine (it takes about 40 % of a purchase's CPU).
 */
export function defaultWorkers(cores = availableParallelism(), embeddedDatabase = true): number {
  return Math.max(1, Math.min(cores - (embeddedDatabase ? 1 : 0), 4));
}

/** The default DATABASE_POOL_SIZE (connections per service) of one process. */
const DEFAULT_POOL_SIZE = 10;
/** Below this a service's pool starves: its outbox relay holds one connection for LISTEN. */
const MIN_POOL_SIZE = 3;
/** Connections left for everything else: migrations, `ticketing verify`, the benchmark, psql. */
const HEADROOM_CONNECTIONS = 20;

/**
 * Connections per service in each worker, so that all workers together stay within the
 * server's max_connections (less its reserved slots and some headroom). An explicit
 * DATABASE_POOL_SIZE is kept, or refused when it does not fit.
 */
export function poolSizePerWorker(options: {
  workers: number;
  services: number;
  availableConnections: number;
  configured: number | undefined;
}): number {
  const budget = options.availableConnections - HEADROOM_CONNECTIONS;
  const fits = Math.floor(budget / (options.services * options.workers));
  if (options.configured !== undefined) {
    if (options.configured > fits)
      throw new StartupError(
        `DATABASE_POOL_SIZE=${options.configured} × ${options.services} services × ${options.workers} workers ` +
          `needs ${options.configured * options.services * options.workers} connections; the database allows ` +
          `${budget} (max_connections less reserved ones and ${HEADROOM_CONNECTIONS} kept free): use at most ${Math.max(fits, 0)}, or fewer workers`,
      );
    return options.configured;
  }
  if (fits < MIN_POOL_SIZE)
    throw new StartupError(
      `${options.workers} workers need more connections than the database allows (${budget} for the platform); ` +
        `use at most ${Math.floor(budget / (options.services * MIN_POOL_SIZE))} workers, or raise max_connections`,
    );
  return Math.min(DEFAULT_POOL_SIZE, fits);
}

/** max_connections less the slots only superusers (and roles with pg_use_reserved_connections) get. */
async function availableConnections(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ available: number }>(`
      SELECT current_setting('max_connections')::int
             - current_setting('superuser_reserved_connections')::int
             - coalesce(nullif(current_setting('reserved_connections', true), ''), '0')::int AS available`);
    return rows[0]!.available;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The worker script beside this file (worker.ts from the sources, worker.js once built). */
const WORKER_SCRIPT = fileURLToPath(new URL(`./worker${extname(import.meta.url)}`, import.meta.url));

/** How long a replacement waits after a worker died: doubles while workers die young, at most 30 s. */
const FIRST_RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 30_000;
/** A worker that ran this long before it died is not part of a crash loop. */
const HEALTHY_RUN_MS = 60_000;

interface WorkerSlot {
  index: number;
  worker: Worker | undefined;
  startedAt: number;
  restartDelayMs: number;
  restartTimer: NodeJS.Timeout | undefined;
}

export async function startCluster(options: ClusterOptions): Promise<RunningCluster> {
  if (!Number.isInteger(options.workers) || options.workers < 2)
    throw new Error('startCluster runs two workers or more; one is startPlatform');
  const env = { ...process.env, ...options.env };
  const config = loadConfig(env);
  const workerEnv = Object.fromEntries(
    Object.entries(options.env ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const logger = options.logger ?? createLogger(config.logLevel, { role: 'primary' });
  const stopIfInterrupted = () => {
    if (options.signal?.aborted) throw new StartupError('start interrupted');
  };

  let database: PlatformDatabase | undefined;
  const cacheHost = config.redisUrl ? undefined : new ClusterCacheHost(new MemoryCacheStore());
  const slots: WorkerSlot[] = [];
  const detachers = new Map<Worker, () => Promise<void>>();
  let stopping: Promise<void> | undefined;
  let instructions: Omit<WorkerStart, 'type' | 'index' | 'seed'> | undefined;
  let running = false;

  const alive = () => slots.flatMap((slot) => (slot.worker && !slot.worker.isDead() ? [slot.worker] : []));

  /** Forks the worker of a slot; resolves once every service of it listens. */
  const fork = (slot: WorkerSlot, seed: WorkerStart['seed']): Promise<WorkerReady> => {
    const worker = cluster.fork(workerEnv);
    slot.worker = worker;
    slot.startedAt = Date.now();
    const detach = cacheHost?.attach(worker as unknown as IpcPeer);
    if (detach) detachers.set(worker, detach);
    const ready = new Promise<WorkerReady>((resolve, reject) => {
      worker.on('message', (message: unknown) => {
        if (isWorkerMessage(message, 'worker:hello')) {
          // A stop sent while the worker was still loading was not heard: say it again.
          const answer: WorkerMessage =
            stopping || !instructions
              ? { type: 'worker:stop' }
              : { type: 'worker:start', index: slot.index, seed, ...instructions };
          worker.send(answer, () => undefined);
        } else if (isWorkerMessage(message, 'worker:ready')) resolve(message);
      });
      worker.once('exit', (code, signal) =>
        reject(
          new StartupError(
            `worker ${slot.index} exited (${signal ?? `code ${code}`}) before its services were up; its error is above`,
          ),
        ),
      );
    });
    worker.once('exit', (code, signal) => {
      void detachers.get(worker)?.();
      detachers.delete(worker);
      // During the start a dead worker fails the start instead (see `ready`).
      if (stopping || !running || slot.worker !== worker) return;
      replace(slot, code, signal);
    });
    return ready;
  };

  /** A worker died while the platform runs: log it, and start another in its place. */
  const replace = (slot: WorkerSlot, code: number | null, signal: string | null) => {
    const ranMs = Date.now() - slot.startedAt;
    slot.restartDelayMs =
      ranMs >= HEALTHY_RUN_MS
        ? FIRST_RESTART_DELAY_MS
        : Math.min(MAX_RESTART_DELAY_MS, slot.restartDelayMs * 2 || FIRST_RESTART_DELAY_MS);
    logger.error(
      { worker: slot.index, pid: slot.worker?.process.pid, code, signal, restartInMs: slot.restartDelayMs },
      `worker ${slot.index} died; starting another in its place`,
    );
    slot.worker = undefined;
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      if (stopping) return;
      fork(slot, 'never').then(
        (ready) =>
          logger.warn(
            { worker: slot.index, pid: slot.worker?.process.pid },
            `worker ${slot.index} replaced: its ${ready.services.length} services are up again`,
          ),
        (error: Error) => {
          if (!stopping) logger.error({ worker: slot.index }, error.message);
        },
      );
    }, slot.restartDelayMs);
  };

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      for (const slot of slots) if (slot.restartTimer) clearTimeout(slot.restartTimer);
      const workers = alive();
      // Each worker drains its requests within SHUTDOWN_TIMEOUT_MS; one that hangs is killed.
      await Promise.all(
        workers.map(
          (worker) =>
            new Promise<void>((resolve) => {
              if (worker.isDead()) return resolve();
              const kill = setTimeout(() => worker.process.kill('SIGKILL'), config.shutdownTimeoutMs + 5_000);
              worker.once('exit', () => {
                clearTimeout(kill);
                resolve();
              });
              worker.send({ type: 'worker:stop' } satisfies WorkerMessage, () => undefined);
            }),
        ),
      );
      await Promise.allSettled([...detachers.values()].map((detach) => detach()));
      detachers.clear();
      await cacheHost?.close();
      await database?.stop();
    })();
    return stopping;
  };

  try {
    database = await startDatabase(config, logger);
    stopIfInterrupted();
    // Once, here, rather than in N workers racing for the migrations' lock.
    await applyMigrations(database.url, undefined, logger);
    stopIfInterrupted();
    const databasePoolSize = poolSizePerWorker({
      workers: options.workers,
      services: SERVICES.length,
      availableConnections: await availableConnections(database.url),
      configured: env.DATABASE_POOL_SIZE?.trim() ? config.databasePoolSize : undefined,
    });
    instructions = { databaseUrl: database.url, embedded: database.embedded, databasePoolSize };
    logger.info(
      { workers: options.workers, databasePoolSize },
      `starting ${options.workers} workers, ${databasePoolSize} database connections per service in each`,
    );
    cluster.setupPrimary({ exec: WORKER_SCRIPT, args: [] });
    for (let index = 1; index <= options.workers; index++)
      slots.push({ index, worker: undefined, startedAt: 0, restartDelayMs: 0, restartTimer: undefined });
    // The first worker alone: it creates the first admin and the demo data, once.
    const first = await interruptible(fork(slots[0]!, options.seed ?? 'first-start'), options.signal);
    await interruptible(Promise.all(slots.slice(1).map((slot) => fork(slot, 'never'))), options.signal);
    running = true;
    return {
      config,
      workers: options.workers,
      databaseUrl: database.url,
      embedded: database.embedded,
      services: first.services,
      workerPids: () => alive().flatMap((worker) => (worker.process.pid ? [worker.process.pid] : [])),
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/** Rejects as soon as the signal aborts, so a start waiting for workers can be interrupted. */
function interruptible<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(new StartupError('start interrupted'));
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
