// A purchase as a trace, recorded by the SDK's in-memory exporter with the whole platform in
// one process (embedded mode, in-process bus): the buyer's POST /api/v1/orders is one trace from
// the gateway through the order, ticket and payment services, their SQL, and the events the
// purchase sends and consumes — each span under the service that did the work.
import { randomUUID } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTracing, stopTracing } from '@ticketing/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import {
  cardPayment,
  holdStanding,
  newBuyer,
  type OrderPlatform,
  type PublishedEvent,
  publishEvent,
  startOrderPlatform,
} from '../../order/test/support.js';

const exporter = new InMemorySpanExporter();
let p: OrderPlatform;
let event: PublishedEvent;

beforeAll(async () => {
  // Before the platform starts: the first service to start keeps this configuration.
  await startTracing(undefined, { exporter, exportImmediately: true });
  p = await startOrderPlatform({
    services: ['user', 'event', 'ticket', 'payment', 'order', 'notification', 'gateway'],
  });
  event = await publishEvent(p);
});
afterAll(async () => {
  await p?.stop();
  await stopTracing();
});

const serviceOf = (span: ReadableSpan) => String(span.resource.attributes['service.name']);

describe('a purchase', () => {
  it('is one trace from the gateway through the services, PostgreSQL and the bus', async () => {
    const buyer = await newBuyer(p);
    const hold = await holdStanding(p, buyer, event, 1);
    const traceId = randomUUID().replaceAll('-', '');
    const response = await call(p.gateway, 'POST', '/api/v1/orders', {
      token: buyer.token,
      body: { holdId: hold.id, payment: cardPayment() },
      headers: { 'idempotency-key': randomUUID(), traceparent: `00-${traceId}-${'a1'.repeat(8)}-01` },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);

    // The events of the purchase are handled after the answer: wait for their consumers.
    const ofTrace = () =>
      exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
    const looseIn = (spans: ReadableSpan[]) => {
      const ids = new Set(spans.map((span) => span.spanContext().spanId));
      return spans.filter(
        (span) =>
          !ids.has(span.parentSpanContext?.spanId ?? '') && span.parentSpanContext?.spanId !== 'a1'.repeat(8),
      );
    };
    const deadline = Date.now() + 15_000;
    for (;;) {
      const spans = ofTrace();
      const settled = spans.some((span) => span.kind === SpanKind.CONSUMER) && looseIn(spans).length === 0;
      if (settled || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const spans = ofTrace();
    const summary = spans.map((span) => `${span.name}@${serviceOf(span)}`);

    // The gateway serves every API path with one catch-all route; the path is on the span.
    const edge = spans.find(
      (span) => span.attributes['url.path'] === '/api/v1/orders' && serviceOf(span) === 'ticketing-gateway',
    );
    expect(edge, summary.join('\n')).toBeDefined();
    expect(edge!.name).toBe('POST /api/*');
    expect(edge!.kind).toBe(SpanKind.SERVER);
    expect(edge!.parentSpanContext?.spanId).toBe('a1'.repeat(8));
    const forwarded = spans.find(
      (span) => span.name === 'POST order' && serviceOf(span) === 'ticketing-gateway',
    );
    expect(forwarded?.parentSpanContext?.spanId).toBe(edge!.spanContext().spanId);
    const order = spans.find(
      (span) => span.name === 'POST /api/v1/orders' && serviceOf(span) === 'ticketing-order',
    );
    expect(order?.parentSpanContext?.spanId).toBe(forwarded!.spanContext().spanId);

    // The order service called the others, and each of them ran SQL inside the trace.
    const servers = new Set(spans.filter((span) => span.kind === SpanKind.SERVER).map(serviceOf));
    expect([...servers]).toEqual(
      expect.arrayContaining([
        'ticketing-gateway',
        'ticketing-order',
        'ticketing-ticket',
        'ticketing-payment',
      ]),
    );
    const sqlBy = new Set(
      spans.filter((span) => span.attributes['db.system.name'] === 'postgresql').map(serviceOf),
    );
    expect([...sqlBy]).toEqual(
      expect.arrayContaining(['ticketing-order', 'ticketing-ticket', 'ticketing-payment']),
    );

    // Events left through the outbox inside the trace and were consumed inside it.
    const sends = spans.filter((span) => span.kind === SpanKind.PRODUCER);
    const consumers = spans.filter((span) => span.kind === SpanKind.CONSUMER);
    expect(sends.length, summary.join('\n')).toBeGreaterThan(0);
    expect(consumers.length, summary.join('\n')).toBeGreaterThan(0);
    const sendIds = new Set(sends.map((span) => span.spanContext().spanId));
    for (const consumer of consumers) expect(sendIds.has(consumer.parentSpanContext!.spanId)).toBe(true);
    // Every span but the edge's has its parent in the trace: nothing hangs loose.
    expect(looseIn(spans).map((span) => `${span.name}@${serviceOf(span)}`)).toEqual([]);
  });
});
