// Starts one PostgreSQL server for the whole test run: the embedded one (npm test),
// or the server DATABASE_URL points at (npm run test:full, Debian's PostgreSQL).
// Each test file then creates its own database on it.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
// A relative import: vitest loads this file before its resolve conditions apply, and
// `npm test` must work on a fresh clone where no package has been built.
import { createLogger, startEmbeddedPostgres } from '../../packages/platform/src/index.js';
import { freePort } from '../../packages/platform/src/testing/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of a role allowed to CREATE DATABASE on the test server. */
    databaseAdminUrl: string;
    /** Set in test:full: the Redis server the full suite must use. */
    redisUrl: string | undefined;
  }
}

export default async function setup(project: TestProject) {
  project.provide('redisUrl', process.env.REDIS_URL);
  if (process.env.TEST_FULL === '1' && !process.env.REDIS_URL) throw new Error('test:full needs REDIS_URL');
  if (process.env.DATABASE_URL) {
    project.provide('databaseAdminUrl', process.env.DATABASE_URL);
    return;
  }
  if (process.env.TEST_FULL === '1') throw new Error('test:full needs DATABASE_URL (tools/stack sets it)');
  const dataDir = await mkdtemp(join(tmpdir(), 'ticketing-test-'));
  await chmod(dataDir, 0o755); // as root, PostgreSQL runs as another user that must reach it
  const port = await freePort();
  const server = await startEmbeddedPostgres({
    dataDir,
    port,
    password: 'test-only-password',
    database: 'postgres',
    logger: createLogger('warn'),
  });
  project.provide('databaseAdminUrl', server.url);
  return async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
