// Starts services — all of them in one process (embedded), or some — on shared
// infrastructure, and stops them in reverse order, draining requests first.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Clock,
  ConfigError,
  createDatabase,
  createLogger,
  type Database,
  isDeployed,
  type Logger,
  loadConfig,
  type ManagementServer,
  OutboxRelay,
  type PlatformConfig,
  type RunningService,
  readReplicaSettings,
  runMigrations,
  ServiceClient,
  type ServiceContext,
  type ServiceModule,
  type ServiceName,
  startManagementServer,
  systemClock,
  unknownVariables,
} from '@ticketing/platform';
import {
  createInfrastructure,
  type Infrastructure,
  type SharedInfrastructure,
  StartupError,
} from './infrastructure.js';
import { findService, SERVICES } from './services.js';

export interface StartOptions {
  /** Which services to run; all by default. */
  services?: string[];
  env?: Record<string, string | undefined>;
  /** Seed demo data: 'first-start' (the default for the embedded mode), always, or never. */
  seed?: 'first-start' | 'always' | 'never';
  clock?: Clock;
  logger?: Logger;
  /** Aborting it (Ctrl+C during start-up) stops what has started and makes the start reject. */
  signal?: AbortSignal;
  /** A worker of `ticketing start --workers N`: the primary's database and cache, not its own. */
  shared?: SharedInfrastructure;
}

export interface StartedService {
  module: ServiceModule;
  running: RunningService;
  db: Database;
  relay: OutboxRelay;
  url: string;
  context: ServiceContext;
}

export interface Platform {
  config: PlatformConfig;
  infrastructure: Infrastructure;
  services: Map<ServiceName, StartedService>;
  /** Base URL of a running service. */
  url(service: ServiceName): string;
  /** Base URL of the management listener: GET /metrics of every service of this process. */
  managementUrl: string;
  stop(): Promise<void>;
}

function selectServices(names: string[] | undefined): ServiceModule[] {
  if (!names || names.length === 0) return SERVICES;
  const wanted = new Set(names.map((name) => findService(name).name));
  return SERVICES.filter((service) => wanted.has(service.name));
}

function makeContext(
  config: PlatformConfig,
  env: Record<string, string | undefined>,
  logger: Logger,
  infrastructure: Infrastructure,
  db: Database,
  clock: Clock,
  name: ServiceName,
  clients: Map<string, ServiceClient>,
): ServiceContext {
  return {
    config,
    env,
    logger,
    db,
    cache: infrastructure.cache,
    bus: infrastructure.bus,
    tokens: infrastructure.tokens,
    clock,
    client(target) {
      let client = clients.get(`${name}->${target}`);
      if (!client) {
        client = new ServiceClient({
          target,
          caller: name,
          urls: config.serviceUrls[target],
          tokens: infrastructure.tokens,
        });
        clients.set(`${name}->${target}`, client);
      }
      return client;
    },
  };
}

/** Applies every selected service's migrations and exits; what `ticketing migrate` runs. */
export async function migrate(options: StartOptions = {}): Promise<void> {
  const config = loadConfig({ ...process.env, ...options.env });
  const logger = options.logger ?? createLogger(config.logLevel);
  // Migrations touch only the database: no Kafka connection (a down broker must not stop them).
  const infrastructure = await createInfrastructure({ ...config, kafkaBrokers: [] }, logger);
  try {
    await applyMigrations(infrastructure.databaseUrl, options.services, logger);
  } finally {
    await infrastructure.close();
  }
}

/** Applies the selected services' migrations (all by default) on the database at `databaseUrl`. */
export async function applyMigrations(
  databaseUrl: string,
  services: string[] | undefined,
  logger: Logger,
): Promise<void> {
  for (const module of selectServices(services)) {
    const db = createDatabase({
      url: databaseUrl,
      poolSize: 2,
      applicationName: `ticketing-migrate-${module.name}`,
      logger,
    });
    try {
      await runMigrations(db.pool, { schema: module.schema, directory: module.migrationsDir }, logger);
    } finally {
      await db.close();
    }
  }
}

