// Environment profiles (NODE_ENV). development and test run with no configuration at all:
// embedded PostgreSQL, generated secrets, in-memory cache and bus, demo data. staging and
// production are deployed: they refuse every one of those development defaults, each with one
// ConfigError naming the variable to set (ADR 0022). Services add their own rules with the
// helpers below (see services/*/src/config.ts).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PlatformConfig } from './config.js';
import { ConfigError } from './config-error.js';

export const ENVIRONMENTS = ['development', 'test', 'staging', 'production'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** staging and production: real infrastructure, real secrets, no demo data. */
export function isDeployed(environment: Environment): environment is 'staging' | 'production' {
  return environment === 'staging' || environment === 'production';
}

/** Throws when a deployed profile runs on a development default: the variable must be set. */
export function requireInDeployment(
  environment: Environment,
  name: string,
  value: unknown,
  why: string,
): void {
  if (!isDeployed(environment)) return;
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0))
    throw new ConfigError(name, `set in ${environment} (${why})`, '');
}

// Words found in the placeholders of example files (ours say CHANGE-ME) and in the defaults
// of tutorials; a real secret is random and contains none of them.
const PLACEHOLDER = /change.?me|replace.?me|placeholder|example|insecure|dev(elopment)?.?only|default|xxxx/i;
const COMMON_PASSWORDS = new Set([
  'admin',
  'changeit',
  'letmein',
  'password',
  'postgres',
  'qwerty',
  'root',
  'secret',
  'test',
  'ticketing',
  '123456',
  '12345678',
]);

/** Why a secret is obviously weak, or undefined when nothing obvious is wrong with it. */
export function weakSecretReason(secret: string): string | undefined {
  if (PLACEHOLDER.test(secret)) return 'a placeholder';
  if (COMMON_PASSWORDS.has(secret.toLowerCase())) return 'a well-known default';
  if (new Set(secret).size < 8) return 'too few different characters';
  return undefined;
}

/** In staging and production, refuses placeholders and well-known defaults; the value is never printed. */
export function refuseWeakSecret(environment: Environment, name: string, secret: string | undefined): void {
  if (!isDeployed(environment) || secret === undefined) return;
  const reason = weakSecretReason(secret);
  if (reason) throw new ConfigError(name, `a random secret in ${environment}, not ${reason}`, '<redacted>');
}

/** The secrets generated under DATA_DIR for development (dev-secrets.ts), when that file exists. */
function readDevelopmentSecrets(dataDir: string): Record<string, unknown> {
  const file = join(dataDir, 'dev-secrets.json');
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function databasePassword(url: string): { user: string; password: string } {
  const parsed = new URL(url);
  return { user: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
}

/**
 * The platform-wide rules of a deployed profile. Each refusal names the one variable to set;
 * development and test are left exactly as they are.
 */
export function checkDeployedPlatformConfig(
  config: PlatformConfig,
  env: Record<string, string | undefined>,
): void {
  const { environment } = config;
  if (!isDeployed(environment)) return;
  const devSecrets = readDevelopmentSecrets(config.dataDir);

  requireInDeployment(
    environment,
    'DATABASE_URL',
    config.databaseUrl,
    'the embedded PostgreSQL is for development',
  );
  const database = databasePassword(config.databaseUrl!);
  if (database.password === '')
    throw new ConfigError(
      'DATABASE_URL',
      `a URL with a password in ${environment} (passwordless access is a development setup)`,
      '<redacted>',
    );
  if (database.password === devSecrets.postgresPassword)
    throw new ConfigError(
      'DATABASE_URL',
      `a URL whose password is not the development one from DATA_DIR/dev-secrets.json in ${environment}`,
      '<redacted>',
    );
  if (database.password === database.user) {
    throw new ConfigError(
      'DATABASE_URL',
      `a URL with a random password in ${environment}, not the user name`,
      '<redacted>',
    );
  }
  refuseWeakSecret(environment, 'DATABASE_URL', database.password);

  requireInDeployment(
    environment,
    'INTERNAL_TOKEN_SECRET',
    config.internalTokenSecret,
    'development secrets are refused',
  );
  if (config.internalTokenSecret === devSecrets.internalTokenSecret)
    throw new ConfigError(
      'INTERNAL_TOKEN_SECRET',
      `a secret other than the development one from DATA_DIR/dev-secrets.json in ${environment}`,
      '<redacted>',
    );
  refuseWeakSecret(environment, 'INTERNAL_TOKEN_SECRET', config.internalTokenSecret);

  // 127.0.0.1 is right on a laptop and silently unreachable in a container: say it explicitly.
  requireInDeployment(
    environment,
    'HOST',
    env.HOST?.trim(),
    '0.0.0.0 in a container, or the address to listen on',
  );
  // One process's memory is not shared: revocations, rate limits and live updates need Redis.
  requireInDeployment(
    environment,
    'REDIS_URL',
    config.redisUrl,
    'the in-memory cache is per process: logouts and rate limits would not reach other instances',
  );
  // The in-process bus delivers only to services in the same process: others would miss events.
  requireInDeployment(
    environment,
    'KAFKA_BROKERS',
    config.kafkaBrokers,
    'the in-process bus reaches only services in the same process',
  );
}
