// The gateway's settings, read once from the environment and validated: rate limits per
// route class, CORS, upstream timeouts, body limit, health checks, breaker and route-table sync.
// A bad value stops the start with one line naming the variable (ConfigError).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, type Environment, readChoice, readInteger } from '@ticketing/platform';
import { parseUpstreamPattern, type UpstreamPattern } from './upstream-allow-list.js';

type Env = Record<string, string | undefined>;

/** Route classes that share a rate limit; every route of the table names one (or gets `default`). */
export const RATE_LIMIT_CLASSES = [
  'default',
  'auth',
  'browse',
  'holds',
  'orders',
  'queue-join',
  'queue-poll',
] as const;
export type RateLimitClass = (typeof RATE_LIMIT_CLASSES)[number];

export interface RateLimitPolicy {
  limit: number;
  windowMs: number;
  /** `client`: the signed-in user, else the IP address; `ip`: always the IP address. */
  by: 'client' | 'ip';
}

export interface GatewayConfig {
  /** Origins allowed to call the API from a browser; `*` means any origin (then never with credentials). */
  corsOrigins: string[] | '*';
  corsCredentials: boolean;
  /** Fastify's trustProxy: which hops in front may set X-Forwarded-For. Off by default. */
  trustProxy: boolean | string[];
  upstreamTimeoutMs: number;
  connectTimeoutMs: number;
  /** Shed new requests (503, Retry-After) while the event loop lags more than this; 0: never. */
  maxEventLoopDelayMs: number;
  bodyLimitBytes: number;
  healthCheckIntervalMs: number;
  healthCheckTimeoutMs: number;
  breaker: {
    errorThresholdPercentage: number;
    volumeThreshold: number;
    resetTimeoutMs: number;
    windowMs: number;
  };
  /** `undefined` when the class is switched off (`RATE_LIMIT_<CLASS>=off`). */
  rateLimits: Record<RateLimitClass, RateLimitPolicy | undefined>;
  /** Instances a route table may name besides the configured ones (GATEWAY_UPSTREAM_ALLOW_LIST). */
  upstreamAllowList: UpstreamPattern[];
  /** How often an instance checks the database for a route table changed by another instance. */
  routeTablePollMs: number;
  /** The built web app; served when the directory exists. */
  webDir: string;
}

const present = (env: Env, name: string) => {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
};

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** `10/1m`, `300/60s`, `5/500ms` (requests per window), or `off`. */
export function readRateLimit(
  env: Env,
  name: string,
  fallback: Omit<RateLimitPolicy, 'by'> | undefined,
  by: RateLimitPolicy['by'],
): RateLimitPolicy | undefined {
  const raw = present(env, name);
  if (raw === undefined) return fallback && { ...fallback, by };
  if (raw === 'off') return undefined;
  const match = /^(\d{1,9})\s*\/\s*(\d{1,9})?\s*(ms|s|m|h)$/.exec(raw);
  const limit = Number(match?.[1]);
  const windowMs = Number(match?.[2] ?? 1) * UNIT_MS[(match?.[3] ?? 's') as keyof typeof UNIT_MS];
  if (!match || limit < 1 || windowMs < 100 || windowMs > 86_400_000) {
    throw new ConfigError(
      name,
      'requests per window like 10/1m, 300/60s or 5/500ms (window 100ms to 24h), or off',
      raw,
    );
  }
  return { limit, windowMs, by };
}

function readOrigins(env: Env, name: string): string[] | '*' {
  const raw = present(env, name);
  if (raw === undefined) return [];
  if (raw === '*') return '*';
  return raw.split(',').map((part) => {
    const origin = part.trim();
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    // An origin is scheme://host[:port], nothing more: a path or a trailing slash never matches a browser's Origin.
    if (!url || !['http:', 'https:'].includes(url.protocol) || url.origin !== origin) {
      throw new ConfigError(
        name,
        'a comma-separated list of origins like https://shop.example.com, or *',
        raw,
      );
    }
    return origin;
  });
}

function readUpstreamAllowList(env: Env, name: string): UpstreamPattern[] {
  const raw = present(env, name);
  if (raw === undefined) return [];
  return raw.split(',').map((part) => {
    const pattern = parseUpstreamPattern(part.trim());
    if (!pattern)
      throw new ConfigError(
        name,
        'a comma-separated list of origins like http://10.0.0.5:8083 or http://*.ticket.svc.cluster.local:8083',
        raw,
      );
    return pattern;
  });
}

function readTrustProxy(env: Env, name: string): GatewayConfig['trustProxy'] {
  const raw = present(env, name);
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  const entries = raw.split(',').map((part) => part.trim());
  if (entries.some((entry) => !/^(loopback|linklocal|uniquelocal|[0-9a-fA-F:.]+(\/\d{1,3})?)$/.test(entry))) {
    throw new ConfigError(
      name,
      'false, true, or a comma-separated list of proxy addresses/CIDRs (or loopback, linklocal, uniquelocal)',
      raw,
    );
  }
  return entries;
}

