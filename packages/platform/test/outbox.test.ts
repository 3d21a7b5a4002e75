// The transactional outbox on a real PostgreSQL: what a transaction commits leaves through
// the relay, in order, at least once; what it rolls back never leaves; a failing consumer is
// retried, then parked without holding the others back; relays share an outbox safely.
// Each story gets its own schema, so their outboxes never mix.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { InProcessTransport } from '../src/bus/in-process.js';
import { consumeOnce } from '../src/bus/inbox.js';
import { appendToOutbox, type NewEvent, OutboxRelay, type OutboxRelayOptions } from '../src/bus/outbox.js';
import { type DomainEvent, type EventTransport, TransportUnavailableError } from '../src/bus/types.js';
import { runMigrations } from '../src/database/migrate.js';
import { createDatabase, type Database } from '../src/database/pool.js';
import { createLogger } from '../src/logger.js';
import { createTestDatabase } from '../src/testing/index.js';

const logger = createLogger('silent');
let databaseUrl: string;
let db: Database;
let migrations: string;
const databases: Database[] = [];
const relays: OutboxRelay[] = [];
let schemas = 0;

beforeAll(async () => {
  databaseUrl = await createTestDatabase(inject('databaseAdminUrl'), 'outbox');
  db = openDatabase('outbox-test');
  migrations = await mkdtemp(join(tmpdir(), 'ticketing-outbox-'));
  await writeFile(
    join(migrations, '0001_effects.sql'),
    'CREATE TABLE {{schema}}.effects (event_id uuid NOT NULL, consumer text NOT NULL, note text);',
  );
});
afterEach(async () => {
  await Promise.all(relays.splice(0).map((relay) => relay.stop()));
});
afterAll(async () => {
  await Promise.all(databases.map((database) => database.close()));
  await rm(migrations, { recursive: true, force: true });
});

function openDatabase(applicationName: string): Database {
  const database = createDatabase({ url: databaseUrl, poolSize: 5, applicationName, logger });
  databases.push(database);
  return database;
}

/** A service schema of its own, with the outbox, the inbox and an `effects` table. */
async function freshSchema(): Promise<string> {
  const schema = `shop_${++schemas}`;
  await runMigrations(db.pool, { schema, directory: migrations }, logger);
  return schema;
}

function relayFor(schema: string, transport: EventTransport, options: Partial<OutboxRelayOptions> = {}) {
  const relay = new OutboxRelay({ db, schema, source: 'order', transport, logger, ...options });
  relays.push(relay);
  return relay;
}

const append = (schema: string, events: NewEvent[]) =>
  db.transaction((tx) => appendToOutbox(tx, schema, events));
const orderPlaced = (orderId: string, extra: Record<string, unknown> = {}): NewEvent => ({
  type: 'order-placed',
  key: orderId,
  payload: { orderId, ...extra },
});

async function outboxRows(schema: string) {
  const { rows } = await db.pool.query<{
    id: string;
    published_at: Date | null;
    dead_at: Date | null;
    attempts: number;
    last_error: string | null;
  }>(`SELECT id, published_at, dead_at, attempts, last_error FROM ${schema}.outbox ORDER BY seq`);
  return rows;
}

async function effects(schema: string) {
  const { rows } = await db.pool.query<{ event_id: string; consumer: string; note: string }>(
    `SELECT event_id, consumer, note FROM ${schema}.effects ORDER BY event_id, consumer`,
  );
  return rows;
}

/**
 * The in-process bus behind a switch that takes it down like a stopped broker: publish and
 * check fail with `failure` while it is down (a TransportUnavailableError, or a plain error
 * an adapter did not classify, which check() then exposes).
 */
function switchableTransport(inner: InProcessTransport) {
  const state = { down: false, failure: new Error('connect ECONNREFUSED') as Error, publishCalls: 0 };
  const transport: EventTransport = {
    kind: 'switchable',
    async publish(events) {
      state.publishCalls++;
      if (state.down) throw state.failure;
      await inner.publish(events);
    },
    subscribe: (subscription) => inner.subscribe(subscription),
    async check() {
      if (state.down) throw state.failure;
    },
    close: () => inner.close(),
  };
  return { transport, state };
}

