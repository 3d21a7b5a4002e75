// The embedded mode's bus with concurrent consumers: a slow subscription holds back neither the
// other subscriptions nor its own events of other keys, one key's events keep their order, and
// an outbox row is still marked sent only once every subscription handled it: a failing handler
// leaves it pending and the relay delivers it again (the inbox absorbs the repeat). On a real
// PostgreSQL, each story in a schema of its own.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { InProcessTransport } from '../src/bus/in-process.js';
import { consumeOnce } from '../src/bus/inbox.js';
import { appendToOutbox, type NewEvent, OutboxRelay } from '../src/bus/outbox.js';
import { type DomainEvent, TransportUnavailableError } from '../src/bus/types.js';
import { runMigrations } from '../src/database/migrate.js';
import { createDatabase, type Database } from '../src/database/pool.js';
import { createLogger } from '../src/logger.js';
import { createTestDatabase } from '../src/testing/index.js';

const logger = createLogger('silent');
let db: Database;
let migrations: string;
let schemas = 0;

beforeAll(async () => {
  const url = await createTestDatabase(inject('databaseAdminUrl'), 'in_process_bus');
  db = createDatabase({ url, poolSize: 8, applicationName: 'in-process-bus-test', logger });
  migrations = await mkdtemp(join(tmpdir(), 'ticketing-bus-'));
  await writeFile(
    join(migrations, '0001_effects.sql'),
    'CREATE TABLE {{schema}}.effects (event_id uuid NOT NULL, consumer text NOT NULL, note text);',
  );
});
afterAll(async () => {
  await db.close();
  await rm(migrations, { recursive: true, force: true });
});

async function freshSchema(): Promise<string> {
  const schema = `bus_${++schemas}`;
  await runMigrations(db.pool, { schema, directory: migrations }, logger);
  return schema;
}

let ids = 0;
const event = (key: string, type = 'order-confirmed'): DomainEvent => ({
  id: `0190f0e0-0000-7000-8000-${String(++ids).padStart(12, '0')}`,
  type,
  key,
  occurredAt: new Date().toISOString(),
  source: 'order',
  payload: { orderId: key },
  headers: {},
});

