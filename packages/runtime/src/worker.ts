// A worker of `ticketing start --workers N` (the script the primary forks, see cluster.ts): runs
// every service on the ports the primary shares among its workers, on the primary's database and
// cache store, until the primary tells it to stop or goes away.
import cluster from 'node:cluster';
import type { Platform } from './platform.js';
import { isWorkerMessage, type WorkerMessage, type WorkerStart } from './worker-messages.js';

if (!cluster.isWorker || typeof process.send !== 'function')
  throw new Error('worker.ts is started by `ticketing start --workers N`, not on its own');

const send = (message: WorkerMessage) => process.send!(message, () => undefined);

let starting: Promise<Platform | undefined> | undefined;
let stopping: Promise<void> | undefined;
const interrupt = new AbortController();

/** Drains and stops the services (or interrupts their start and lets it clean up), then exits. */
function stop(): Promise<void> {
  stopping ??= (async () => {
    interrupt.abort();
    const platform = await starting;
    await platform?.stop().catch((error) => process.stderr.write(`worker stop failed: ${String(error)}\n`));
    process.exit(0);
  })();
  return stopping;
}

// Ctrl+C reaches every process of the terminal's group: the primary decides the order of the
// shutdown (workers first, then PostgreSQL), so a worker waits for its word.
process.on('SIGINT', () => undefined);
// A SIGTERM sent to this worker alone stops it; the primary starts another in its place.
process.on('SIGTERM', () => void stop());
// The primary is gone (killed): a worker must not outlive it.
process.on('disconnect', () => void stop());

process.on('message', (message: unknown) => {
  if (isWorkerMessage(message, 'worker:stop')) void stop();
  else if (isWorkerMessage(message, 'worker:start')) starting ??= start(message);
});
send({ type: 'worker:hello' });

async function start(instructions: WorkerStart): Promise<Platform | undefined> {
  // Loaded only now: the listeners above hear a stop while the services' code is still loading.
  const [{ ClusterCacheStore, createLogger, loadConfig }, { startPlatform }] = await Promise.all([
    import('@ticketing/platform'),
    import('./platform.js'),
  ]);
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel, { worker: instructions.index });
  let platform: Platform;
  try {
    platform = await startPlatform({
      seed: instructions.seed,
      logger,
      signal: interrupt.signal,
      env: { DATABASE_POOL_SIZE: String(instructions.databasePoolSize) },
      shared: {
        databaseUrl: instructions.databaseUrl,
        embedded: instructions.embedded,
        // With REDIS_URL every worker uses Redis itself.
        cache: config.redisUrl ? undefined : new ClusterCacheStore(),
      },
    });
  } catch (error) {
    if (interrupt.signal.aborted) return undefined; // stop() exits
    process.stderr.write(`ticketing worker ${instructions.index}: ${(error as Error).message}\n`);
    process.exit(1);
  }
  send({
    type: 'worker:ready',
    services: [...platform.services.values()].map((service) => ({
      name: service.module.name,
      url: service.url,
    })),
  });
  return platform;
}
