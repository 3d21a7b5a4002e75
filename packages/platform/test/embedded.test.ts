// The embedded PostgreSQL of `npm start`: a first start initialises the data directory, a
// later start reuses it, and a pid file left by a killed process does not block the start.
// Each start costs about two seconds, so the stories share two starts.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EmbeddedPostgresServer,
  socketDirectoryFor,
  startEmbeddedPostgres,
} from '../src/database/embedded.js';
import { postgresUserIds } from '../src/database/postgres-user-access.js';
import { freePort } from '../src/testing/index.js';

/** A logger that keeps what it is told, to see which recovery path ran. */
function recordingLogger() {
  const messages: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void messages.push(JSON.parse(line)) });
  return { logger, messages };
}

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

const PASSWORD = 'embedded test password';
let dataDir: string;
let running: EmbeddedPostgresServer | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ticketing-embedded-'));
  await chmod(dataDir, 0o755); // as root, PostgreSQL runs as another user that must reach it
});
afterAll(async () => {
  await running?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('startEmbeddedPostgres', () => {
  it('initialises a fresh directory, creates the database, and guards it while running', async () => {
    const { logger, messages } = recordingLogger();
    const port = await freePort();
    running = await startEmbeddedPostgres({ dataDir, port, password: PASSWORD, database: 'tickets', logger });

    expect(existsSync(join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
    expect(messages.map((message) => message.msg)).toContain(
      'initialising the embedded PostgreSQL data directory',
    );
    // On the machine, the platform talks to its server over the Unix socket in the data directory.
    const socketDir = join(dataDir, 'pg');
    expect(running.url).toBe(
      `postgres://postgres:embedded%20test%20password@127.0.0.1:${port}/tickets?host=${encodeURIComponent(socketDir)}`,
    );
    const [over] = await query<{ address: string | null }>(
      running.url,
      'SELECT inet_server_addr() AS address',
    );
    expect(over!.address).toBeNull(); // no TCP address: a Unix-socket connection
    await query(running.url, `CREATE TABLE venues (name text); INSERT INTO venues VALUES ('Olympia')`);
    const [version] = await query<{ server_version_num: string }>(running.url, 'SHOW server_version_num');
    expect(Number(version!.server_version_num)).toBeGreaterThanOrEqual(180_000);

    // A second process on the same data directory is refused, and the running server is left alone.
    await expect(
      startEmbeddedPostgres({
        dataDir,
        port: await freePort(),
        password: PASSWORD,
        database: 'tickets',
        logger: recordingLogger().logger,
      }),
    ).rejects.toThrow(/is in use by another running process/);
    expect(await query(running.url, 'SELECT name FROM venues')).toEqual([{ name: 'Olympia' }]);

    await running.stop();
    running = undefined;
    expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  });

  it('reuses the data on the next start, clearing a pid file left by a dead process', async () => {
    // What a SIGKILLed start leaves behind: a pid file naming a process that no longer exists.
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
    const pidFile = join(dataDir, 'pg', 'postmaster.pid');
    await writeFile(pidFile, `${deadPid}\n${join(dataDir, 'pg')}\n1700000000\n5432\n\n127.0.0.1\n`);

    const { logger, messages } = recordingLogger();
    running = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      password: PASSWORD,
      database: 'tickets',
      logger,
    });

    const said = messages.map((message) => message.msg);
    expect(said).toContain('removing a stale PostgreSQL pid file');
    expect(said).not.toContain('initialising the embedded PostgreSQL data directory');
    expect(await query(running.url, 'SELECT name FROM venues')).toEqual([{ name: 'Olympia' }]);

    await running.stop();
    running = undefined;
  });
});

describe.runIf(process.getuid?.() === 0)('as root, a private DATA_DIR (mktemp -d)', () => {
  const made: string[] = [];
  afterAll(async () => {
    for (const directory of made) await rm(directory, { recursive: true, force: true });
  });

  it("is given to the server's group to enter, and the server starts", async () => {
    const privateDir = await mkdtemp(join(tmpdir(), 'ticketing-private-'));
    made.push(privateDir);
    expect((await stat(privateDir)).mode & 0o777).toBe(0o700);
    const server = await startEmbeddedPostgres({
      dataDir: privateDir,
      port: await freePort(),
      password: PASSWORD,
      database: 'ticketing',
      logger: recordingLogger().logger,
    });
    try {
      expect(await query(server.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await server.stop();
    }
    const postgres = await postgresUserIds();
    const entered = await stat(privateDir);
    // Only root and the server's group may enter; nobody else gains anything.
    expect({ mode: entered.mode & 0o777, uid: entered.uid, gid: entered.gid }).toEqual({
      mode: 0o710,
      uid: 0,
      gid: postgres.gid,
    });
    expect((await stat(join(privateDir, 'pg'))).uid).toBe(postgres.uid);
  });

  it('stops with one line naming DATA_DIR when a parent directory is in the way', async () => {
    const privateParent = await mkdtemp(join(tmpdir(), 'ticketing-private-parent-'));
    made.push(privateParent);
    const start = startEmbeddedPostgres({
      dataDir: join(privateParent, 'data'),
      port: await freePort(),
      password: PASSWORD,
      database: 'ticketing',
      logger: recordingLogger().logger,
    });
    await expect(start).rejects.toThrow(
      `DATA_DIR must be a directory the embedded PostgreSQL (user postgres) can reach; it cannot enter ${privateParent}: choose a DATA_DIR outside it or run chmod o+x ${privateParent}`,
    );
    // The parent was not the platform's to change.
    expect((await stat(privateParent)).mode & 0o777).toBe(0o700);
  });
});

describe('socketDirectoryFor', () => {
  it('uses the data directory while the socket path fits in a Unix socket address, else none (TCP)', () => {
    expect(socketDirectoryFor('/work/data/pg', 54329)).toBe('/work/data/pg');
    expect(socketDirectoryFor(`/${'d'.repeat(95)}`, 54329)).toBeUndefined();
  });
});
