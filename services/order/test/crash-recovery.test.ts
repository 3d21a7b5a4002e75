// The process dies in the middle of a purchase, at each step of the saga (ORDER_CRASH_AT, in
// `throw` mode: the saga stops as if the process had died, its lease still held). The platform
// is then stopped and started again on the same database; the recovery worker finishes or
// compensates every order, and the invariants of docs/architecture.md hold.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Buyer,
  buy,
  CARDS,
  expectInvariantsHold,
  holdStanding,
  newBuyer,
  type OrderPlatform,
  orderStatus,
  type PublishedEvent,
  publishEvent,
  startOrderPlatform,
} from './support.js';

const crashEnv = (point: string) => ({
  ORDER_CRASH_AT: point,
  ORDER_CRASH_MODE: 'throw',
  // The crashed platform's own worker stays out of the way: only the restarted one recovers.
  ORDER_RECOVERY_INTERVAL_MS: '600000',
  ORDER_PAYMENT_TIMEOUT_MS: '2000',
  ORDER_SAGA_LEASE_MS: '60000',
});

interface Scenario {
  point: string;
  card?: string;
  buyer: Buyer;
  hold: { id: string; tickets: { id: string }[] };
  orderId?: string;
  intermediate?: string;
  expireHold?: boolean;
}

let databaseUrl: string;
let event: PublishedEvent;
const scenarios: Scenario[] = [];

async function orderOfHold(p: OrderPlatform, holdId: string): Promise<string> {
  const { rows } = await p.sql.query('SELECT id FROM orders.orders WHERE hold_id = $1', [holdId]);
  return rows[0]?.id;
}

beforeAll(async () => {
  const setup = await startOrderPlatform();
  databaseUrl = setup.t.databaseUrl;
  event = await publishEvent(setup);
  const plan: Omit<Scenario, 'buyer' | 'hold'>[] = [
    { point: 'after-order-recorded' },
    { point: 'after-payment' },
    { point: 'after-payment', expireHold: true },
    { point: 'after-payment-failed', card: CARDS.declined },
    { point: 'after-sale' },
  ];
  for (const step of plan) {
    const buyer = await newBuyer(setup);
    scenarios.push({ ...step, buyer, hold: await holdStanding(setup, buyer, event, 2) });
  }
  await setup.stop();

  // One crash per step, each on its own run of the platform.
  for (const scenario of scenarios) {
    const crashing = await startOrderPlatform({ databaseUrl, env: crashEnv(scenario.point) });
    try {
      const response = await buy(crashing, scenario.buyer, scenario.hold.id, { card: scenario.card });
      expect(response.status, JSON.stringify(response.body)).toBe(500);
      scenario.orderId = await orderOfHold(crashing, scenario.hold.id);
      scenario.intermediate = await orderStatus(crashing, scenario.orderId);
      if (scenario.expireHold) {
        await crashing.sql.query(
          `UPDATE tickets.holds SET expires_at = now() - interval '1 second' WHERE id = $1`,
          [scenario.hold.id],
        );
      }
    } finally {
      await crashing.stop();
    }
  }
}, 300_000);

