// Chooses the adapters from configuration: embedded PostgreSQL or DATABASE_URL,
// memory or Redis, the in-process bus or Kafka (KAFKA_BROKERS).
import { OrderTopics, PaymentTopics, Topics } from '@ticketing/contracts';
import {
  type CacheStore,
  type EventTransport,
  InProcessTransport,
  InternalTokens,
  KafkaTransport,
  type Logger,
  loadDevSecrets,
  MemoryCacheStore,
  type PlatformConfig,
  RedisCacheStore,
  startEmbeddedPostgres,
} from '@ticketing/platform';
import pg from 'pg';

export interface Infrastructure {
  databaseUrl: string;
  embedded: boolean;
  cache: CacheStore;
  bus: EventTransport;
  tokens: InternalTokens;
  close(): Promise<void>;
}

export class StartupError extends Error {}

/** Fails fast, in one line, when the database cannot be reached at start. */
async function checkDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    const where = (() => {
      try {
        const parsed = new URL(url);
        return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
      } catch {
        return 'DATABASE_URL';
      }
    })();
    throw new StartupError(
      `cannot connect to PostgreSQL at ${where}: ${(error as Error).message || (error as { code?: string }).code}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Every topic a service publishes, from the contracts: created (with its dead-letter topic) at start. */
export const EVENT_TOPICS: string[] = [
  ...Object.values(Topics),
  ...Object.values(OrderTopics),
  ...Object.values(PaymentTopics),
];

/** Connects to Kafka and creates the topics; fails fast, in one line, when no broker answers. */
async function startKafka(config: PlatformConfig, logger: Logger): Promise<KafkaTransport> {
  const transport = new KafkaTransport({
    brokers: config.kafkaBrokers,
    clientId: `ticketing-${process.pid}`,
    logger,
    topics: EVENT_TOPICS,
    prefix: config.kafkaTopicPrefix,
    maxDeliveryAttempts: config.kafkaMaxDeliveryAttempts,
    consumerConcurrency: config.eventConsumerConcurrency,
  });
  try {
    await transport.start();
  } catch (error) {
    await transport.close().catch(() => undefined);
    throw new StartupError(
      `cannot reach Kafka at ${config.kafkaBrokers.join(',')}: ${(error as Error).message}`,
    );
  }
  return transport;
}

/** The database the platform runs on: the embedded server (started here) or DATABASE_URL's. */
export interface PlatformDatabase {
  url: string;
  embedded: boolean;
  /** Stops the embedded server; nothing for DATABASE_URL's. */
  stop(): Promise<void>;
}

/** Starts the embedded PostgreSQL unless DATABASE_URL is set, and checks that it answers. */
export async function startDatabase(config: PlatformConfig, logger: Logger): Promise<PlatformDatabase> {
  if (config.databaseUrl !== undefined) {
    await checkDatabase(config.databaseUrl);
    return { url: config.databaseUrl, embedded: false, async stop() {} };
  }
  const { postgresPassword } = await loadDevSecrets(config.dataDir);
  const embedded = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    port: config.embeddedPostgresPort,
    password: postgresPassword,
    database: 'ticketing',
    logger,
  });
  try {
    await checkDatabase(embedded.url);
  } catch (error) {
    await embedded.stop();
    throw error;
  }
  return { url: embedded.url, embedded: true, stop: () => embedded.stop() };
}

/**
 * What a worker of `ticketing start --workers N` is given by its primary process: the database
 * the primary started (and stops), and the primary's cache store, reached over IPC.
 */
export interface SharedInfrastructure {
  databaseUrl: string;
  embedded: boolean;
  /** The primary's store; unset with REDIS_URL, where every worker talks to Redis itself. */
  cache?: CacheStore;
}

export async function createInfrastructure(
  config: PlatformConfig,
  logger: Logger,
  shared?: SharedInfrastructure,
): Promise<Infrastructure> {
  const database: PlatformDatabase = shared
    ? { url: shared.databaseUrl, embedded: shared.embedded, async stop() {} }
    : await startDatabase(config, logger);
  if (shared) await checkDatabase(database.url);
  let bus: EventTransport;
  try {
    bus =
      config.kafkaBrokers.length > 0
        ? await startKafka(config, logger)
        : new InProcessTransport({ concurrency: config.eventConsumerConcurrency });
  } catch (error) {
    await database.stop();
    throw error;
  }
  const cache: CacheStore = config.redisUrl
    ? new RedisCacheStore(config.redisUrl, logger)
    : (shared?.cache ?? new MemoryCacheStore());
  const tokenSecret =
    config.internalTokenSecret ?? (await loadDevSecrets(config.dataDir)).internalTokenSecret;
  const tokens = new InternalTokens(tokenSecret);
  return {
    databaseUrl: database.url,
    embedded: database.embedded,
    cache,
    bus,
    tokens,
    async close() {
      await Promise.allSettled([cache.close(), bus.close()]);
      await database.stop();
    },
  };
}
