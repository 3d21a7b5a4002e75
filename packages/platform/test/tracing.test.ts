// Tracing across the platform's choke points, recorded by the SDK's in-memory exporter: a call
// that enters one service, calls another over HTTP, runs SQL there and writes an event through
// the outbox is one trace — server, client, SQL, send and process spans, each under the service
// that did the work — and every log line written meanwhile names that trace.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { InternalTokens } from '../src/auth.js';
import { InProcessTransport } from '../src/bus/in-process.js';
import { appendToOutbox, OutboxRelay } from '../src/bus/outbox.js';
import type { DomainEvent } from '../src/bus/types.js';
import { ServiceClient } from '../src/client.js';
import { runMigrations } from '../src/database/migrate.js';
import { createDatabase, type Database } from '../src/database/pool.js';
import { createHttpApp, type HttpApp } from '../src/http.js';
import { createLogger } from '../src/logger.js';
import { createTestDatabase } from '../src/testing/index.js';
import { isTracing, startTracing, stopTracing } from '../src/tracing.js';

const exporter = new InMemorySpanExporter();
const logLines: Record<string, unknown>[] = [];
const logger = createLogger(
  'debug',
  {},
  {
    write(line: string) {
      logLines.push(JSON.parse(line));
    },
  },
);
const tokens = new InternalTokens('the-internal-secret-for-tracing-tests');
const SCHEMA = 'seating';

let db: Database;
let migrations: string;
let alpha: HttpApp;
let beta: HttpApp;
let alphaUrl: string;
let client: ServiceClient;
let relay: OutboxRelay;
const bus = new InProcessTransport();
const delivered: { event: DomainEvent; activeTraceparent: string | undefined }[] = [];

beforeAll(async () => {
  await startTracing(undefined, { exporter, exportImmediately: true });
  db = createDatabase({
    url: await createTestDatabase(inject('databaseAdminUrl'), 'tracing'),
    poolSize: 4,
    applicationName: 'tracing-test',
    logger,
  });
  migrations = await mkdtemp(join(tmpdir(), 'ticketing-tracing-'));
  await runMigrations(db.pool, { schema: SCHEMA, directory: migrations }, logger);

  // beta: answers from PostgreSQL and announces what it did through the outbox.
  beta = await createHttpApp({ service: 'beta', logger, tokens });
  beta.get('/api/v1/seats', { config: { access: 'internal' } }, async (req) => {
    const { rows } = await db.pool.query('SELECT $1::int AS seats', [7]);
    await db.transaction((tx) =>
      appendToOutbox(tx, SCHEMA, [
        { type: 'seats-counted', key: 'hall-1', payload: { seats: rows[0].seats } },
      ]),
    );
    req.log.info('counted seats');
    return { seats: rows[0].seats };
  });
  await beta.listen({ port: 0, host: '127.0.0.1' });
  const betaAddress = beta.server.address() as { port: number };

  // alpha: the edge, asks beta.
  client = new ServiceClient({
    target: 'beta',
    caller: 'alpha',
    urls: [`http://127.0.0.1:${betaAddress.port}`],
    tokens,
  });
  alpha = await createHttpApp({ service: 'alpha', logger, tokens, requireInternalToken: false });
  alpha.get('/api/v1/overview', { config: { access: 'public' } }, async (req) => {
    const answer = await client.expectOk<{ seats: number }>({ method: 'GET', path: '/api/v1/seats' });
    req.log.info('asked beta');
    return answer;
  });
  await alpha.listen({ port: 0, host: '127.0.0.1' });
  alphaUrl = `http://127.0.0.1:${(alpha.server.address() as { port: number }).port}`;

  // A notification-service consumer of beta's events, reading its own database.
  await bus.subscribe({
    group: 'notification-service',
    topics: ['seats-counted'],
    handle: async (event) => {
      await db.pool.query('SELECT 1 AS handled');
      const { trace } = await import('@opentelemetry/api');
      const active = trace.getActiveSpan()?.spanContext();
      delivered.push({ event, activeTraceparent: active && `${active.traceId}-${active.spanId}` });
      logger.info({ eventId: event.id }, 'seats noted');
    },
  });
  relay = new OutboxRelay({
    db,
    schema: SCHEMA,
    source: 'beta',
    transport: bus,
    logger,
    pollIntervalMs: 100,
  });
  await relay.start();
});

afterAll(async () => {
  await relay?.stop();
  await alpha?.close();
  await beta?.close();
  await client?.close();
  await db?.close();
  await stopTracing();
  if (migrations) await rm(migrations, { recursive: true, force: true });
});

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';

function spansOf(traceId: string): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
}
const serviceOf = (span: ReadableSpan) => span.resource.attributes['service.name'];
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

