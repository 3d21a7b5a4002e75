// Trace context over a real Kafka broker (test:full): an event written by a traced request goes
// out through the outbox relay, and the consumer's `process` span continues the same trace — the
// traceparent travels in the message's headers.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KafkaTransport } from '../src/bus/kafka.js';
import { appendToOutbox, OutboxRelay } from '../src/bus/outbox.js';
import type { DomainEvent } from '../src/bus/types.js';
import { runMigrations } from '../src/database/migrate.js';
import { createDatabase, type Database } from '../src/database/pool.js';
import { createLogger } from '../src/logger.js';
import { createTestDatabase } from '../src/testing/index.js';
import { startSpan, startTracing, stopTracing } from '../src/tracing.js';

const brokers = process.env.TEST_KAFKA_BROKERS;
const logger = createLogger((process.env.TEST_LOG_LEVEL as 'info' | undefined) ?? 'silent');
const exporter = new InMemorySpanExporter();
const SCHEMA = 'orders_traced';

describe.skipIf(!brokers)('trace context over Kafka', () => {
  let db: Database;
  let migrations: string;
  let bus: KafkaTransport;
  let relay: OutboxRelay;

  beforeAll(async () => {
    await startTracing(undefined, { exporter, exportImmediately: true });
    db = createDatabase({
      url: await createTestDatabase(inject('databaseAdminUrl'), 'tracing_kafka'),
      poolSize: 4,
      applicationName: 'tracing-kafka-test',
      logger,
    });
    migrations = await mkdtemp(join(tmpdir(), 'ticketing-tracing-kafka-'));
    await runMigrations(db.pool, { schema: SCHEMA, directory: migrations }, logger);
    bus = new KafkaTransport({
      brokers: brokers!.split(','),
      clientId: 'tracing-kafka-test',
      logger,
      prefix: `t${randomUUID().slice(0, 8)}.`,
      sessionTimeoutMs: 6_000,
    });
  });
  afterAll(async () => {
    await relay?.stop();
    await bus?.close();
    await db?.close();
    await stopTracing();
    if (migrations) await rm(migrations, { recursive: true, force: true });
  });

  it('gives the producer’s send span and the consumer’s process span one trace, through the message headers', async () => {
    const received: { event: DomainEvent; active: string | undefined }[] = [];
    await bus.subscribe({
      group: 'ticket-service',
      topics: ['seat-sold'],
      handle: async (event) => {
        await db.pool.query('SELECT 1 AS noted');
        const active = trace.getActiveSpan()?.spanContext();
        received.push({ event, active: active && `${active.traceId}-${active.spanId}` });
      },
    });
    relay = new OutboxRelay({
      db,
      schema: SCHEMA,
      source: 'order',
      transport: bus,
      logger,
      pollIntervalMs: 100,
    });
    await relay.start();

    // A request of the order service writes the event (what the http kit's server span does).
    const request = startSpan('POST /api/v1/orders', { kind: SpanKind.SERVER, service: 'order' })!;
    await context.with(request.context, () =>
      db.transaction((tx) =>
        appendToOutbox(tx, SCHEMA, [{ type: 'seat-sold', key: 'order-1', payload: { seat: 'A-1' } }]),
      ),
    );
    request.span.end();
    const traceId = request.span.spanContext().traceId;

    const deadline = Date.now() + 30_000;
    while (received.length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).toHaveLength(1);

    const spans = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
    const named = (name: string): ReadableSpan => {
      const span = spans.find((candidate) => candidate.name === name);
      expect(span, `${name} in ${spans.map((s) => s.name)}`).toBeDefined();
      return span!;
    };
    const send = named('send seat-sold');
    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(send.parentSpanContext?.spanId).toBe(request.span.spanContext().spanId);
    expect(send.resource.attributes['service.name']).toBe('ticketing-order');
    expect(send.attributes['messaging.system']).toBe('kafka');

    const processed = named('process seat-sold');
    expect(processed.kind).toBe(SpanKind.CONSUMER);
    expect(processed.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
    expect(processed.resource.attributes['service.name']).toBe('ticketing-ticket');
    expect(processed.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.consumer.group.name': 'ticket-service',
    });
    const noted = spans.find((span) => span.attributes['db.query.text'] === 'SELECT 1 AS noted');
    expect(noted?.parentSpanContext?.spanId).toBe(processed.spanContext().spanId);

    // What crossed the broker: the send span's traceparent in the message headers.
    expect(received[0]!.event.headers.traceparent).toBe(`00-${traceId}-${send.spanContext().spanId}-01`);
    expect(received[0]!.active).toBe(`${traceId}-${processed.spanContext().spanId}`);
  });
});
