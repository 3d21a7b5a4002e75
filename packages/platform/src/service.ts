// What a service is to the runtime: a name, a schema with its migrations, and a
// function building its app (and background workers) from the shared infrastructure.
import type { InternalTokens } from './auth.js';
import type { EventTransport } from './bus/types.js';
import type { CacheStore } from './cache/types.js';
import type { ServiceClient } from './client.js';
import type { Clock } from './clock.js';
import type { PlatformConfig, ServiceName } from './config.js';
import type { Database } from './database/pool.js';
import { createHttpApp, type HealthCheck, type HttpApp, type HttpAppOptions } from './http.js';
import type { Logger } from './logger.js';
import { startTracing } from './tracing.js';

export interface ServiceContext {
  config: PlatformConfig;
  /** The environment the config was read from, for a service's own settings (see its config.ts). */
  env?: Record<string, string | undefined>;
  logger: Logger;
  /** A pool on the service's own database (every service owns a schema). */
  db: Database;
  cache: CacheStore;
  bus: EventTransport;
  tokens: InternalTokens;
  clock: Clock;
  /** A client for another service, load-balanced over its configured instances. */
  client(target: ServiceName): ServiceClient;
}

export interface RunningService {
  app: HttpApp;
  /** Starts background work (consumers, sweepers) once the app listens. */
  startWorkers?(): Promise<void>;
  /** Stops background work; the runtime closes the app and the pool itself. */
  stopWorkers?(): Promise<void>;
}

export interface ServiceModule {
  name: ServiceName;
  /** The Postgres schema the service owns. */
  schema: string;
  /** Directory of the service's SQL migrations. */
  migrationsDir: string;
  build(context: ServiceContext): Promise<RunningService>;
  /** Inserts demo data (idempotent); run on the first embedded start and by `ticketing seed`. */
  seed?(context: ServiceContext): Promise<void>;
}

/** Builds a service's Fastify app with the health checks of the infrastructure it runs on. */
export async function createServiceApp(
  context: ServiceContext,
  service: string,
  options: Partial<Omit<HttpAppOptions, 'service' | 'logger' | 'tokens'>> = {},
): Promise<HttpApp> {
  // The first service to start turns tracing on for the process, when an exporter is configured.
  await startTracing(context.config.tracing);
  const healthChecks: Record<string, HealthCheck> = { db: () => context.db.ping() };
  // The cache and rate limits fail open and the outbox keeps events: an instance without
  // Redis or Kafka still serves, so those only degrade its health.
  const degradedBy: Record<string, HealthCheck> = {};
  if (context.cache.kind === 'redis') degradedBy.redis = () => context.cache.ping();
  if (context.bus.kind !== 'in-process') degradedBy[context.bus.kind] = () => context.bus.check();
  return await createHttpApp({
    service,
    logger: context.logger,
    tokens: context.tokens,
    ...options,
    healthChecks: { ...healthChecks, ...options.healthChecks },
    degradedBy: { ...degradedBy, ...options.degradedBy },
  });
}
