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

export async function createInfrastructure(config: PlatformConfig, logger: Logger): Promise<Infrastructure> {
  const needsDevSecrets = config.databaseUrl === undefined || config.internalTokenSecret === undefined;
  const devSecrets = needsDevSecrets ? await loadDevSecrets(config.dataDir) : undefined;
  let embedded: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
  let databaseUrl = config.databaseUrl;
  if (databaseUrl === undefined) {
    embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      port: config.embeddedPostgresPort,
      password: devSecrets!.postgresPassword,
      database: 'ticketing',
      logger,
    });
    databaseUrl = embedded.url;
  }
  await checkDatabase(databaseUrl);
  let bus: EventTransport;
  try {
    bus =
      config.kafkaBrokers.length > 0
        ? await startKafka(config, logger)
        : new InProcessTransport({ concurrency: config.eventConsumerConcurrency });
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
  const cache: CacheStore = config.redisUrl
    ? new RedisCacheStore(config.redisUrl, logger)
    : new MemoryCacheStore();
  const tokens = new InternalTokens(config.internalTokenSecret ?? devSecrets!.internalTokenSecret);
  return {
    databaseUrl,
    embedded: embedded !== undefined,
    cache,
    bus,
    tokens,
    async close() {
      await Promise.allSettled([cache.close(), bus.close()]);
      await embedded?.stop();
    },
  };
}