/** A consumer that records what it was handed. */
function recorder() {
  const events: DomainEvent[] = [];
  return { events, handle: async (event: DomainEvent) => void events.push(event) };
}

describe('the outbox relay', () => {
  it('never publishes an event whose transaction rolled back', async () => {
    const schema = await freshSchema();
    const transport = new InProcessTransport();
    const mailer = recorder();
    await transport.subscribe({ group: 'mailer', topics: ['order-placed'], handle: mailer.handle });

    await expect(
      db.transaction(async (tx) => {
        await appendToOutbox(tx, schema, [orderPlaced('order-declined')]);
        throw new Error('payment declined');
      }),
    ).rejects.toThrow('payment declined');
    await append(schema, [orderPlaced('order-paid')]);

    expect(await relayFor(schema, transport).drain()).toBe(1);
    expect(mailer.events.map((event) => event.key)).toEqual(['order-paid']);
    expect(await outboxRows(schema)).toHaveLength(1);
  });

  it('delivers committed events once, in id order, and marks them published', async () => {
    const schema = await freshSchema();
    const transport = new InProcessTransport();
    const mailer = recorder();
    await transport.subscribe({
      group: 'mailer',
      topics: ['order-placed', 'order-cancelled'],
      handle: mailer.handle,
    });

    const ids = [
      ...(await append(schema, [
        orderPlaced('o-1', { total: 1000 }),
        orderPlaced('o-2'),
        orderPlaced('o-3'),
      ])),
      ...(await append(schema, [
        { type: 'order-cancelled', key: 'o-1', payload: {}, headers: { traceparent: 't-1' } },
      ])),
      ...(await append(schema, [orderPlaced('o-4')])),
    ];
    const relay = relayFor(schema, transport, { batchSize: 2 }); // several batches

    expect(await relay.drain()).toBe(5);
    expect(mailer.events.map((event) => event.id)).toEqual(ids);
    expect([...ids].sort()).toEqual(ids); // UUIDv7: id order is append order
    expect(mailer.events[0]).toEqual({
      id: ids[0],
      type: 'order-placed',
      key: 'o-1',
      source: 'order',
      payload: { orderId: 'o-1', total: 1000 },
      headers: {},
      occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(mailer.events[3]).toMatchObject({ type: 'order-cancelled', headers: { traceparent: 't-1' } });

    expect(await relay.drain()).toBe(0);
    expect(mailer.events).toHaveLength(5);
    for (const row of await outboxRows(schema)) {
      expect(row.published_at).toBeInstanceOf(Date);
      expect(row.attempts).toBe(0);
    }
  });

  it('redelivers after a failing handler, and consumeOnce keeps the effect single', async () => {
    const schema = await freshSchema();
    const transport = new InProcessTransport();
    const outcomes: boolean[] = [];
    await transport.subscribe({
      group: 'billing',
      topics: ['order-placed'],
      handle: async (event) => {
        // The effect commits, then the handler fails afterwards (say, acking a downstream call).
        outcomes.push(
          await consumeOnce(db, schema, 'billing', event, async (tx) => {
            await tx.execute(
              sql`INSERT INTO ${sql.identifier(schema)}.effects (event_id, consumer, note) VALUES (${event.id}, 'billing', 'invoice')`,
            );
          }),
        );
        if (outcomes.length <= 2) throw new Error(`downstream hiccup ${outcomes.length}`);
      },
    });
    const [id] = await append(schema, [orderPlaced('o-1')]);
    const relay = relayFor(schema, transport);

    await expect(relay.drain()).rejects.toThrow('downstream hiccup 1');
    await expect(relay.drain()).rejects.toThrow('downstream hiccup 2');
    expect(await outboxRows(schema)).toEqual([
      expect.objectContaining({
        id,
        published_at: null,
        dead_at: null,
        attempts: 2,
        last_error: 'downstream hiccup 2',
      }),
    ]);
    expect(await relay.drain()).toBe(1);

    expect(outcomes).toEqual([true, false, false]);
    expect(await effects(schema)).toEqual([{ event_id: id, consumer: 'billing', note: 'invoice' }]);
    const [row] = await outboxRows(schema);
    expect(row).toMatchObject({ attempts: 2, dead_at: null });
    expect(row!.published_at).toBeInstanceOf(Date);
  });

  it('parks an event after maxAttempts failures, and the events around it still flow', async () => {
    const schema = await freshSchema();
    const transport = new InProcessTransport();
    const delivered: string[] = [];
    await transport.subscribe({
      group: 'mailer',
      topics: ['order-placed'],
      handle: async (event) => {
        if ((event.payload as { poison?: boolean }).poison) throw new Error('template missing');
        await consumeOnce(db, schema, 'mailer', event, async () => {
          delivered.push(event.key);
        });
      },
    });
    const [before, poison, after] = await append(schema, [
      orderPlaced('before'),
      orderPlaced('poison', { poison: true }),
      orderPlaced('after'),
    ]);
    const [nextTransaction] = await append(schema, [orderPlaced('next-transaction')]);
    const relay = relayFor(schema, transport, { maxAttempts: 3 });

    for (let attempt = 1; attempt <= 3; attempt++)
      await expect(relay.drain()).rejects.toThrow('template missing');
    // Parked: the relay no longer tries it, so draining succeeds and everything behind it leaves.
    expect(await relay.drain()).toBe(2); // 'after' and 'next-transaction'

    const rows = new Map((await outboxRows(schema)).map((row) => [row.id, row]));
    expect(rows.get(poison!)).toMatchObject({
      attempts: 3,
      published_at: null,
      last_error: 'template missing',
    });
    expect(rows.get(poison!)!.dead_at).toBeInstanceOf(Date);
    for (const id of [before!, after!, nextTransaction!]) {
      expect(rows.get(id)).toMatchObject({ dead_at: null, attempts: 0 });
      expect(rows.get(id)!.published_at).toBeInstanceOf(Date);
    }
    // Different keys: the bus handles them side by side, in no particular order.
    expect([...delivered].sort()).toEqual(['after', 'before', 'next-transaction']);

    await append(schema, [orderPlaced('later')]);
    expect(await relay.drain()).toBe(1);
    expect(delivered.at(-1)).toBe('later');
  });

  it('retries on its own once started, until the consumer recovers', async () => {
    const schema = await freshSchema();
    const transport = new InProcessTransport();
    let calls = 0;
    const mailer = recorder();
    await transport.subscribe({
      group: 'mailer',
      topics: ['order-placed'],
      handle: async (event) => {
        if (++calls === 1) throw new Error('smtp down');
        await mailer.handle(event);
      },
    });
    await append(schema, [orderPlaced('o-1')]);
    await relayFor(schema, transport, { pollIntervalMs: 50 }).start();
    await vi.waitFor(() => expect(mailer.events.map((event) => event.key)).toEqual(['o-1']), {
      timeout: 5_000,
    });
    expect((await outboxRows(schema))[0]).toMatchObject({ attempts: 1, last_error: 'smtp down' });
  });

  it.each([
    ['says it is unavailable', new TransportUnavailableError('broker unreachable')],
    ['fails its check', new Error('connect ECONNREFUSED 127.0.0.1:9092')],
  ])(
    'charges no attempt while the transport %s: the outbox grows, then drains in order',
    async (_, failure) => {
      const schema = await freshSchema();
      const inner = new InProcessTransport();
      const mailer = recorder();
      await inner.subscribe({ group: 'mailer', topics: ['order-placed'], handle: mailer.handle });
      const { transport, state } = switchableTransport(inner);
      state.down = true;
      state.failure = failure;
      const relay = relayFor(schema, transport, {
        pollIntervalMs: 20,
        maxAttempts: 2,
        outageRetryMs: 10,
        maxOutageRetryMs: 40,
      });
      const ids = await append(schema, [orderPlaced('o-0')]);
      await expect(relay.drain()).rejects.toBeInstanceOf(TransportUnavailableError);
      await relay.start();
      for (let index = 1; index < 5; index++)
        ids.push(...(await append(schema, [orderPlaced(`o-${index}`)])));
      // Many more retries than maxAttempts, each against a transport that is down.
      await vi.waitFor(() => expect(state.publishCalls).toBeGreaterThan(6), { timeout: 5_000, interval: 20 });
      const pending = await outboxRows(schema);
      expect(pending).toHaveLength(5);
      for (const row of pending)
        expect(row).toMatchObject({ attempts: 0, dead_at: null, published_at: null });

      state.down = false;
      await vi.waitFor(() => expect(mailer.events.map((event) => event.id)).toEqual(ids), {
        timeout: 5_000,
        interval: 20,
      });
      await vi.waitFor(async () => {
        for (const row of await outboxRows(schema)) expect(row.published_at).toBeInstanceOf(Date);
      });
    },
  );

  it('backs off while the transport is down instead of retrying on every commit', async () => {
    const schema = await freshSchema();
    const { transport, state } = switchableTransport(new InProcessTransport());
    state.down = true;
    // A backoff long enough that twenty commits fit in it on a loaded machine too.
    const relay = relayFor(schema, transport, {
      pollIntervalMs: 10,
      outageRetryMs: 5_000,
      maxOutageRetryMs: 5_000,
    });
    await append(schema, [orderPlaced('first')]);
    await relay.start();
    await vi.waitFor(() => expect(state.publishCalls).toBe(1));
    // Twenty commits (each a NOTIFY) and many poll periods within one backoff period.
    for (let index = 0; index < 20; index++) await append(schema, [orderPlaced(`o-${index}`)]);
    expect(state.publishCalls).toBeLessThanOrEqual(2);
  });

  it('wakes on NOTIFY when a transaction commits, without waiting for the poll', async () => {
    const schema = await freshSchema();
    const transport = new InProcessTransport();
    const mailer = recorder();
    await transport.subscribe({ group: 'mailer', topics: ['order-placed'], handle: mailer.handle });
    await relayFor(schema, transport, { pollIntervalMs: 60_000 }).start();
    await vi.waitFor(async () => {
      // The start-up drain is over once the LISTEN connection is checked out and idle again.
      expect(db.pool.totalCount - db.pool.idleCount).toBe(1);
    });

    const [id] = await append(schema, [orderPlaced('o-1')]);
    await vi.waitFor(() => expect(mailer.events.map((event) => event.id)).toEqual([id]), {
      timeout: 5_000,
      interval: 20,
    });
  });

  it('listens again after the server drops its LISTEN connection, giving that connection back once', async () => {
    const own = createDatabase({ url: databaseUrl, poolSize: 3, applicationName: 'relay-dropped', logger });
    databases.push(own);
    const schema = await freshSchema();
    const transport = new InProcessTransport();
    const mailer = recorder();
    await transport.subscribe({ group: 'mailer', topics: ['order-placed'], handle: mailer.handle });
    const clients: pg.PoolClient[] = [];
    own.pool.on('connect', (client) => clients.push(client));
    const relay = new OutboxRelay({
      db: own,
      schema,
      source: 'order',
      transport,
      logger,
      pollIntervalMs: 60_000,
    });
    relays.push(relay);
    await relay.start();
    const listeningBackend = async () => {
      const { rows } = await db.pool.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE application_name = 'relay-dropped' AND query LIKE 'LISTEN%'`,
      );
      return rows[0]?.pid;
    };
    await vi.waitFor(async () => expect(await listeningBackend()).toBeDefined());
    const first = await listeningBackend();

    // The server ends the session, as on a restart or failover. pg reports the server's message and
    // then, when the socket fails too, a second 'error' on the same client: CI once crashed on it.
    const dropped = clients.find(
      (client) => (client as unknown as { processID: number }).processID === first,
    )!;
    await db.pool.query('SELECT pg_terminate_backend($1)', [first]);
    await vi.waitFor(async () => expect([undefined, first]).not.toContain(await listeningBackend()), {
      timeout: 10_000,
    });
    expect(() => dropped.emit('error', new Error('read ECONNRESET'))).not.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 2_500)); // past the relay's retry delay
    // Still one LISTEN connection: the late error neither released twice nor started a second one.
    expect(own.pool.totalCount).toBe(1);

    const [id] = await append(schema, [orderPlaced('o-1')]);
    await vi.waitFor(() => expect(mailer.events.map((event) => event.id)).toEqual([id]), { timeout: 5_000 });
  });

  it('stops publishing once stopped', async () => {
    const schema = await freshSchema();
    const transport = new InProcessTransport();
    const mailer = recorder();
    await transport.subscribe({ group: 'mailer', topics: ['order-placed'], handle: mailer.handle });
    const relay = relayFor(schema, transport, { pollIntervalMs: 20 });
    await relay.start();
    await append(schema, [orderPlaced('o-1')]);
    await vi.waitFor(() => expect(mailer.events).toHaveLength(1));
    await relay.stop();

    await append(schema, [orderPlaced('o-2')]);
    await new Promise((resolve) => setTimeout(resolve, 300)); // many poll periods
    expect(mailer.events).toHaveLength(1);
    expect((await outboxRows(schema))[1]!.published_at).toBeNull();
  });

  it('stopped while it is still connecting, keeps no connection: its pool closes', async () => {
    const own = createDatabase({ url: databaseUrl, poolSize: 2, applicationName: 'relay-stop', logger });
    const relay = new OutboxRelay({
      db: own,
      schema: await freshSchema(),
      source: 'order',
      transport: new InProcessTransport(),
      logger,
    });
    const starting = relay.start();
    await relay.stop();
    await starting;
    const closed = await Promise.race([
      own.close().then(() => 'closed'),
      new Promise((resolve) => setTimeout(() => resolve('still waiting for a client'), 5_000).unref()),
    ]);
    expect(closed).toBe('closed');
  });

  it('lets two relays share one outbox: 200 events, each delivered once per group', async () => {
    const schema = await freshSchema();
    const transport = new InProcessTransport();
    const received = { billing: new Map<string, number>(), mailer: new Map<string, number>() };
    for (const group of ['billing', 'mailer'] as const) {
      await transport.subscribe({
        group,
        topics: ['order-placed'],
        handle: async (event) => {
          await new Promise((resolve) => setImmediate(resolve)); // let the other relay interleave
          received[group].set(event.id, (received[group].get(event.id) ?? 0) + 1);
        },
      });
    }
    const options = { schema, source: 'order', transport, logger, batchSize: 10, pollIntervalMs: 25 };
    const relayA = new OutboxRelay({ ...options, db: openDatabase('relay-a') });
    const relayB = new OutboxRelay({ ...options, db: openDatabase('relay-b') });
    relays.push(relayA, relayB);
    await Promise.all([relayA.start(), relayB.start()]);

    // Orders keep coming while both relays run.
    const ids = (
      await Promise.all(
        Array.from({ length: 20 }, (_, batch) =>
          append(
            schema,
            Array.from({ length: 10 }, (_, index) => orderPlaced(`o-${batch}-${index}`)),
          ),
        ),
      )
    ).flat();
    expect(new Set(ids).size).toBe(200);

    await vi.waitFor(
      () => {
        expect(received.billing.size).toBe(200);
        expect(received.mailer.size).toBe(200);
      },
      { timeout: 15_000, interval: 50 },
    );
    await Promise.all([relayA.stop(), relayB.stop()]);
    for (const group of ['billing', 'mailer'] as const) {
      expect([...received[group].keys()].sort()).toEqual([...ids].sort());
      expect([...received[group].values()].every((count) => count === 1)).toBe(true);
    }
    const rows = await outboxRows(schema);
    expect(rows.filter((row) => row.published_at === null)).toEqual([]);
  });

  it('sends in write order, even when another host’s clock gave the later event the smaller id', async () => {
    const schema = await freshSchema();
    const transport = new InProcessTransport();
    const mailer = recorder();
    await transport.subscribe({ group: 'mailer', topics: ['order-placed'], handle: mailer.handle });
    const [first] = await append(schema, [orderPlaced('o-1', { step: 'created' })]);
    // Written next by an instance whose clock is behind: its UUIDv7 sorts before the first.
    const behind = '00000000-0000-7000-8000-000000000001';
    await db.pool.query(
      `INSERT INTO ${schema}.outbox (id, topic, message_key, payload) VALUES ($1, 'order-placed', 'o-1', $2)`,
      [behind, JSON.stringify({ orderId: 'o-1', step: 'confirmed' })],
    );
    await relayFor(schema, transport).drain();
    expect(mailer.events.map((event) => event.id)).toEqual([first, behind]);
  });

  it('keeps an order’s events in the order they were written, with two relays at it', async () => {
    const schema = await freshSchema();
    // Two orders, each moving through twenty steps, one transaction after another.
    const orders = ['order-1', 'order-2'];
    for (const orderId of orders)
      for (let step = 0; step < 20; step++) await append(schema, [orderPlaced(orderId, { step })]);
    const transport = new InProcessTransport();
    const seen = new Map<string, number[]>();
    await transport.subscribe({
      group: 'billing',
      topics: ['order-placed'],
      handle: async (event) => {
        // A consumer whose time varies: two relays sending at once would overtake each other.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 8));
        const { orderId, step } = event.payload as { orderId: string; step: number };
        seen.set(orderId, [...(seen.get(orderId) ?? []), step]);
      },
    });
    // One event per batch, so the relays would take turns event by event if they could.
    const options = { schema, source: 'order', transport, logger, batchSize: 1, pollIntervalMs: 10 };
    const relayA = new OutboxRelay({ ...options, db: openDatabase('relay-order-a') });
    const relayB = new OutboxRelay({ ...options, db: openDatabase('relay-order-b') });
    relays.push(relayA, relayB);
    await Promise.all([relayA.start(), relayB.start()]);

    await vi.waitFor(() => expect([...seen.values()].flat()).toHaveLength(40), {
      timeout: 15_000,
      interval: 50,
    });
    for (const orderId of orders) expect(seen.get(orderId)).toEqual([...Array(20).keys()]);
  });
});

describe('consumer groups on the in-process transport', () => {
  it('gives every group each event, and every handler of a group too', async () => {
    const schema = await freshSchema();
    const transport = new InProcessTransport();
    const notifications = recorder();
    // Two reactions of one service to one topic: one process is one instance of the
    // service, so both must run (instances in other processes share a group over Kafka).
    const analyticsOne = recorder();
    const analyticsTwo = recorder();
    const auditor = recorder();
    await transport.subscribe({
      group: 'notification',
      topics: ['order-placed'],
      handle: notifications.handle,
    });
    await transport.subscribe({ group: 'analytics', topics: ['order-placed'], handle: analyticsOne.handle });
    await transport.subscribe({ group: 'analytics', topics: ['order-placed'], handle: analyticsTwo.handle });
    await transport.subscribe({ group: 'audit', topics: ['user-registered'], handle: auditor.handle });

    const ids = await append(
      schema,
      Array.from({ length: 10 }, (_, index) => orderPlaced(`o-${index}`)),
    );
    await relayFor(schema, transport).drain();

    expect(notifications.events.map((event) => event.id)).toEqual(ids);
    expect(analyticsOne.events.map((event) => event.id)).toEqual(ids);
    expect(analyticsTwo.events.map((event) => event.id)).toEqual(ids);
    expect(auditor.events).toEqual([]); // another topic
  });

  it('publishes nothing once closed, and says so in its check', async () => {
    const transport = new InProcessTransport();
    await expect(transport.check()).resolves.toBeUndefined();
    await transport.close();
    await expect(transport.check()).rejects.toThrow(TransportUnavailableError);
    await expect(transport.publish([])).rejects.toThrow('the in-process bus is closed');
  });
});
