// Starts services for a test file the way `ticketing start` does — real HTTP on
// free ports, a fresh database on the test PostgreSQL server — and stops them after.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, type Logger, SERVICE_NAMES } from '@ticketing/platform';
import { createTestDatabase } from '@ticketing/platform/testing';
import { type Platform, startPlatform } from '@ticketing/runtime';
import { inject } from 'vitest';

export interface TestPlatform {
  platform: Platform;
  /** Base URL of the gateway (when it runs) — what clients use. */
  gatewayUrl: string;
  databaseUrl: string;
  stop(): Promise<void>;
}

export async function startTestPlatform(
  options: {
    services?: string[];
    env?: Record<string, string>;
    clock?: Clock;
    /** Where the services log (a test reading the log passes one); else stdout at TEST_LOG_LEVEL. */
    logger?: Logger;
    seed?: boolean;
    /** A streaming replica of the test server: browse reads go to the test database there. */
    readReplicaUrl?: string;
  } = {},
): Promise<TestPlatform> {
  const databaseUrl = await createTestDatabase(inject('databaseAdminUrl'));
  const readUrl = options.readReplicaUrl && new URL(options.readReplicaUrl);
  if (readUrl) readUrl.pathname = new URL(databaseUrl).pathname;
  const dataDir = await mkdtemp(join(tmpdir(), 'ticketing-platform-'));
  const ports = Object.fromEntries(SERVICE_NAMES.map((name) => [`${name.toUpperCase()}_PORT`, '0']));
  const platform = await startPlatform({
    services: options.services,
    clock: options.clock,
    logger: options.logger,
    seed: options.seed ? 'always' : 'never',
    env: {
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ADMIN_USERNAME: 'admin',
      ADMIN_EMAIL: 'admin@example.com',
      ADMIN_PASSWORD: 'admin-password-for-tests-1',
      // In test:full the cache, rate limits and pub/sub run on the real Redis.
      REDIS_URL: inject('redisUrl') ?? '',
      DATABASE_READ_URL: readUrl ? readUrl.toString() : '',
      ...ports,
      MANAGEMENT_PORT: '0',
      ...options.env,
    },
  });
  return {
    platform,
    gatewayUrl: platform.services.has('gateway') ? platform.url('gateway') : '',
    databaseUrl,
    async stop() {
      await platform.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export const TEST_ADMIN = { username: 'admin', password: 'admin-password-for-tests-1' };

/** Every rate limit off: for stories that send many requests from one address on purpose. */
export const RATE_LIMITS_OFF: Record<string, string> = {
  RATE_LIMIT_AUTH: 'off',
  RATE_LIMIT_BROWSE: 'off',
  RATE_LIMIT_DEFAULT: 'off',
  RATE_LIMIT_HOLDS: 'off',
  RATE_LIMIT_ORDERS: 'off',
  RATE_LIMIT_QUEUE_JOIN: 'off',
  RATE_LIMIT_QUEUE_POLL: 'off',
};
