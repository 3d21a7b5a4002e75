// Platform configuration: read once from environment variables, validated, typed.
// Every default makes embedded mode work with no configuration; a bad value stops
// start-up with one line naming the variable and what it expects. Staging and production refuse
// the development defaults and secrets (profiles.ts).
import { ConfigError } from './config-error.js';
import { checkDeployedPlatformConfig, ENVIRONMENTS, type Environment } from './profiles.js';
import { readTracingConfig, type TracingConfig } from './tracing-config.js';

export { ConfigError };

export const SERVICE_NAMES = [
  'gateway',
  'user',
  'event',
  'ticket',
  'order',
  'payment',
  'notification',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Where each service listens unless `<SERVICE>_PORT` says otherwise. */
export const DEFAULT_PORTS: Record<ServiceName, number> = {
  gateway: 8080,
  user: 8081,
  event: 8082,
  ticket: 8083,
  order: 8084,
  payment: 8085,
  notification: 8086,
};

/** The metrics port unless MANAGEMENT_PORT says otherwise (OpenTelemetry's Prometheus exporter port). */
export const DEFAULT_MANAGEMENT_PORT = 9464;

export type { Environment } from './profiles.js';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface PlatformConfig {
  environment: Environment;
  host: string;
  dataDir: string;
  /** When unset, the process starts an embedded PostgreSQL server under dataDir/pg. */
  databaseUrl: string | undefined;
  databasePoolSize: number;
  /** Name repeated statements so the server prepares them once per connection. */
  databasePreparedStatements: boolean;
  embeddedPostgresPort: number;
  /** When unset, cache, rate limits and pub/sub live in memory. */
  redisUrl: string | undefined;
  /** When empty, events go through the in-process bus. */
  kafkaBrokers: string[];
  /** Put before every Kafka topic and consumer group, so several platforms can share a cluster. */
  kafkaTopicPrefix: string;
  /** Deliveries of an event to a failing consumer before it goes to `<topic>.dlt`. */
  kafkaMaxDeliveryAttempts: number;
  /** Events of different keys one consumer handles at once (a Kafka group's consumer, an in-process subscription). */
  eventConsumerConcurrency: number;
  logLevel: LogLevel;
  ports: Record<ServiceName, number>;
  /** Where this process serves /metrics of its services (MANAGEMENT_PORT); never a service port. */
  managementPort: number;
  /** Base URLs of each service's instances, used by service clients and the gateway. */
  serviceUrls: Record<ServiceName, string[]>;
  /** Shared secret signing internal service tokens; generated on first start in development. */
  internalTokenSecret: string | undefined;
  admin: { username: string | undefined; email: string | undefined; password: string | undefined };
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Grace period for draining in-flight requests on shutdown. */
  shutdownTimeoutMs: number;
  /** Where traces go (OTLP, Zipkin); undefined = no tracing. Read by tracing-config.ts. */
  tracing: TracingConfig | undefined;
}

type Env = Record<string, string | undefined>;

function present(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function readInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = present(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `an integer from ${min} to ${max}`, raw);
  }
  return value;
}

export function readPort(env: Env, name: string, fallback: number): number {
  const raw = present(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > 65535) {
    throw new ConfigError(name, 'a TCP port number from 1 to 65535 (or 0 for any free port)', raw);
  }
  return value;
}

export function readChoice<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const raw = present(env, name);
  if (raw === undefined) return fallback;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `one of ${choices.join(', ')}`, raw);
  }
  return raw as T;
}