describe('a purchase interrupted by a crash', () => {
  let p: OrderPlatform;

  beforeAll(async () => {
    // The dead process's leases would run out after ORDER_SAGA_LEASE_MS; let them have run out.
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    await pool.query(
      `UPDATE orders.orders SET lease_until = now() - interval '1 second', next_attempt_at = now() - interval '1 second'
       WHERE saga_step <> 'DONE'`,
    );
    await pool.end();
    p = await startOrderPlatform({ databaseUrl });
  }, 120_000);
  afterAll(() => p?.stop());

  const scenario = (point: string, expireHold = false) =>
    scenarios.find(
      (candidate) => candidate.point === point && (candidate.expireHold ?? false) === expireHold,
    )!;

  it('left each order at the step it died in', () => {
    expect(scenarios.map((s) => [s.point, s.expireHold ?? false, s.intermediate])).toEqual([
      ['after-order-recorded', false, 'PENDING/CHARGE'],
      ['after-payment', false, 'PENDING/SELL'],
      ['after-payment', true, 'PENDING/SELL'],
      ['after-payment-failed', false, 'PENDING/RELEASE_HOLD'],
      ['after-sale', false, 'PENDING/SELL'],
    ]);
  });

  it('after the payment: the restarted worker sells the tickets and confirms the order', async () => {
    const { orderId } = scenario('after-payment');
    await expect.poll(() => orderStatus(p, orderId!), { timeout: 20_000 }).toBe('CONFIRMED/DONE');
  });

  it('after the sale: the order is confirmed with the tickets it already has', async () => {
    const { orderId, hold } = scenario('after-sale');
    await expect.poll(() => orderStatus(p, orderId!), { timeout: 20_000 }).toBe('CONFIRMED/DONE');
    const { rows } = await p.sql.query(
      `SELECT count(*)::int AS n FROM tickets.tickets WHERE id = ANY($1::uuid[]) AND status = 'SOLD' AND order_id = $2`,
      [hold.tickets.map((ticket) => ticket.id), orderId],
    );
    expect(rows[0].n).toBe(2);
  });

  it('after the payment, with the hold expired meanwhile: the payment is refunded and the order FAILED', async () => {
    const { orderId } = scenario('after-payment', true);
    await expect.poll(() => orderStatus(p, orderId!), { timeout: 20_000 }).toBe('FAILED/DONE');
    const { rows } = await p.sql.query(
      `SELECT o.failure_code, o.refunded_amount, o.total_amount, pay.status AS payment_status
       FROM orders.orders o JOIN payments.payments pay ON pay.order_id = o.id WHERE o.id = $1`,
      [orderId],
    );
    expect(rows[0]).toMatchObject({ failure_code: 'tickets_unavailable', payment_status: 'REFUNDED' });
    expect(rows[0].refunded_amount).toBe(rows[0].total_amount);
  });

  it('after a declined payment: the hold is released and the order FAILED', async () => {
    const { orderId, hold } = scenario('after-payment-failed');
    await expect.poll(() => orderStatus(p, orderId!), { timeout: 20_000 }).toBe('FAILED/DONE');
    const { rows } = await p.sql.query('SELECT status FROM tickets.holds WHERE id = $1', [hold.id]);
    expect(rows[0].status).toBe('RELEASED');
  });

  it('before the payment: nothing was charged, the order FAILED, the hold stays until it expires', async () => {
    const { orderId, hold } = scenario('after-order-recorded');
    await expect.poll(() => orderStatus(p, orderId!), { timeout: 20_000 }).toBe('FAILED/DONE');
    const payments = await p.sql.query(
      'SELECT count(*)::int AS n FROM payments.payments WHERE order_id = $1',
      [orderId],
    );
    expect(payments.rows[0].n).toBe(0);
    const { rows } = await p.sql.query('SELECT status FROM tickets.holds WHERE id = $1', [hold.id]);
    expect(rows[0].status).toBe('ACTIVE');
  });

  it('and afterwards the invariants hold', async () => {
    await expectInvariantsHold(databaseUrl);
  });
});

describe('a buyer who retries an interrupted purchase with the same key', () => {
  it('gets it finished, charged once', async () => {
    const p = await startOrderPlatform({
      env: { ...crashEnv('after-order-recorded'), ORDER_SAGA_LEASE_MS: '6500' },
    });
    try {
      const shop = await publishEvent(p);
      const buyer = await newBuyer(p);
      const hold = await holdStanding(p, buyer, shop, 1);
      const key = randomUUID();
      expect((await buy(p, buyer, hold.id, { key })).status).toBe(500);
      // The interrupted request's lease runs out; the retry takes the saga over with the card.
      await new Promise((resolve) => setTimeout(resolve, 6_600));
      const retry = await buy(p, buyer, hold.id, { key });
      expect(retry.status, JSON.stringify(retry.body)).toBe(200);
      expect(retry.body.status).toBe('CONFIRMED');
      const { rows } = await p.sql.query(
        'SELECT count(*)::int AS n FROM payments.payments WHERE order_id = $1',
        [retry.body.id],
      );
      expect(rows[0].n).toBe(1);
      await expectInvariantsHold(p.t.databaseUrl);
    } finally {
      await p.stop();
    }
  }, 120_000);
});
