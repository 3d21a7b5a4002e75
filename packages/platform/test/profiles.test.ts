// Environment profiles: development and test need no configuration; staging and production
// refuse every development default and secret, each with one error naming the variable.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { loadDevSecrets } from '../src/dev-secrets.js';
import { isDeployed, weakSecretReason } from '../src/profiles.js';
import { deployedEnvironment } from '../src/testing/deployed-environment.js';

/** The variable a refused configuration names (and fails the test when nothing is refused). */
function refusedVariable(env: Record<string, string | undefined>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).variable;
  }
  throw new Error('the configuration was accepted');
}

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'profiles-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('development and test profiles', () => {
  it('start with no configuration at all, on the embedded database and in-memory adapters', () => {
    for (const env of [{}, { NODE_ENV: 'development' }, { NODE_ENV: 'test' }]) {
      const config = loadConfig(env);
      expect(config.databaseUrl).toBeUndefined();
      expect(config.internalTokenSecret).toBeUndefined();
      expect(config.host).toBe('127.0.0.1');
      expect(isDeployed(config.environment)).toBe(false);
    }
  });

  it('refuse an unknown profile by name', () => {
    expect(refusedVariable({ NODE_ENV: 'prod' })).toBe('NODE_ENV');
    expect(() => loadConfig({ NODE_ENV: 'prod' })).toThrowError(
      'NODE_ENV must be one of development, test, staging, production',
    );
  });
});

describe.each(['staging', 'production'] as const)('the %s profile', (environment) => {
  it('starts with real infrastructure and secrets, logging at info', () => {
    const config = loadConfig(deployedEnvironment(environment));
    expect(config.environment).toBe(environment);
    expect(config.host).toBe('0.0.0.0');
    expect(config.logLevel).toBe('info');
    expect(isDeployed(config.environment)).toBe(true);
  });

  it.each([
    ['DATABASE_URL', 'the embedded PostgreSQL is for development'],
    ['INTERNAL_TOKEN_SECRET', 'development secrets are refused'],
    ['HOST', '0.0.0.0 in a container'],
    ['REDIS_URL', 'the in-memory cache is per process'],
    ['KAFKA_BROKERS', 'the in-process bus reaches only services in the same process'],
  ])('refuses to start without %s, naming it', (variable, why) => {
    const env = deployedEnvironment(environment, { [variable]: undefined });
    expect(refusedVariable(env)).toBe(variable);
    expect(() => loadConfig(env)).toThrowError(`${variable} must be set in ${environment} (${why}`);
  });

  it('refuses a database without a password, with a well-known one, or with the user name as password', () => {
    for (const url of [
      'postgres://ticketing@db:5432/ticketing',
      'postgres://postgres:postgres@db:5432/ticketing',
      'postgres://ticketing:ticketing@db:5432/ticketing',
      'postgres://app:app@db:5432/ticketing',
      'postgres://ticketing:CHANGE-ME-database-password@db:5432/ticketing',
      'postgres://ticketing:aaaaaaaaaaaa@db:5432/ticketing',
    ]) {
      const env = deployedEnvironment(environment, { DATABASE_URL: url });
      expect(refusedVariable(env), url).toBe('DATABASE_URL');
      expect(() => loadConfig(env)).toThrowError('(got "<redacted>")');
    }
  });

  it('refuses the development secrets generated under DATA_DIR, even when copied over', async () => {
    const secrets = await loadDevSecrets(dataDir);
    const copiedDatabase = deployedEnvironment(environment, {
      DATA_DIR: dataDir,
      DATABASE_URL: `postgres://postgres:${encodeURIComponent(secrets.postgresPassword)}@db:5432/ticketing`,
    });
    expect(refusedVariable(copiedDatabase)).toBe('DATABASE_URL');
    expect(() => loadConfig(copiedDatabase)).toThrowError(/development one from DATA_DIR\/dev-secrets.json/);
    const copiedToken = deployedEnvironment(environment, {
      DATA_DIR: dataDir,
      INTERNAL_TOKEN_SECRET: secrets.internalTokenSecret,
    });
    expect(refusedVariable(copiedToken)).toBe('INTERNAL_TOKEN_SECRET');
    // The same directory with real secrets is fine.
    expect(loadConfig(deployedEnvironment(environment, { DATA_DIR: dataDir })).environment).toBe(environment);
  });

  it('refuses placeholder secrets such as the ones in the deploy examples, without printing them', () => {
    const placeholder = 'CHANGE-ME-to-32-random-characters-at-least';
    const env = deployedEnvironment(environment, { INTERNAL_TOKEN_SECRET: placeholder });
    expect(refusedVariable(env)).toBe('INTERNAL_TOKEN_SECRET');
    expect(() => loadConfig(env)).toThrowError(
      `INTERNAL_TOKEN_SECRET must be a random secret in ${environment}, not a placeholder (got "<redacted>")`,
    );
  });
});

describe('weak secrets', () => {
  it('are placeholders, well-known defaults or strings of few characters; random ones pass', () => {
    expect(weakSecretReason('changeme')).toBe('a placeholder');
    expect(weakSecretReason('replace-me-please-0123456789')).toBe('a placeholder');
    expect(weakSecretReason('Postgres')).toBe('a well-known default');
    expect(weakSecretReason('abababababababababababababababab')).toBe('too few different characters');
    expect(weakSecretReason('Gq3v9LkP0zXw2R7t')).toBeUndefined();
  });
});
