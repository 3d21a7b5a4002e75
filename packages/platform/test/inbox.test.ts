// Idempotent consumption on a real PostgreSQL: an event's effect happens once per consumer,
// however often and however concurrently it is delivered, and a failed attempt leaves nothing.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { consumeOnce } from '../src/bus/inbox.js';
import type { DomainEvent } from '../src/bus/types.js';
import { newId } from '../src/clock.js';
import { runMigrations } from '../src/database/migrate.js';
import type { Executor } from '../src/database/pool.js';
import { createDatabase, type Database } from '../src/database/pool.js';
import { createLogger } from '../src/logger.js';
import { createTestDatabase } from '../src/testing/index.js';

const logger = createLogger('silent');
const SCHEMA = 'notifications';
let db: Database;
let migrations: string;

beforeAll(async () => {
  const url = await createTestDatabase(inject('databaseAdminUrl'), 'inbox');
  db = createDatabase({ url, poolSize: 12, applicationName: 'inbox-test', logger });
  migrations = await mkdtemp(join(tmpdir(), 'ticketing-inbox-'));
  await writeFile(
    join(migrations, '0001_sent.sql'),
    'CREATE TABLE {{schema}}.sent_emails (event_id uuid NOT NULL, consumer text NOT NULL, recipient text NOT NULL);',
  );
  await runMigrations(db.pool, { schema: SCHEMA, directory: migrations }, logger);
});
afterAll(async () => {
  await db?.close();
  await rm(migrations, { recursive: true, force: true });
});

const userRegistered = (): DomainEvent => ({
  id: newId(),
  type: 'user-registered',
  key: 'user-1',
  occurredAt: new Date().toISOString(),
  source: 'user',
  payload: { email: 'alice@example.com' },
  headers: {},
});

const sendWelcome =
  (event: DomainEvent, consumer = 'welcome-mail') =>
  async (tx: Executor) => {
    await tx.execute(sql`
    INSERT INTO notifications.sent_emails (event_id, consumer, recipient)
    VALUES (${event.id}, ${consumer}, 'alice@example.com')`);
  };

async function sentFor(event: DomainEvent) {
  const { rows } = await db.pool.query<{ consumer: string }>(
    'SELECT consumer FROM notifications.sent_emails WHERE event_id = $1 ORDER BY consumer',
    [event.id],
  );
  return rows.map((row) => row.consumer);
}

async function inboxFor(event: DomainEvent) {
  const { rows } = await db.pool.query<{ consumer: string; topic: string }>(
    'SELECT consumer, topic FROM notifications.inbox WHERE event_id = $1 ORDER BY consumer',
    [event.id],
  );
  return rows;
}

describe('consumeOnce', () => {
  it('applies an event once, and reports a redelivery as already processed', async () => {
    const event = userRegistered();
    expect(await consumeOnce(db, SCHEMA, 'welcome-mail', event, sendWelcome(event))).toBe(true);
    expect(await consumeOnce(db, SCHEMA, 'welcome-mail', event, sendWelcome(event))).toBe(false);
    expect(await consumeOnce(db, SCHEMA, 'welcome-mail', event, sendWelcome(event))).toBe(false);
    expect(await sentFor(event)).toEqual(['welcome-mail']);
    expect(await inboxFor(event)).toEqual([{ consumer: 'welcome-mail', topic: 'user-registered' }]);
  });

  it('keeps consumers apart: each applies the same event once', async () => {
    const event = userRegistered();
    expect(await consumeOnce(db, SCHEMA, 'welcome-mail', event, sendWelcome(event, 'welcome-mail'))).toBe(
      true,
    );
    expect(await consumeOnce(db, SCHEMA, 'crm-sync', event, sendWelcome(event, 'crm-sync'))).toBe(true);
    expect(await consumeOnce(db, SCHEMA, 'crm-sync', event, sendWelcome(event, 'crm-sync'))).toBe(false);
    expect(await sentFor(event)).toEqual(['crm-sync', 'welcome-mail']);
  });

  it('leaves nothing behind when the handler fails, so the redelivery does the work', async () => {
    const event = userRegistered();
    const failing = async (tx: Executor) => {
      await sendWelcome(event)(tx); // written, then undone with the failure
      throw new Error('template engine crashed');
    };
    await expect(consumeOnce(db, SCHEMA, 'welcome-mail', event, failing)).rejects.toThrow(
      'template engine crashed',
    );
    expect(await sentFor(event)).toEqual([]);
    expect(await inboxFor(event)).toEqual([]);

    expect(await consumeOnce(db, SCHEMA, 'welcome-mail', event, sendWelcome(event))).toBe(true);
    expect(await sentFor(event)).toEqual(['welcome-mail']);
  });

  it('applies an event delivered ten times at once exactly once', async () => {
    const event = userRegistered();
    let handled = 0;
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () =>
        consumeOnce(db, SCHEMA, 'welcome-mail', event, async (tx) => {
          handled++;
          // Hold the transaction open so the other deliveries really overlap with it.
          await tx.execute(sql`SELECT pg_sleep(0.05)`);
          await sendWelcome(event)(tx);
        }),
      ),
    );
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect(handled).toBe(1);
    expect(await sentFor(event)).toEqual(['welcome-mail']);
  });
});