/** A promise the test resolves by hand: a handler that is slow until the test says otherwise. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe('the in-process bus', () => {
  it('a slow subscription does not delay another subscription’s handling of later events', async () => {
    const bus = new InProcessTransport();
    const slow = gate();
    const mailed: string[] = [];
    const counted: string[] = [];
    await bus.subscribe({
      group: 'notification-service',
      topics: ['order-confirmed'],
      handle: async (delivered) => {
        await slow.opened;
        mailed.push(delivered.key);
      },
    });
    await bus.subscribe({
      group: 'event-sales',
      topics: ['order-confirmed'],
      handle: async (delivered) => void counted.push(delivered.key),
    });

    // Two relays' publishes while the mailer is stuck on the first.
    let firstDone = false;
    const first = bus.publish([event('order-1')]).then(() => {
      firstDone = true;
    });
    const second = bus.publish([event('order-2'), event('order-3')]);
    await vi.waitFor(() => expect(counted).toEqual(['order-1', 'order-2', 'order-3']));
    expect(mailed).toEqual([]);
    // Nothing is acknowledged before every subscription has it: the relay keeps the row until then.
    expect(firstDone).toBe(false);

    slow.open();
    await Promise.all([first, second]);
    expect([...mailed].sort()).toEqual(['order-1', 'order-2', 'order-3']);
  });

  it('handles different keys side by side and one key’s events in order', async () => {
    const bus = new InProcessTransport({ concurrency: 4 });
    const firstOfA = gate();
    const handled: string[] = [];
    await bus.subscribe({
      group: 'notification-service',
      topics: ['order-confirmed', 'order-cancelled'],
      handle: async (delivered) => {
        if (delivered.key === 'a' && delivered.type === 'order-confirmed') await firstOfA.opened;
        handled.push(`${delivered.key}:${delivered.type}`);
      },
    });
    const publishing = bus.publish([event('a'), event('b'), event('a', 'order-cancelled'), event('c')]);
    await vi.waitFor(() => expect(handled).toEqual(['b:order-confirmed', 'c:order-confirmed']));
    firstOfA.open();
    await publishing;
    expect(handled).toEqual([
      'b:order-confirmed',
      'c:order-confirmed',
      'a:order-confirmed',
      'a:order-cancelled',
    ]);
  });

  it('a subscription that names a finer order key handles one aggregate’s events side by side', async () => {
    const bus = new InProcessTransport();
    const firstSale = gate();
    const handled: string[] = [];
    await bus.subscribe({
      group: 'notification-service',
      topics: ['ticket-sold'],
      // Sales are keyed by their event; this consumer only needs one order's sales in order.
      orderKey: (sold) => (sold.payload as { orderId: string }).orderId,
      handle: async (sold) => {
        const { orderId } = sold.payload as { orderId: string };
        if (orderId === 'order-1') await firstSale.opened;
        handled.push(orderId);
      },
    });
    const sale = (orderId: string) => ({ ...event('event-1', 'ticket-sold'), payload: { orderId } });
    const publishing = bus.publish([sale('order-1'), sale('order-2')]);
    await vi.waitFor(() => expect(handled).toEqual(['order-2']));
    firstSale.open();
    await publishing;
    expect(handled).toEqual(['order-2', 'order-1']);
  });

  it('a failing handler leaves the event pending; the relay delivers it again and the effects happen once', async () => {
    const schema = await freshSchema();
    const bus = new InProcessTransport();
    // Fails for the batch, and again when the relay retries the batch one event at a time.
    let mailerFailures = 2;
    const effect = (consumer: string) => async (delivered: DomainEvent) => {
      await consumeOnce(db, schema, consumer, delivered, async (tx) => {
        await tx.execute(
          sql`INSERT INTO ${sql.identifier(schema)}.effects (event_id, consumer, note) VALUES (${delivered.id}, ${consumer}, ${delivered.key})`,
        );
      });
    };
    await bus.subscribe({
      group: 'mailer',
      topics: ['order-placed'],
      handle: async (delivered) => {
        if (delivered.key === 'o-2' && mailerFailures-- > 0) throw new Error('database hiccup');
        await effect('mailer')(delivered);
      },
    });
    await bus.subscribe({ group: 'sales', topics: ['order-placed'], handle: effect('sales') });
    const placed = (orderId: string): NewEvent => ({
      type: 'order-placed',
      key: orderId,
      payload: { orderId },
    });
    await db.transaction((tx) => appendToOutbox(tx, schema, [placed('o-1'), placed('o-2'), placed('o-3')]));
    const relay = new OutboxRelay({ db, schema, source: 'order', transport: bus, logger });

    await expect(relay.drain()).rejects.toThrow('database hiccup');
    const pending = await db.pool.query<{ message_key: string; attempts: number }>(
      `SELECT message_key, attempts FROM ${schema}.outbox WHERE published_at IS NULL ORDER BY seq`,
    );
    // Charged to the failed event only; the one behind it waits, to keep the outbox's order.
    expect(pending.rows).toEqual([
      { message_key: 'o-2', attempts: 1 },
      { message_key: 'o-3', attempts: 0 },
    ]);

    expect(await relay.drain()).toBe(2);
    const effects = await db.pool.query<{ consumer: string; note: string }>(
      `SELECT consumer, note FROM ${schema}.effects ORDER BY consumer, note`,
    );
    expect(effects.rows).toEqual([
      { consumer: 'mailer', note: 'o-1' },
      { consumer: 'mailer', note: 'o-2' },
      { consumer: 'mailer', note: 'o-3' },
      { consumer: 'sales', note: 'o-1' },
      { consumer: 'sales', note: 'o-2' },
      { consumer: 'sales', note: 'o-3' },
    ]);
  });

  it('a consumer that cannot reach its database charges the event no attempt: the relay waits and delivers it', async () => {
    const schema = await freshSchema();
    const bus = new InProcessTransport();
    let outages = 1;
    const handled: string[] = [];
    await bus.subscribe({
      group: 'mailer',
      topics: ['order-placed'],
      handle: async (delivered) => {
        if (outages-- > 0) throw new Error('timeout exceeded when trying to connect');
        handled.push(delivered.key);
      },
    });
    await db.transaction((tx) =>
      appendToOutbox(tx, schema, [{ type: 'order-placed', key: 'o-1', payload: { orderId: 'o-1' } }]),
    );
    const relay = new OutboxRelay({ db, schema, source: 'order', transport: bus, logger });
    await expect(relay.drain()).rejects.toBeInstanceOf(TransportUnavailableError);
    const pending = await db.pool.query<{ attempts: number; published_at: Date | null }>(
      `SELECT attempts, published_at FROM ${schema}.outbox`,
    );
    expect(pending.rows).toEqual([{ attempts: 0, published_at: null }]);
    expect(await relay.drain()).toBe(1);
    expect(handled).toEqual(['o-1']);
  });
});
