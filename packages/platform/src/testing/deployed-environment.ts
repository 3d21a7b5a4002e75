// A complete staging or production configuration for tests of the profile rules: every
// variable a deployed profile requires, with fresh random secrets (none is kept in the repo).
import { randomBytes } from 'node:crypto';

const random = (bytes: number) => randomBytes(bytes).toString('base64url');

/** The variables every service of a deployed profile needs; add a service's own with `overrides`. */
export function deployedEnvironment(
  environment: 'staging' | 'production',
  overrides: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    NODE_ENV: environment,
    HOST: '0.0.0.0',
    DATA_DIR: `/nonexistent/ticketing-${random(6)}`,
    DATABASE_URL: `postgres://ticketing:${random(18)}@db.internal:5432/ticketing`,
    REDIS_URL: 'redis://redis.internal:6379',
    KAFKA_BROKERS: 'kafka-0.internal:9092,kafka-1.internal:9092',
    INTERNAL_TOKEN_SECRET: random(32),
    ...overrides,
  };
}
