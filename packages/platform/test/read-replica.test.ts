// Read routing on a real PostgreSQL server: browse reads go to the read URL while it answers,
// is current enough and has replayed what the caller must see; otherwise — unreachable, a
// failed query, a position it has not reached — they are answered from the primary.
// (A real streaming replica, lag and a stopped standby are in services/event/test/read-replica.test.ts,
// under test:full.)
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ConfigError } from '../src/config.js';
import { createDatabase, type Database } from '../src/database/pool.js';
import { compareWalPositions, readReplicaSettings } from '../src/database/read-replica.js';
import { createLogger } from '../src/logger.js';
import { createTestDatabase, freePort } from '../src/testing/index.js';

const logger = createLogger('silent');
let databaseUrl: string;
const databases: Database[] = [];

function open(readUrl: string | undefined): Database {
  const db = createDatabase({
    url: databaseUrl,
    poolSize: 2,
    applicationName: 'read-replica-test',
    logger,
    readReplica: { url: readUrl, maxLagMs: 5_000, checkIntervalMs: 50 },
  });
  databases.push(db);
  return db;
}

/** Which server answered: the port it listens on. */
const serverPort = async (orm: Database['orm']) => {
  const { rows } = await orm.execute<{ port: string }>(sql`SELECT current_setting('port') AS port`);
  return rows[0]!.port;
};

beforeAll(async () => {
  databaseUrl = await createTestDatabase(inject('databaseAdminUrl'), 'reads');
});
afterAll(async () => {
  await Promise.all(databases.map((db) => db.close()));
});

describe('without a read URL', () => {
  it('answers every read from the primary and needs no WAL position', async () => {
    const db = open(undefined);
    await db.reads.read((orm) => serverPort(orm));
    expect(db.reads.status()).toMatchObject({ configured: false, reads: { replica: 0, primary: 1 } });
    expect(await db.reads.position()).toBe('0/0');
  });
});

describe('with a read URL', () => {
  it('reads there once it answers, and from the primary for a position it has not reached', async () => {
    // The same server under a second pool stands for a replica that is always current.
    const db = open(databaseUrl);
    const position = await db.reads.position();
    expect(position).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    await db.reads.read((orm) => serverPort(orm), position);
    expect(db.reads.status()).toMatchObject({ configured: true, up: true, lagMs: 0, reads: { replica: 1 } });
    expect(compareWalPositions(db.reads.status().replayedTo!, position)).toBeGreaterThanOrEqual(0);

    await db.reads.read((orm) => serverPort(orm), 'FFFFFFFF/FFFFFFFF');
    expect(db.reads.status().reads).toEqual({ replica: 1, primary: 1 });
  });

  it('falls back to the primary when the replica cannot be reached', async () => {
    const nowhere = new URL(databaseUrl);
    nowhere.port = String(await freePort());
    const db = open(nowhere.toString());
    const port = await db.reads.read((orm) => serverPort(orm));
    expect(port).toBe(new URL(databaseUrl).port || '5432');
    expect(db.reads.status()).toMatchObject({ up: false, reads: { replica: 0, primary: 1 } });
  });

  it('answers from the primary when the query on the replica fails', async () => {
    const db = open(databaseUrl);
    let calls = 0;
    const answer = await db.reads.read(async (orm) => {
      calls++;
      if (calls === 1) await orm.execute(sql`SELECT 1 / 0`);
      return 'from the second try';
    });
    expect(answer).toBe('from the second try');
    expect(db.reads.status().reads).toEqual({ replica: 0, primary: 1 });
  });
});

describe('settings', () => {
  it('needs DATABASE_URL beside DATABASE_READ_URL and a postgres URL', () => {
    expect(() => readReplicaSettings({ DATABASE_READ_URL: 'postgres://replica/db' })).toThrow(ConfigError);
    expect(() =>
      readReplicaSettings({ DATABASE_URL: 'postgres://primary/db', DATABASE_READ_URL: 'http://replica' }),
    ).toThrow(/DATABASE_READ_URL/);
    expect(() =>
      readReplicaSettings({ DATABASE_URL: 'postgres://p/db', DATABASE_READ_MAX_LAG_MS: 'soon' }),
    ).toThrow(/DATABASE_READ_MAX_LAG_MS/);
    expect(
      readReplicaSettings({ DATABASE_URL: 'postgres://p/db', DATABASE_READ_URL: 'postgres://r/db' }),
    ).toEqual({ url: 'postgres://r/db', maxLagMs: 5_000, checkIntervalMs: 1_000 });
  });

  it('orders WAL positions numerically, not as text', () => {
    expect(compareWalPositions('0/A0000000', '0/9FFFFFFF')).toBe(1);
    expect(compareWalPositions('1/0', '0/FFFFFFFF')).toBe(1);
    expect(compareWalPositions('16/B374D848', '16/B374D848')).toBe(0);
    expect(compareWalPositions('0/0', 'FFFFFFFF/FFFFFFFF')).toBe(-1);
  });
});