async function waitFor<T>(find: () => T | undefined, what: string, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('one call across two services, the database and the bus', () => {
  it('is one trace, continuing the caller’s traceparent', async () => {
    expect(isTracing()).toBe(true);
    const response = await request(`${alphaUrl}/api/v1/overview`, {
      headers: { traceparent: `00-${TRACE_ID}-${CALLER_SPAN_ID}-01` },
    });
    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toEqual({ seats: 7 });

    const processSpan = await waitFor(
      () => spansOf(TRACE_ID).find((span) => span.name === 'process seats-counted'),
      'the consumer span',
    );
    const spans = spansOf(TRACE_ID);
    const find = (name: string, service: string) => {
      const span = spans.find((candidate) => candidate.name === name && serviceOf(candidate) === service);
      expect(span, `${name} of ${service} in ${spans.map((s) => `${s.name}@${serviceOf(s)}`)}`).toBeDefined();
      return span!;
    };

    const alphaServer = find('GET /api/v1/overview', 'ticketing-alpha');
    expect(alphaServer.kind).toBe(SpanKind.SERVER);
    expect(parentOf(alphaServer)).toBe(CALLER_SPAN_ID);
    expect(alphaServer.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/api/v1/overview',
      'http.response.status_code': 200,
    });

    const alphaCall = find('GET beta', 'ticketing-alpha');
    expect(alphaCall.kind).toBe(SpanKind.CLIENT);
    expect(parentOf(alphaCall)).toBe(alphaServer.spanContext().spanId);
    expect(alphaCall.attributes['http.response.status_code']).toBe(200);

    const betaServer = find('GET /api/v1/seats', 'ticketing-beta');
    expect(parentOf(betaServer)).toBe(alphaCall.spanContext().spanId);

    // SQL: the statement's text, never its parameter values.
    const select = spans.find(
      (span) =>
        serviceOf(span) === 'ticketing-beta' &&
        span.attributes['db.query.text'] === 'SELECT $1::int AS seats',
    );
    expect(select).toBeDefined();
    expect(select!.kind).toBe(SpanKind.CLIENT);
    expect(parentOf(select!)).toBe(betaServer.spanContext().spanId);
    expect(select!.attributes).toMatchObject({
      'db.system.name': 'postgresql',
      'db.operation.name': 'SELECT',
    });
    expect(JSON.stringify(select!.attributes)).not.toContain('"7"');
    const insert = find(`INSERT ${SCHEMA}.outbox`, 'ticketing-beta');
    expect(parentOf(insert)).toBe(betaServer.spanContext().spanId);

    // The event: sent by beta's relay under the request that wrote it, processed by the consumer.
    const send = find('send seats-counted', 'ticketing-beta');
    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(parentOf(send)).toBe(betaServer.spanContext().spanId);
    expect(serviceOf(processSpan)).toBe('ticketing-notification');
    expect(processSpan.kind).toBe(SpanKind.CONSUMER);
    expect(parentOf(processSpan)).toBe(send.spanContext().spanId);
    expect(processSpan.attributes).toMatchObject({
      'messaging.destination.name': 'seats-counted',
      'messaging.consumer.group.name': 'notification-service',
    });
    const handled = find('SELECT', 'ticketing-notification');
    expect(parentOf(handled)).toBe(processSpan.spanContext().spanId);
    const [delivery] = delivered;
    expect(delivery?.event.headers.traceparent).toBe(`00-${TRACE_ID}-${send.spanContext().spanId}-01`);
    expect(delivery?.activeTraceparent).toBe(`${TRACE_ID}-${processSpan.spanContext().spanId}`);

    // The relay's own polling is in no trace.
    expect(
      exporter
        .getFinishedSpans()
        .filter((span) => String(span.attributes['db.query.text']).includes('SKIP LOCKED')),
    ).toEqual([]);
  });

  it('puts the trace id and the span id on every log line written inside the trace', async () => {
    const ofTrace = logLines.filter((line) => line.trace_id === TRACE_ID);
    const messages = ofTrace.map((line) => line.msg);
    expect(messages).toEqual(
      expect.arrayContaining(['asked beta', 'counted seats', 'request completed', 'seats noted']),
    );
    const spans = spansOf(TRACE_ID);
    const betaServer = spans.find((span) => span.name === 'GET /api/v1/seats')!;
    const counted = ofTrace.find((line) => line.msg === 'counted seats')!;
    expect(counted.span_id).toBe(betaServer.spanContext().spanId);
    // Every line of the request's story carries it, the request log lines included.
    const requestLines = logLines.filter((line) => line.msg === 'request completed');
    expect(requestLines.length).toBeGreaterThanOrEqual(2);
    for (const line of requestLines) expect(line.trace_id, JSON.stringify(line)).toBeDefined();
  });

  it('starts a new trace at the edge when the caller sends none, and leaves health probes out', async () => {
    exporter.reset();
    const response = await request(`${alphaUrl}/api/v1/overview`);
    expect(response.statusCode).toBe(200);
    await response.body.dump();
    const health = await request(`${alphaUrl}/actuator/health`);
    await health.body.dump();
    const root = await waitFor(
      () => exporter.getFinishedSpans().find((span) => span.name === 'GET /api/v1/overview'),
      'the edge span',
    );
    expect(root.parentSpanContext).toBeUndefined();
    const traceId = root.spanContext().traceId;
    expect(traceId).not.toBe(TRACE_ID);
    await waitFor(
      () => spansOf(traceId).find((span) => span.name === 'GET /api/v1/seats'),
      'the callee span',
    );
    expect(
      exporter.getFinishedSpans().filter((span) => span.attributes['url.path'] === '/actuator/health'),
    ).toEqual([]);
  });
});