export async function startPlatform(options: StartOptions = {}): Promise<Platform> {
  const env = { ...process.env, ...options.env };
  const config = loadConfig(env);
  // The demo accounts share a public password: never in a deployed environment.
  if (options.seed === 'always' && isDeployed(config.environment))
    throw new ConfigError(
      'NODE_ENV',
      'development or test to seed the demo data (its accounts share a public password)',
      config.environment,
    );
  const logger = options.logger ?? createLogger(config.logLevel);
  for (const { name, suggestion } of unknownVariables(env))
    logger.warn(
      { variable: name, suggestion },
      `${name} is not a setting of the platform and is ignored${suggestion ? ` (did you mean ${suggestion}?)` : ''}`,
    );
  const clock = options.clock ?? systemClock;
  const readReplica = readReplicaSettings(env);
  const infrastructure = await createInfrastructure(config, logger, options.shared);
  const started = new Map<ServiceName, StartedService>();
  const clients = new Map<string, ServiceClient>();
  let management: ManagementServer | undefined;

  const stop = async () => {
    await management
      ?.close()
      .catch((error) => logger.warn({ err: error }, 'closing the management port failed'));
    management = undefined;
    // Kafka consumers stop first: a message arriving for a service whose pool is already
    // closed would fail its handler until dead-lettered. Unread and uncommitted messages
    // wait in Kafka for the next start.
    if (infrastructure.bus.kind !== 'in-process')
      await infrastructure.bus
        .close()
        .catch((error) => logger.warn({ err: error }, 'closing the bus failed'));
    // Reverse order: the gateway stops taking requests first, then the services behind it.
    for (const service of [...started.values()].reverse()) {
      await service.running.app
        .close()
        .catch((error) => logger.warn({ err: error }, 'closing the app failed'));
      await service.running
        .stopWorkers?.()
        .catch((error) => logger.warn({ err: error }, 'stopping workers failed'));
      await service.relay.stop().catch(() => undefined);
      await service.db.close().catch(() => undefined);
    }
    started.clear();
    await Promise.allSettled([...clients.values()].map((client) => client.close()));
    await infrastructure.close();
  };

  const stopIfInterrupted = () => {
    if (options.signal?.aborted) throw new StartupError('start interrupted');
  };

  try {
    for (const module of selectServices(options.services)) {
      stopIfInterrupted();
      const db = createDatabase({
        url: infrastructure.databaseUrl,
        poolSize: config.databasePoolSize,
        preparedStatements: config.databasePreparedStatements,
        applicationName: `ticketing-${module.name}`,
        logger,
        readReplica,
      });
      try {
        await runMigrations(db.pool, { schema: module.schema, directory: module.migrationsDir }, logger);
      } catch (error) {
        await db.close();
        throw error;
      }
      const context = makeContext(config, env, logger, infrastructure, db, clock, module.name, clients);
      const running = await module.build(context);
      const relay = new OutboxRelay({
        db,
        schema: module.schema,
        source: module.name,
        transport: infrastructure.bus,
        logger,
      });
      started.set(module.name, { module, running, db, relay, url: '', context });
      await running.app.listen({ port: config.ports[module.name], host: config.host });
      const address = running.app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.ports[module.name];
      const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
      started.get(module.name)!.url = url;
      // With port 0 (tests) the real port is known only now; later services call this one there.
      if (config.ports[module.name] === 0) config.serviceUrls[module.name] = [url];
      await relay.start();
      await running.startWorkers?.();
    }
    stopIfInterrupted();
    management = await startManagementServer({
      registries: () => [...started.values()].map((service) => service.running.app.metrics),
      port: config.managementPort,
      host: config.host,
      logger,
    });
    logger.info({ url: `${management.url}/metrics` }, 'metrics served on the management port');
    stopIfInterrupted();
    await seedIfWanted(options.seed ?? 'first-start', config, infrastructure, started, logger);
    stopIfInterrupted();
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }

  return {
    config,
    infrastructure,
    services: started,
    url(service) {
      const entry = started.get(service);
      if (!entry) throw new Error(`the ${service} service is not running in this process`);
      return entry.url;
    },
    managementUrl: management!.url,
    stop,
  };
}

async function seedIfWanted(
  mode: 'first-start' | 'always' | 'never',
  config: PlatformConfig,
  infrastructure: Infrastructure,
  started: Map<ServiceName, StartedService>,
  logger: Logger,
): Promise<void> {
  if (mode === 'never') return;
  // Never in a deployed environment (an explicit seed was refused before anything started).
  if (isDeployed(config.environment)) return;
  const marker = join(config.dataDir, 'seeded');
  if (mode === 'first-start' && (!infrastructure.embedded || existsSync(marker))) return;
  for (const service of started.values()) await service.module.seed?.(service.context);
  await mkdir(config.dataDir, { recursive: true });
  await writeFile(marker, `${new Date().toISOString()}\n`);
  logger.info('demo data seeded');
}