const DEFAULT_WEB_DIR = resolve(fileURLToPath(new URL('../../../apps/web/dist', import.meta.url)));

export function readGatewayConfig(env: Env, environment: Environment): GatewayConfig {
  const corsOrigins = readOrigins(env, 'GATEWAY_CORS_ORIGINS');
  const corsCredentials = readChoice(env, 'GATEWAY_CORS_CREDENTIALS', ['true', 'false'], 'false') === 'true';
  if (corsOrigins === '*' && corsCredentials) {
    throw new ConfigError(
      'GATEWAY_CORS_ORIGINS',
      'a list of origins when GATEWAY_CORS_CREDENTIALS=true (a wildcard with credentials lets any site act as the user)',
      '*',
    );
  }
  const upstreamTimeoutMs = readInteger(env, 'GATEWAY_UPSTREAM_TIMEOUT_MS', 15_000, 100, 600_000);
  const healthCheckIntervalMs = readInteger(env, 'GATEWAY_HEALTH_CHECK_INTERVAL_MS', 5_000, 50, 600_000);
  // API tests send many logins from one address; their limits are lifted unless a test sets them.
  const lenient = environment === 'test';
  const perMinute = (limit: number) => ({ limit: lenient ? 100_000 : limit, windowMs: 60_000 });
  const trustProxy = readTrustProxy(env, 'GATEWAY_TRUST_PROXY');
  // Trusting every hop lets any client write its own X-Forwarded-For and so pick the address
  // that per-IP rate limits and fraud rules count.
  if (trustProxy === true && environment === 'production') {
    throw new ConfigError(
      'GATEWAY_TRUST_PROXY',
      'the addresses or CIDRs of the proxies in front in production, not true',
      'true',
    );
  }
  return {
    corsOrigins,
    corsCredentials,
    trustProxy,
    upstreamTimeoutMs,
    connectTimeoutMs: readInteger(
      env,
      'GATEWAY_CONNECT_TIMEOUT_MS',
      Math.min(1_000, upstreamTimeoutMs),
      50,
      60_000,
    ),
    bodyLimitBytes: readInteger(env, 'GATEWAY_BODY_LIMIT_BYTES', 1_048_576, 1_024, 1_073_741_824),
    // Off in tests, whose processes start services and compile sources while they serve.
    maxEventLoopDelayMs: readInteger(env, 'GATEWAY_MAX_EVENT_LOOP_DELAY_MS', lenient ? 0 : 200, 0, 60_000),
    healthCheckIntervalMs,
    healthCheckTimeoutMs: readInteger(env, 'GATEWAY_HEALTH_CHECK_TIMEOUT_MS', 2_000, 50, 60_000),
    breaker: {
      errorThresholdPercentage: readInteger(env, 'GATEWAY_BREAKER_ERROR_PERCENT', 50, 1, 100),
      volumeThreshold: readInteger(env, 'GATEWAY_BREAKER_VOLUME_THRESHOLD', 10, 1, 100_000),
      resetTimeoutMs: readInteger(env, 'GATEWAY_BREAKER_RESET_MS', 5_000, 50, 600_000),
      windowMs: readInteger(env, 'GATEWAY_BREAKER_WINDOW_MS', 10_000, 1_000, 600_000),
    },
    rateLimits: {
      default: readRateLimit(env, 'RATE_LIMIT_DEFAULT', perMinute(300), 'client'),
      auth: readRateLimit(env, 'RATE_LIMIT_AUTH', perMinute(10), 'ip'),
      browse: readRateLimit(env, 'RATE_LIMIT_BROWSE', perMinute(600), 'client'),
      holds: readRateLimit(env, 'RATE_LIMIT_HOLDS', perMinute(30), 'client'),
      orders: readRateLimit(env, 'RATE_LIMIT_ORDERS', perMinute(10), 'client'),
      // Joining a waiting room (and fetching its challenge) per address: a flood of accounts from one machine.
      'queue-join': readRateLimit(env, 'RATE_LIMIT_QUEUE_JOIN', perMinute(60), 'ip'),
      // Asking for one's place: the stream is the way to follow it; polling faster than every 2 s is refused.
      'queue-poll': readRateLimit(env, 'RATE_LIMIT_QUEUE_POLL', perMinute(30), 'client'),
    },
    upstreamAllowList: readUpstreamAllowList(env, 'GATEWAY_UPSTREAM_ALLOW_LIST'),
    routeTablePollMs: readInteger(env, 'GATEWAY_ROUTE_TABLE_POLL_MS', 5_000, 50, 600_000),
    webDir: resolve(present(env, 'GATEWAY_WEB_DIR') ?? DEFAULT_WEB_DIR),
  };
}
