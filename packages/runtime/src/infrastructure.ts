// Chooses the adapters from configuration: embedded PostgreSQL or DATABASE_URL,
// memory or Redis, the in-process bus (Kafka arrives with the distributed-mode issue).
import {
  type CacheStore,
  ConfigError,
  type EventTransport,
  InProcessTransport,
  InternalTokens,
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

export async function createInfrastructure(config: PlatformConfig, logger: Logger): Promise<Infrastructure> {
  if (config.kafkaBrokers.length > 0) {
    throw new ConfigError(
      'KAFKA_BROKERS',
      'unset until the Kafka adapter lands (events use the in-process bus)',
      config.kafkaBrokers.join(','),
    );
  }
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
  const cache: CacheStore = config.redisUrl
    ? new RedisCacheStore(config.redisUrl, logger)
    : new MemoryCacheStore();
  const bus: EventTransport = new InProcessTransport();
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
