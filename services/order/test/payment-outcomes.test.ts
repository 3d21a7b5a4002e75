// Every sandbox outcome, as the buyer meets it at checkout: what the answer says, what becomes
// of the order, the hold and the payment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import {
  buy,
  CARDS,
  expectInvariantsHold,
  expectProblem,
  holdStanding,
  newBuyer,
  type OrderPlatform,
  orderStatus,
  type PublishedEvent,
  publishEvent,
  startOrderPlatform,
} from './support.js';

let p: OrderPlatform;
let event: PublishedEvent;

beforeAll(async () => {
  p = await startOrderPlatform({
    env: {
      PAYMENT_GATEWAY_TIMEOUT_MS: '1500',
      PAYMENT_SANDBOX_SLOW_MS: '4000',
      PAYMENT_PENDING_LEASE_MS: '5000',
      PAYMENT_FRAUD_MAX_AMOUNT: '15000',
    },
  });
  event = await publishEvent(p);
});
afterAll(async () => {
  if (p) await expectInvariantsHold(p.t.databaseUrl);
  await p?.stop();
});

const holdStatus = async (holdId: string) =>
  (await p.sql.query('SELECT status, end_reason FROM tickets.holds WHERE id = $1', [holdId])).rows[0];

describe('a card that does not pay', () => {
  it.each([
    [CARDS.declined, 'card_declined'],
    [CARDS.insufficientFunds, 'insufficient_funds'],
    [CARDS.processingError, 'processing_error'],
  ])('%s answers 402 %s; the order FAILED, its tickets back on sale', async (card, code) => {
    const buyer = await newBuyer(p);
    const hold = await holdStanding(p, buyer, event, 2);
    const response = await buy(p, buyer, hold.id, { card });
    expectProblem(response, 402, code);
    expect(response.body.orderStatus).toBe('FAILED');
    const orderId = response.body.orderId as string;
    expect(await orderStatus(p, orderId)).toBe('FAILED/DONE');
    expect(await holdStatus(hold.id)).toEqual({ status: 'RELEASED', end_reason: 'payment_failed' });
    const { rows } = await p.sql.query(
      `SELECT count(*)::int AS n FROM tickets.tickets WHERE id = ANY($1::uuid[]) AND status = 'AVAILABLE'`,
      [hold.tickets.map((ticket) => ticket.id)],
    );
    expect(rows[0].n).toBe(2);
    const order = await call(p.gateway, 'GET', `/api/v1/orders/${orderId}`, { token: buyer.token });
    expect(order.body).toMatchObject({ status: 'FAILED', failureCode: code });
    await expect
      .poll(() => p.events.filter((e) => e.key === orderId).map((e) => e.type), { timeout: 5_000 })
      .toEqual(['order-created', 'order-failed']);
  });

  it('a payment the fraud rules block answers 402 fraud_blocked', async () => {
    const buyer = await newBuyer(p);
    // 8 × 2500 = 20000, over the 15000 limit.
    const hold = await holdStanding(p, buyer, event, 8);
    const response = await buy(p, buyer, hold.id);
    expectProblem(response, 402, 'fraud_blocked');
    expect(await holdStatus(hold.id)).toMatchObject({ status: 'RELEASED' });
  });
});

describe('a card the gateway is slow to answer', () => {
  it('answers 202 with the order PENDING, which is then confirmed without the buyer asking', {
    timeout: 90_000,
  }, async () => {
    const buyer = await newBuyer(p);
    const hold = await holdStanding(p, buyer, event, 1);
    const response = await buy(p, buyer, hold.id, { card: CARDS.slow });
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    expect(response.body.status).toBe('PENDING');
    await expect
      .poll(() => orderStatus(p, response.body.id), { timeout: 20_000, interval: 200 })
      .toBe('CONFIRMED/DONE');
    const order = await call(p.gateway, 'GET', `/api/v1/orders/${response.body.id}`, { token: buyer.token });
    expect(order.body.tickets[0].code).toEqual(expect.any(String));
    const charges = await p.sql.query(
      `SELECT count(*)::int AS n FROM payments.sandbox_ledger l JOIN payments.payments p
         ON l.idempotency_key = 'charge:' || p.id WHERE p.order_id = $1`,
      [response.body.id],
    );
    expect(charges.rows[0].n).toBe(1);
  });
});
