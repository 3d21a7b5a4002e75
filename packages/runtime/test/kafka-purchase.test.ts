// The distributed mode's event bus end to end: the platform started with KAFKA_BROKERS
// (test:full runs a real broker) sells tickets, and the order's events travel over Kafka
// to the notification service, which mails the buyer. Skipped without a broker.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ALL_SERVICES,
  confirmedOrder,
  expectInvariantsHold,
  type OrderPlatform,
  publishEvent,
  startOrderPlatform,
} from '../../../services/order/test/support.js';
import { call } from '../../../tools/test/http.js';
import { EVENT_TOPICS } from '../src/infrastructure.js';

const brokers = process.env.TEST_KAFKA_BROKERS || process.env.KAFKA_BROKERS;

describe.skipIf(!brokers)('the platform on Kafka', () => {
  let p: OrderPlatform;
  // Topics and groups of this run only: a rerun or a parallel run sees none of these messages.
  const prefix = `t${randomUUID().slice(0, 8)}.`;

  beforeAll(async () => {
    p = await startOrderPlatform({
      services: [...ALL_SERVICES, 'notification'],
      env: { KAFKA_BROKERS: brokers!, KAFKA_TOPIC_PREFIX: prefix },
    });
  });
  afterAll(() => p?.stop());

  it('runs on the Kafka transport, with its topics created at start and a health check', async () => {
    expect(p.t.platform.infrastructure.bus.kind).toBe('kafka');
    const orderUrl = p.t.platform.url('order');
    const health = await call(orderUrl, 'GET', '/actuator/health/kafka');
    expect(health.status, JSON.stringify(health.body)).toBe(200);
    expect(EVENT_TOPICS).toEqual(
      expect.arrayContaining([
        'order-created',
        'order-confirmed',
        'payment-processed',
        'ticket-sold',
        'user-registered',
      ]),
    );
  });

  it('confirms an order and mails the buyer, the events carried by Kafka', { timeout: 60_000 }, async () => {
    const event = await publishEvent(p);
    const { buyer, order } = await confirmedOrder(p, event);
    expect(order.status).toBe('CONFIRMED');

    // The test's own consumer group on the same bus saw the order's events, keyed by order id.
    await vi.waitFor(
      () => {
        const mine = p.events.filter((seen) => seen.key === order.id).map((seen) => seen.type);
        expect(mine).toEqual(expect.arrayContaining(['order-created', 'order-confirmed']));
      },
      { timeout: 30_000, interval: 200 },
    );
    // order-confirmed went from the order service's outbox over Kafka to the notification service.
    await vi.waitFor(
      async () => {
        const mail = await call(p.gateway, 'GET', '/api/v1/notifications', { token: buyer.token });
        expect(mail.status).toBe(200);
        expect(mail.body.items).toEqual(
          expect.arrayContaining([expect.objectContaining({ type: 'order-confirmed', status: 'SENT' })]),
        );
      },
      { timeout: 30_000, interval: 250 },
    );
    await expectInvariantsHold(p.t.databaseUrl);
  });
});