export function readUrl(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const raw = present(env, name);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`, raw);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(name, `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`, raw);
  }
  return raw;
}

function readUrlList(env: Env, name: string, fallback: string[]): string[] {
  const raw = present(env, name);
  if (raw === undefined) return fallback;
  const urls = raw.split(',').map((part) => part.trim());
  for (const url of urls) readUrl({ [name]: url }, name, ['http:', 'https:']);
  return urls.map((url) => url.replace(/\/+$/, ''));
}

function readHostPortList(env: Env, name: string): string[] {
  const raw = present(env, name);
  if (raw === undefined) return [];
  const brokers = raw.split(',').map((part) => part.trim());
  for (const broker of brokers) {
    if (!/^[\w.-]+:\d{1,5}$/.test(broker))
      throw new ConfigError(name, 'a comma-separated list of host:port', raw);
  }
  return brokers;
}

function readTopicPrefix(env: Env, name: string): string {
  const raw = present(env, name);
  if (raw === undefined) return '';
  // Kafka's legal topic characters, leaving room for the topic name itself (at most 249 in all).
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(raw))
    throw new ConfigError(name, 'up to 100 of the characters A-Z a-z 0-9 . _ -', raw);
  return raw;
}

function readEmail(env: Env, name: string): string | undefined {
  const raw = present(env, name);
  if (raw !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(raw)) {
    throw new ConfigError(name, 'an email address', raw);
  }
  return raw;
}

function readSecret(env: Env, name: string, minLength: number): string | undefined {
  const raw = present(env, name);
  if (raw !== undefined && raw.length < minLength) {
    throw new ConfigError(name, `a secret of at least ${minLength} characters`, '<redacted>');
  }
  return raw;
}

export function loadConfig(env: Env = process.env): PlatformConfig {
  const environment = readChoice<Environment>(env, 'NODE_ENV', ENVIRONMENTS, 'development');
  const host = present(env, 'HOST') ?? '127.0.0.1';
  const ports = {} as Record<ServiceName, number>;
  const serviceUrls = {} as Record<ServiceName, string[]>;
  for (const service of SERVICE_NAMES) {
    const upper = service.toUpperCase();
    ports[service] = readPort(env, `${upper}_PORT`, DEFAULT_PORTS[service]);
    const localHost = host === '0.0.0.0' ? '127.0.0.1' : host;
    serviceUrls[service] = readUrlList(env, `${upper}_SERVICE_URL`, [
      `http://${localHost}:${ports[service]}`,
    ]);
  }
  const config: PlatformConfig = {
    environment,
    host,
    dataDir: present(env, 'DATA_DIR') ?? './data',
    databaseUrl: readUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    databasePoolSize: readInteger(env, 'DATABASE_POOL_SIZE', 10, 1, 500),
    // Off for a connection pooler in transaction mode (PgBouncer), which cannot keep them.
    databasePreparedStatements: readChoice(env, 'DATABASE_PREPARED_STATEMENTS', ['on', 'off'], 'on') === 'on',
    embeddedPostgresPort: readPort(env, 'EMBEDDED_POSTGRES_PORT', 54329),
    redisUrl: readUrl(env, 'REDIS_URL', ['redis:', 'rediss:']),
    kafkaBrokers: readHostPortList(env, 'KAFKA_BROKERS'),
    kafkaTopicPrefix: readTopicPrefix(env, 'KAFKA_TOPIC_PREFIX'),
    kafkaMaxDeliveryAttempts: readInteger(env, 'KAFKA_MAX_DELIVERY_ATTEMPTS', 5, 1, 100),
    eventConsumerConcurrency: readInteger(env, 'EVENT_CONSUMER_CONCURRENCY', 8, 1, 256),
    logLevel: readChoice<LogLevel>(
      env,
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      environment === 'test' ? 'warn' : 'info',
    ),
    ports,
    // Free in tests, where many platforms start side by side on one machine.
    managementPort: readPort(env, 'MANAGEMENT_PORT', environment === 'test' ? 0 : DEFAULT_MANAGEMENT_PORT),
    serviceUrls,
    internalTokenSecret: readSecret(env, 'INTERNAL_TOKEN_SECRET', 32),
    admin: {
      username: present(env, 'ADMIN_USERNAME'),
      email: readEmail(env, 'ADMIN_EMAIL'),
      password: readSecret(env, 'ADMIN_PASSWORD', 12),
    },
    accessTokenTtlSeconds: readInteger(env, 'ACCESS_TOKEN_TTL_SECONDS', 900, 30, 86_400),
    refreshTokenTtlSeconds: readInteger(env, 'REFRESH_TOKEN_TTL_SECONDS', 30 * 86_400, 60, 365 * 86_400),
    shutdownTimeoutMs: readInteger(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    tracing: readTracingConfig(env),
  };
  checkDeployedPlatformConfig(config, env);
  return config;
}
