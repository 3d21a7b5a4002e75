// The Kafka transport on a real broker (test:full starts one with tools/stack/kafka.sh):
// outbox → relay → Kafka → consumer group → inbox. One aggregate's events arrive in order;
// a consumer restarted mid-stream loses nothing and applies nothing twice; a message whose
// handler keeps failing lands on the dead-letter topic and the partition moves on; with the
// broker stopped the outbox grows, and it drains after the restart with nothing lost.
// Every test uses its own topic/group prefix, so runs and tests never see each other's messages.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { consumeOnce } from '../src/bus/inbox.js';
import { KafkaTransport, type KafkaTransportOptions } from '../src/bus/kafka.js';
import { appendToOutbox, type NewEvent, OutboxRelay } from '../src/bus/outbox.js';
import { type DomainEvent, TransportUnavailableError } from '../src/bus/types.js';
import { runMigrations } from '../src/database/migrate.js';
import { createDatabase, type Database } from '../src/database/pool.js';
import { createLogger } from '../src/logger.js';
import { createTestDatabase, freePort } from '../src/testing/index.js';

const brokers = process.env.TEST_KAFKA_BROKERS || process.env.KAFKA_BROKERS;
const logger = createLogger((process.env.TEST_LOG_LEVEL as 'info' | undefined) ?? 'silent');
const kafkaScript = resolve(import.meta.dirname, '../../../tools/stack/kafka.sh');
const run = promisify(execFile);

let db: Database;
let migrations: string;
let schemas = 0;
const cleanups: (() => Promise<unknown>)[] = [];

const prefix = () => `t${randomUUID().slice(0, 8)}.`;

function transport(options: Partial<KafkaTransportOptions> & { prefix: string }): KafkaTransport {
  const created = new KafkaTransport({
    brokers: brokers!.split(','),
    clientId: 'kafka-test',
    logger,
    sessionTimeoutMs: 6_000,
    maxDeliveryAttempts: 3,
    redeliveryDelayMs: 20,
    ...options,
  });
  cleanups.push(() => created.close());
  return created;
}

function relay(schema: string, bus: KafkaTransport, database = db): OutboxRelay {
  const created = new OutboxRelay({
    db: database,
    schema,
    source: 'shop',
    transport: bus,
    logger,
    pollIntervalMs: 100,
    outageRetryMs: 100,
    maxOutageRetryMs: 500,
  });
  cleanups.push(() => created.stop());
  return created;
}

/** A service schema of its own, with the outbox, the inbox and an `effects` table. */
async function freshSchema(): Promise<string> {
  const schema = `kafka_${++schemas}`;
  await runMigrations(db.pool, { schema, directory: migrations }, logger);
  return schema;
}

const append = (schema: string, events: NewEvent[]) =>
  db.transaction((tx) => appendToOutbox(tx, schema, events));

/** An inbox-guarded handler that records each event's effect in `effects`. */
const applyOnce = (schema: string, consumer: string) => async (event: DomainEvent) => {
  await consumeOnce(db, schema, consumer, event, async (tx) => {
    await tx.execute(
      sql`INSERT INTO ${sql.identifier(schema)}.effects (event_id, consumer, note) VALUES (${event.id}, ${consumer}, ${event.key})`,
    );
  });
};

async function effects(schema: string): Promise<{ event_id: string; consumer: string }[]> {
  const { rows } = await db.pool.query(`SELECT event_id, consumer FROM ${schema}.effects ORDER BY event_id`);
  return rows;
}

async function pendingInOutbox(schema: string): Promise<{ attempts: number; dead_at: Date | null }[]> {
  const { rows } = await db.pool.query(
    `SELECT attempts, dead_at FROM ${schema}.outbox WHERE published_at IS NULL ORDER BY id`,
  );
  return rows;
}

/**
 * A broker of its own for the outage test: stopping the shared one would stall every other
 * test using it. `STACK_KEEP_DATA=1` makes down/up a restart with topics and offsets kept.
 */
async function startPrivateBroker() {
  const stackDir = await mkdtemp(join(tmpdir(), 'ticketing-kafka-outage-'));
  const env = {
    ...process.env,
    STACK_DIR: stackDir,
    STACK_KEEP_DATA: '1',
    KAFKA_PORT: String(await freePort()),
    KAFKA_CONTROLLER_PORT: String(await freePort()),
    KAFKA_LIBS_DIR:
      process.env.KAFKA_LIBS_DIR ?? join(process.env.STACK_DIR ?? '/tmp/ticketing-stack', 'kafka-libs'),
    KAFKA_HEAP: '256m',
  };
  const kafka = (command: 'up' | 'down') => run('bash', [kafkaScript, command], { env });
  const remove = async () => {
    await run('bash', [kafkaScript, 'down'], { env: { ...env, STACK_KEEP_DATA: '0' } });
    await rm(stackDir, { recursive: true, force: true });
  };
  try {
    await kafka('up');
  } catch (error) {
    await remove().catch(() => undefined);
    throw error;
  }
  return { env, kafka, remove };
}
let privateBroker: ReturnType<typeof startPrivateBroker> | undefined;

