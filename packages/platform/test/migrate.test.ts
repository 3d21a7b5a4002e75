// Migrations on a real PostgreSQL: applied once, in order, under an advisory lock; an edited
// or failing migration stops the start and leaves nothing half-applied.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MigrationError, runMigrations } from '../src/database/migrate.js';
import { createDatabase, type Database } from '../src/database/pool.js';
import { createLogger } from '../src/logger.js';
import { createTestDatabase } from '../src/testing/index.js';

const logger = createLogger('silent');
/** The platform's own migrations (outbox and inbox), applied first in every schema. */
const PLATFORM = ['platform/0001_messaging.sql', 'platform/0002_outbox_write_order.sql'];
let databaseUrl: string;
let db: Database;
const cleanup: (() => Promise<unknown>)[] = [];

const openDatabase = (applicationName = 'migrate-test') => {
  const database = createDatabase({ url: databaseUrl, poolSize: 2, applicationName, logger });
  cleanup.push(() => database.close());
  return database;
};

async function migrationsDir(files: Record<string, string>): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'ticketing-migrations-'));
  cleanup.push(() => rm(directory, { recursive: true, force: true }));
  for (const [name, sql] of Object.entries(files)) await writeFile(join(directory, name), sql);
  return directory;
}

async function tablesIn(schema: string): Promise<string[]> {
  const { rows } = await db.pool.query<{ table_name: string }>(
    'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
    [schema],
  );
  return rows.map((row) => row.table_name);
}

async function appliedIn(schema: string): Promise<string[]> {
  const { rows } = await db.pool.query<{ name: string }>(
    `SELECT name FROM ${schema}.schema_migrations ORDER BY name`,
  );
  return rows.map((row) => row.name);
}

const ORDERS = {
  '0001_orders.sql': 'CREATE TABLE {{schema}}.orders (id uuid PRIMARY KEY, total integer NOT NULL);',
  '0002_order_currency.sql': `ALTER TABLE {{schema}}.orders ADD COLUMN currency text NOT NULL DEFAULT 'EUR';`,
  'README.md': 'not a migration',
  'draft.sql': 'SELECT this is not a numbered migration and is never run;',
};

beforeAll(async () => {
  databaseUrl = await createTestDatabase(inject('databaseAdminUrl'), 'migrate');
  db = openDatabase();
});
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

describe('runMigrations', () => {
  it('applies the messaging migration and the service files once, in order', async () => {
    const directory = await migrationsDir(ORDERS);
    const first = await runMigrations(db.pool, { schema: 'orders_a', directory }, logger);
    expect(first).toEqual([...PLATFORM, '0001_orders.sql', '0002_order_currency.sql']);
    expect(await tablesIn('orders_a')).toEqual(['inbox', 'orders', 'outbox', 'schema_migrations']);
    const { rows } = await db.pool.query(
      `INSERT INTO orders_a.orders (id, total) VALUES (gen_random_uuid(), 1000) RETURNING currency`,
    );
    expect(rows[0].currency).toBe('EUR');

    const second = await runMigrations(db.pool, { schema: 'orders_a', directory }, logger);
    expect(second).toEqual([]);
    expect(await appliedIn('orders_a')).toEqual(['0001_orders.sql', '0002_order_currency.sql', ...PLATFORM]);
  });

  it('applies a migration added later, and only that one', async () => {
    const directory = await migrationsDir(ORDERS);
    await runMigrations(db.pool, { schema: 'orders_b', directory }, logger);
    await writeFile(
      join(directory, '0003_order_note.sql'),
      'ALTER TABLE {{schema}}.orders ADD COLUMN note text;',
    );
    expect(await runMigrations(db.pool, { schema: 'orders_b', directory }, logger)).toEqual([
      '0003_order_note.sql',
    ]);
  });

  it('lets five instances start at once: each file is applied exactly once', async () => {
    const directory = await migrationsDir(ORDERS);
    const instances = Array.from({ length: 5 }, (_, index) => openDatabase(`instance-${index}`));
    const results = await Promise.all(
      instances.map((instance) => runMigrations(instance.pool, { schema: 'orders_race', directory }, logger)),
    );
    expect(results.flat().sort()).toEqual(['0001_orders.sql', '0002_order_currency.sql', ...PLATFORM]);
    // One instance did all the work; the others waited for the lock and found nothing to do.
    expect(results.filter((applied) => applied.length > 0)).toHaveLength(1);
    expect(await appliedIn('orders_race')).toEqual([
      '0001_orders.sql',
      '0002_order_currency.sql',
      ...PLATFORM,
    ]);
  });

  it('refuses to start when an applied migration was edited', async () => {
    const directory = await migrationsDir(ORDERS);
    await runMigrations(db.pool, { schema: 'orders_edit', directory }, logger);
    await writeFile(
      join(directory, '0001_orders.sql'),
      'CREATE TABLE {{schema}}.orders (id uuid PRIMARY KEY, total bigint NOT NULL);',
    );
    const run = runMigrations(db.pool, { schema: 'orders_edit', directory }, logger);
    await expect(run).rejects.toBeInstanceOf(MigrationError);
    await expect(run).rejects.toThrow(
      'migration orders_edit/0001_orders.sql was changed after it was applied; add a new migration instead',
    );
  });

  it('rolls a failing migration back entirely and stops before the next one', async () => {
    const directory = await migrationsDir({
      '0001_orders.sql': ORDERS['0001_orders.sql'],
      '0002_refunds.sql': `
        CREATE TABLE {{schema}}.refunds (id uuid PRIMARY KEY);
        INSERT INTO {{schema}}.refunds (id) VALUES ('not-a-uuid');`,
      '0003_payouts.sql': 'CREATE TABLE {{schema}}.payouts (id uuid PRIMARY KEY);',
    });
    const run = runMigrations(db.pool, { schema: 'orders_fail', directory }, logger);
    await expect(run).rejects.toBeInstanceOf(MigrationError);
    await expect(run).rejects.toThrow(
      /^migration orders_fail\/0002_refunds\.sql failed: invalid input syntax/,
    );
    expect(await tablesIn('orders_fail')).toEqual(['inbox', 'orders', 'outbox', 'schema_migrations']);
    expect(await appliedIn('orders_fail')).toEqual(['0001_orders.sql', ...PLATFORM]);

    // The lock was released and the connection is clean: once fixed, the start goes on from 0002.
    await writeFile(
      join(directory, '0002_refunds.sql'),
      'CREATE TABLE {{schema}}.refunds (id uuid PRIMARY KEY);',
    );
    const resumed = runMigrations(db.pool, { schema: 'orders_fail', directory }, logger);
    await expect(resumed).resolves.toEqual(['0002_refunds.sql', '0003_payouts.sql']);
  });

  it('keeps the cause of a failure for the operator', async () => {
    const directory = await migrationsDir({
      '0001_broken.sql': 'CREATE TABLE {{schema}}.x (id nosuchtype);',
    });
    const error = await runMigrations(db.pool, { schema: 'orders_cause', directory }, logger).catch((e) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).cause).toMatchObject({ code: '42704' }); // undefined_object
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    const directory = await migrationsDir(ORDERS);
    await expect(
      runMigrations(db.pool, { schema: 'orders; DROP SCHEMA public', directory }, logger),
    ).rejects.toThrow(MigrationError);
    await expect(runMigrations(db.pool, { schema: 'Orders', directory }, logger)).rejects.toThrow(
      'invalid schema name Orders',
    );
  });
});
