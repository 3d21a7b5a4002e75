// Helpers for tests that run against a real PostgreSQL server.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import pg from 'pg';

/** Creates an empty database on the server behind adminUrl and returns its URL. */
export async function createTestDatabase(adminUrl: string, prefix = 'test'): Promise<string> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A free TCP port below Linux's ephemeral range (32768+), so that no outgoing connection of a
 * parallel test takes it between this check and the server binding it, nor while a test stops
 * a server and starts it again on the same port.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

export { deployedEnvironment } from './deployed-environment.js';