describe.skipIf(!brokers)('the Kafka transport', () => {
  beforeAll(async () => {
    const databaseUrl = await createTestDatabase(inject('databaseAdminUrl'), 'kafka');
    db = createDatabase({ url: databaseUrl, poolSize: 6, applicationName: 'kafka-test', logger });
    migrations = await mkdtemp(join(tmpdir(), 'ticketing-kafka-'));
    // Started now, so its JVM boots while the tests before the outage test run.
    privateBroker = startPrivateBroker();
    privateBroker.catch(() => undefined); // reported by the test that awaits it
    await writeFile(
      join(migrations, '0001_effects.sql'),
      'CREATE TABLE {{schema}}.effects (event_id uuid NOT NULL, consumer text NOT NULL, note text);',
    );
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });
  afterAll(async () => {
    await privateBroker?.then(({ remove }) => remove()).catch(() => undefined);
    await db?.close();
    if (migrations) await rm(migrations, { recursive: true, force: true });
  });

  it('delivers one aggregate’s events in order, with the event id and trace headers', async () => {
    const schema = await freshSchema();
    const bus = transport({ prefix: prefix(), topics: ['order-placed'] });
    await bus.start();
    const received: DomainEvent[] = [];
    await bus.subscribe({
      group: 'mailer',
      topics: ['order-placed'],
      handle: async (event) => void received.push(event),
    });
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const written: string[] = [];
    // Three orders, interleaved, each in its own transaction: order by key is what must hold.
    for (let step = 0; step < 10; step++) {
      for (const order of ['o-a', 'o-b', 'o-c']) {
        written.push(
          ...(await append(schema, [
            { type: 'order-placed', key: order, payload: { order, step }, headers: { traceparent } },
          ])),
        );
      }
    }
    await relay(schema, bus).start();

    await vi.waitFor(() => expect(received).toHaveLength(30), { timeout: 20_000, interval: 50 });
    for (const order of ['o-a', 'o-b', 'o-c']) {
      const steps = received
        .filter((event) => event.key === order)
        .map((event) => (event.payload as { step: number }).step);
      expect(steps).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
    expect(received.map((event) => event.id).sort()).toEqual([...written].sort());
    expect(received[0]).toMatchObject({ type: 'order-placed', source: 'shop', headers: { traceparent } });
    expect(await pendingInOutbox(schema)).toEqual([]);
  });

  // Its waits add up to 50 s: on a busy machine the second consumer may join only after the
  // group gives up on the first one (its 10 s session), then rebalances.
  it('loses nothing and applies nothing twice when a consumer is restarted mid-stream', {
    timeout: 90_000,
  }, async () => {
    const schema = await freshSchema();
    const topicPrefix = prefix();
    const handled: string[] = [];
    const slowApply = applyOnce(schema, 'ledger');
    const first = transport({ prefix: topicPrefix });
    await first.subscribe({
      group: 'ledger',
      topics: ['payment-made'],
      handle: async (event) => {
        await new Promise((resolve) => setTimeout(resolve, 15));
        await slowApply(event);
        handled.push(event.id);
      },
    });
    const ids = await append(
      schema,
      Array.from({ length: 60 }, (_, index) => ({
        type: 'payment-made',
        key: `p-${index % 6}`,
        payload: { index },
      })),
    );
    await relay(schema, first).start();
    await vi.waitFor(() => expect(handled.length).toBeGreaterThanOrEqual(15), {
      timeout: 20_000,
      interval: 20,
    });
    await first.close(); // mid-stream: some handled and committed, the rest not yet read

    const second = transport({ prefix: topicPrefix });
    await second.subscribe({
      group: 'ledger',
      topics: ['payment-made'],
      handle: applyOnce(schema, 'ledger'),
    });
    await vi.waitFor(async () => expect(await effects(schema)).toHaveLength(60), {
      timeout: 30_000,
      interval: 100,
    });
    const applied = (await effects(schema)).map((row) => row.event_id);
    expect(new Set(applied).size).toBe(60); // once each
    expect([...applied].sort()).toEqual([...ids].sort()); // nothing lost
  });

  it('handles other keys while one key’s message waits, and never commits past the waiting one', async () => {
    const schema = await freshSchema();
    const topicPrefix = prefix();
    // The 'stuck' order's handler cannot reach its database: it waits, uncounted, until stopped.
    let databaseDown = true;
    const firstHandled: string[] = [];
    const first = transport({ prefix: topicPrefix, consumerConcurrency: 4 });
    await first.subscribe({
      group: 'mailer',
      topics: ['order-placed'],
      handle: async (event) => {
        if (event.key === 'stuck' && databaseDown)
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
        firstHandled.push(event.key);
      },
    });
    await append(
      schema,
      ['stuck', 'a', 'b', 'c'].map((key) => ({ type: 'order-placed', key, payload: {} })),
    );
    await relay(schema, first).start();
    await vi.waitFor(() => expect([...firstHandled].sort()).toEqual(['a', 'b', 'c']), {
      timeout: 20_000,
      interval: 20,
    });
    await first.close();

    databaseDown = false;
    const secondHandled: string[] = [];
    const second = transport({ prefix: topicPrefix });
    await second.subscribe({
      group: 'mailer',
      topics: ['order-placed'],
      handle: async (event) => void secondHandled.push(event.key),
    });
    // Its offset was never committed, so the next consumer of the group gets it.
    await vi.waitFor(() => expect(secondHandled).toContain('stuck'), { timeout: 30_000, interval: 50 });
    expect(firstHandled).not.toContain('stuck');
  });

  it('handles one key’s messages side by side when the subscription names a finer order key', async () => {
    const schema = await freshSchema();
    let databaseDown = true;
    const handled: string[] = [];
    const bus = transport({ prefix: prefix(), consumerConcurrency: 4 });
    await bus.subscribe({
      group: 'holders',
      topics: ['ticket-sold'],
      orderKey: (event) => (event.payload as { orderId: string }).orderId,
      handle: async (event) => {
        const { orderId } = event.payload as { orderId: string };
        if (orderId === 'order-1' && databaseDown)
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
        handled.push(orderId);
      },
    });
    // One key (the event), so one partition and, without the order key, one message at a time.
    await append(
      schema,
      ['order-1', 'order-2', 'order-3'].map((orderId) => ({
        type: 'ticket-sold',
        key: 'event-1',
        payload: { orderId },
      })),
    );
    await relay(schema, bus).start();
    await vi.waitFor(() => expect(handled).toEqual(['order-2', 'order-3']), {
      timeout: 20_000,
      interval: 20,
    });
    databaseDown = false;
    await vi.waitFor(() => expect(handled).toEqual(['order-2', 'order-3', 'order-1']), {
      timeout: 20_000,
      interval: 20,
    });
  });

  it('gives every handler of a group the event, also one subscribed while the group consumes', async () => {
    const schema = await freshSchema();
    const bus = transport({ prefix: prefix() });
    const mailer: string[] = [];
    const archive: string[] = [];
    await bus.subscribe({
      group: 'notification',
      topics: ['order-placed'],
      handle: async (event) => void mailer.push(event.id),
    });
    const outboxRelay = relay(schema, bus);
    await outboxRelay.start();
    const first = await append(schema, [{ type: 'order-placed', key: 'o-1', payload: {} }]);
    await vi.waitFor(() => expect(mailer).toEqual(first), { timeout: 20_000, interval: 50 });

    // The group's consumer reconnects with both subscriptions; nothing is lost meanwhile.
    await bus.subscribe({
      group: 'notification',
      topics: ['order-placed'],
      handle: async (event) => void archive.push(event.id),
    });
    const later = await append(schema, [
      { type: 'order-placed', key: 'o-2', payload: {} },
      { type: 'order-placed', key: 'o-3', payload: {} },
    ]);
    await vi.waitFor(
      () => {
        expect(new Set(mailer)).toEqual(new Set([...first, ...later]));
        expect(archive).toEqual(expect.arrayContaining(later));
      },
      { timeout: 20_000, interval: 50 },
    );
  });

  it('sends a message whose handler keeps failing to the dead-letter topic, and the partition moves on', async () => {
    const schema = await freshSchema();
    const bus = transport({ prefix: prefix(), maxDeliveryAttempts: 3 });
    let poisonDeliveries = 0;
    const delivered: string[] = [];
    await bus.subscribe({
      group: 'mailer',
      topics: ['order-placed'],
      handle: async (event) => {
        if ((event.payload as { poison?: boolean }).poison) {
          poisonDeliveries++;
          throw new Error('template missing');
        }
        delivered.push(event.key);
      },
    });
    const deadLetters: DomainEvent[] = [];
    await bus.subscribe({
      group: 'operator',
      topics: ['order-placed.dlt'],
      handle: async (event) => void deadLetters.push(event),
    });
    // One key: one partition, so 'after' waits behind the poison message until it is dead-lettered.
    const [, poison] = await append(schema, [
      { type: 'order-placed', key: 'o-1', payload: {} },
      { type: 'order-placed', key: 'o-1', payload: { poison: true } },
      { type: 'order-placed', key: 'o-1', payload: {} },
    ]);
    await relay(schema, bus).start();

    await vi.waitFor(() => expect(deadLetters).toHaveLength(1), { timeout: 20_000, interval: 50 });
    expect(poisonDeliveries).toBe(3);
    expect(deadLetters[0]).toMatchObject({
      id: poison,
      key: 'o-1',
      type: 'order-placed.dlt',
      payload: { poison: true },
      headers: { 'dlt-group': 'mailer', 'dlt-attempts': '3', 'dlt-error': 'template missing' },
    });
    await vi.waitFor(() => expect(delivered).toEqual(['o-1', 'o-1']), { timeout: 10_000, interval: 50 });
    // The outbox's side is done: the broker took all three, the failure was the consumer's.
    expect(await pendingInOutbox(schema)).toEqual([]);
  });

  it('waits, uncounted, while a handler cannot reach its database, instead of dead-lettering', async () => {
    const schema = await freshSchema();
    const bus = transport({ prefix: prefix(), maxDeliveryAttempts: 2 });
    let unreachable = 4; // more failures than maxDeliveryAttempts allows
    const deadLetters: DomainEvent[] = [];
    const apply = applyOnce(schema, 'ledger');
    await bus.subscribe({
      group: 'ledger',
      topics: ['payment-made'],
      handle: async (event) => {
        if (unreachable-- > 0) {
          // A real refused connection, as from a database that is down.
          const client = new pg.Client({ connectionString: 'postgres://nobody@127.0.0.1:1/none' });
          await client.connect();
        }
        await apply(event);
      },
    });
    await bus.subscribe({
      group: 'operator',
      topics: ['payment-made.dlt'],
      handle: async (event) => void deadLetters.push(event),
    });
    const [id] = await append(schema, [{ type: 'payment-made', key: 'p-1', payload: {} }]);
    await relay(schema, bus).start();

    await vi.waitFor(async () => expect((await effects(schema)).map((row) => row.event_id)).toEqual([id]), {
      timeout: 20_000,
      interval: 100,
    });
    expect(unreachable).toBeLessThan(0);
    expect(deadLetters).toEqual([]);
  });

  it('keeps events in the outbox while the broker is stopped, uncharged, and drains them after the restart', {
    timeout: 180_000,
  }, async () => {
    const { env, kafka } = await privateBroker!;

    const schema = await freshSchema();
    const bus = new KafkaTransport({
      brokers: [`127.0.0.1:${env.KAFKA_PORT}`],
      clientId: 'kafka-outage-test',
      logger,
      prefix: prefix(),
      topics: ['ticket-sold'],
      sessionTimeoutMs: 6_000,
      requestTimeoutMs: 2_000,
    });
    cleanups.push(() => bus.close());
    await bus.start();
    await bus.subscribe({
      group: 'analytics',
      topics: ['ticket-sold'],
      handle: applyOnce(schema, 'analytics'),
    });
    const outboxRelay = relay(schema, bus);
    await outboxRelay.start();
    const before = await append(schema, [{ type: 'ticket-sold', key: 'e-1', payload: { n: 0 } }]);
    await vi.waitFor(async () => expect(await effects(schema)).toHaveLength(1), {
      timeout: 20_000,
      interval: 50,
    });

    await kafka('down');
    await expect(bus.check()).rejects.toBeInstanceOf(TransportUnavailableError);
    const during: string[] = [];
    for (let index = 1; index <= 20; index++)
      during.push(
        ...(await append(schema, [{ type: 'ticket-sold', key: `e-${index % 4}`, payload: { n: index } }])),
      );
    // The relay keeps trying (and failing) for a while; nothing is charged or parked.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const pending = await pendingInOutbox(schema);
    expect(pending).toHaveLength(20);
    expect(pending.every((row) => row.attempts === 0 && row.dead_at === null)).toBe(true);

    await kafka('up');
    await vi.waitFor(async () => expect(await pendingInOutbox(schema)).toEqual([]), {
      timeout: 60_000,
      interval: 200,
    });
    await vi.waitFor(async () => expect(await effects(schema)).toHaveLength(21), {
      timeout: 60_000,
      interval: 200,
    });
    const applied = (await effects(schema)).map((row) => row.event_id);
    expect([...applied].sort()).toEqual([...before, ...during].sort());
  });
});
