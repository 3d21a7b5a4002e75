// One Idempotency-Key, one purchase: retries answer the first order and never charge twice.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buy,
  CARDS,
  cardPayment,
  expectInvariantsHold,
  expectProblem,
  holdStanding,
  newBuyer,
  type OrderPlatform,
  type PublishedEvent,
  publishEvent,
  startOrderPlatform,
} from './support.js';

let p: OrderPlatform;
let event: PublishedEvent;

beforeAll(async () => {
  p = await startOrderPlatform();
  event = await publishEvent(p, { standing: 100 });
});
afterAll(async () => {
  if (p) await expectInvariantsHold(p.t.databaseUrl);
  await p?.stop();
});

const chargesOf = async (orderId: string) =>
  (
    await p.sql.query(
      `SELECT count(*)::int AS n FROM payments.sandbox_ledger l JOIN payments.payments p
         ON l.idempotency_key = 'charge:' || p.id WHERE p.order_id = $1`,
      [orderId],
    )
  ).rows[0].n as number;

describe('the same purchase sent again with its key', () => {
  it('answers the first order with 200, charged once', async () => {
    const buyer = await newBuyer(p);
    const hold = await holdStanding(p, buyer, event);
    const key = randomUUID();
    const first = await buy(p, buyer, hold.id, { key });
    expect(first.status).toBe(201);
    const again = await buy(p, buyer, hold.id, { key });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.status).toBe('CONFIRMED');
    expect(await chargesOf(first.body.id)).toBe(1);
  });

  it('answers a declined purchase with the same 402 again', async () => {
    const buyer = await newBuyer(p);
    const hold = await holdStanding(p, buyer, event);
    const key = randomUUID();
    const first = await buy(p, buyer, hold.id, { key, card: CARDS.declined });
    const again = await buy(p, buyer, hold.id, { key, card: CARDS.declined });
    expectProblem(again, 402, 'card_declined');
    expect(again.body.orderId).toBe(first.body.orderId);
  });

  it('with another body answers 422', async () => {
    const buyer = await newBuyer(p);
    const hold = await holdStanding(p, buyer, event);
    const other = await holdStanding(p, buyer, event, 1);
    const key = randomUUID();
    await buy(p, buyer, hold.id, { key });
    const response = await buy(p, buyer, other.id, { key });
    expectProblem(response, 422, 'idempotency_key_reused', 'Idempotency-Key');
    expectProblem(
      await buy(p, buyer, hold.id, {
        key,
        body: { holdId: hold.id, payment: cardPayment('5555555555554444') },
      }),
      422,
      'idempotency_key_reused',
    );
  });

  it('is scoped to its buyer: another buyer with the same key makes their own order', async () => {
    const key = randomUUID();
    const alice = await newBuyer(p);
    const bob = await newBuyer(p);
    const a = await buy(p, alice, (await holdStanding(p, alice, event, 1)).id, { key });
    const b = await buy(p, bob, (await holdStanding(p, bob, event, 1)).id, { key });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(a.body.id).not.toBe(b.body.id);
  });

  it('eight times at once makes one order and one charge', async () => {
    const buyer = await newBuyer(p);
    const hold = await holdStanding(p, buyer, event);
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 8 }, () => buy(p, buyer, hold.id, { key })));
    for (const answer of answers) expect([200, 201], JSON.stringify(answer.body)).toContain(answer.status);
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1);
    const ids = new Set(answers.map((answer) => answer.body.id));
    expect(ids.size).toBe(1);
    const [orderId] = [...ids] as string[];
    const orders = await p.sql.query('SELECT count(*)::int AS n FROM orders.orders WHERE hold_id = $1', [
      hold.id,
    ]);
    expect(orders.rows[0].n).toBe(1);
    const payments = await p.sql.query(
      'SELECT count(*)::int AS n FROM payments.payments WHERE order_id = $1',
      [orderId],
    );
    expect(payments.rows[0].n).toBe(1);
    expect(await chargesOf(orderId!)).toBe(1);
  });

  it('with different keys at once for one hold makes one order; the others are told the hold is in use', async () => {
    const buyer = await newBuyer(p);
    const hold = await holdStanding(p, buyer, event);
    const answers = await Promise.all(Array.from({ length: 4 }, () => buy(p, buyer, hold.id)));
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1);
    for (const answer of answers.filter((a) => a.status !== 201)) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(409);
      expect(['hold_in_use', 'hold_sold']).toContain(answer.body.code);
    }
    const payments = await p.sql.query(
      `SELECT count(*)::int AS n FROM payments.payments p JOIN orders.orders o ON o.id = p.order_id WHERE o.hold_id = $1`,
      [hold.id],
    );
    expect(payments.rows[0].n).toBe(1);
  });
});
