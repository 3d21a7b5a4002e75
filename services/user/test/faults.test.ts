// What happens when the database is missing or goes away, and when instances start together.
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, startEmbeddedPostgres } from '@ticketing/platform';
import { createTestDatabase, freePort } from '@ticketing/platform/testing';
import { startPlatform } from '@ticketing/runtime';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { expectProblem, newAccount, register } from './support.js';

const ports = { USER_PORT: '0', GATEWAY_PORT: '0' };
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  // This teardown hung in CI on an outbox relay stopped while it reconnected (fixed in the
  // relay, see outbox.test); a stop that still hangs is reported, naming itself, and skipped.
  for (const cleanup of cleanups.reverse()) {
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((resolve) => {
      timer = setTimeout(() => resolve('hung'), 30_000);
    });
    const outcome = await Promise.race([cleanup().catch(() => undefined), hung]);
    clearTimeout(timer);
    if (outcome === 'hung') console.warn(`faults.test cleanup did not finish in 30 s: ${cleanup.toString()}`);
  }
});

async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), 'ticketing-faults-'));
  await chmod(dir, 0o755);
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('a database that is down at start', () => {
  it('stops the start with one clear line', async () => {
    await expect(
      startPlatform({
        services: ['user'],
        env: {
          DATABASE_URL: 'postgres://postgres@127.0.0.1:1/ticketing',
          DATA_DIR: await tempDir(),
          LOG_LEVEL: 'silent',
          ...ports,
        },
      }),
    ).rejects.toThrowError(/^cannot connect to PostgreSQL at 127\.0\.0\.1:1\/ticketing: /);
  });

  // Spawns node with tsx compiling the sources on the fly: slow on a loaded machine.
  it('makes `ticketing start` exit non-zero after printing that line', { timeout: 120_000 }, async () => {
    const child = spawn(
      process.execPath,
      ['--conditions=@ticketing/source', '--import', 'tsx', 'bin/ticketing.js', 'start', '--service', 'user'],
      {
        env: {
          ...process.env,
          DATABASE_URL: 'postgres://postgres@127.0.0.1:1/ticketing',
          DATA_DIR: await tempDir(),
          LOG_LEVEL: 'silent',
          ...ports,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^ticketing: cannot connect to PostgreSQL at 127\.0\.0\.1:1\/ticketing/);
  });

  it('makes a bad setting stop the start naming the variable', { timeout: 120_000 }, async () => {
    const child = spawn(
      process.execPath,
      ['--conditions=@ticketing/source', '--import', 'tsx', 'bin/ticketing.js', 'start'],
      {
        env: { ...process.env, GATEWAY_PORT: 'eighty' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(1);
    expect(stderr.trim()).toBe(
      'ticketing: Invalid configuration: GATEWAY_PORT must be a TCP port number from 1 to 65535 (or 0 for any free port) (got "eighty")',
    );
  });
});

describe('a database that goes away while running', () => {
  it('answers 503 and reports DOWN, then recovers by itself when it returns', {
    timeout: 120_000,
  }, async () => {
    const dataDir = await tempDir();
    const port = await freePort();
    const options = {
      dataDir,
      port,
      password: 'outage-test',
      database: 'ticketing',
      logger: createLogger('silent'),
    };
    let server = await startEmbeddedPostgres(options);
    cleanups.push(() => server.stop());
    const platform = await startPlatform({
      services: ['user', 'gateway'],
      seed: 'never',
      env: {
        DATABASE_URL: server.url,
        DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
        ADMIN_PASSWORD: 'outage-admin-pass-1',
        ...ports,
      },
    });
    cleanups.push(() => platform.stop());
    const gateway = platform.url('gateway');
    await register(gateway);

    await server.stop();
    const during = await call(gateway, 'POST', '/api/v1/auth/register', { body: newAccount() });
    expectProblem(during, 503, 'database_unavailable');
    const health = await call(platform.url('user'), 'GET', '/actuator/health');
    expect(health.status).toBe(503);
    expect(health.body.components.db.status).toBe('DOWN');
    expect((await call(platform.url('user'), 'GET', '/actuator/health/db')).status).toBe(503);

    server = await startEmbeddedPostgres(options);
    await expect
      .poll(
        async () => (await call(gateway, 'POST', '/api/v1/auth/register', { body: newAccount() })).status,
        { timeout: 15_000, interval: 250 },
      )
      .toBe(201);
    expect((await call(platform.url('user'), 'GET', '/actuator/health')).status).toBe(200);
  });
});

describe('several instances starting at once', () => {
  it('migrate once and create one first admin and one signing key', async () => {
    const databaseUrl = await createTestDatabase(inject('databaseAdminUrl'));
    const env = {
      DATABASE_URL: databaseUrl,
      DATA_DIR: await tempDir(),
      LOG_LEVEL: 'silent',
      USER_PORT: '0',
      ADMIN_PASSWORD: 'same-admin-pass-1',
    };
    const instances = await Promise.all(
      [1, 2, 3].map(() => startPlatform({ services: ['user'], seed: 'never', env })),
    );
    cleanups.push(() => Promise.all(instances.map((instance) => instance.stop())));
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    cleanups.push(() => client.end());
    const admins = await client.query(
      `SELECT count(*)::int AS n FROM users.users WHERE 'ADMIN' = ANY(roles)`,
    );
    const keys = await client.query('SELECT count(*)::int AS n FROM users.signing_keys');
    const migrations = await client.query('SELECT name FROM users.schema_migrations ORDER BY name');
    expect(admins.rows[0].n).toBe(1);
    expect(keys.rows[0].n).toBe(1);
    expect(migrations.rows.map((row) => row.name)).toEqual([
      '0001_init.sql',
      '0002_revoked_access_tokens.sql',
      '0003_access_token_cutoffs_and_login_failures.sql',
      'platform/0001_messaging.sql',
      'platform/0002_outbox_write_order.sql',
    ]);
  });
});

describe('the demo seed', () => {
  it('creates the demo accounts once, even when run again', async () => {
    const databaseUrl = await createTestDatabase(inject('databaseAdminUrl'));
    const env = {
      DATABASE_URL: databaseUrl,
      DATA_DIR: await tempDir(),
      LOG_LEVEL: 'silent',
      ...ports,
      ADMIN_PASSWORD: 'seed-admin-pass-1',
    };
    for (let run = 0; run < 2; run++) {
      const platform = await startPlatform({ services: ['user', 'gateway'], seed: 'always', env });
      const answer = await call(platform.url('gateway'), 'POST', '/api/v1/auth/login', {
        body: { username: 'organizer', password: 'demo-password-2026' },
      });
      expect(answer.status).toBe(200);
      expect(answer.body.user.roles).toContain('ORGANIZER');
      await platform.stop();
    }
  });
});
