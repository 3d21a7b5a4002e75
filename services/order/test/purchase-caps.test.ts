// Purchase caps of an on-sale (issue 11), told as the buyers and the admin live them: one
// payment card and one network (IPv4 /24, IPv6 /48) buy at most so many tickets per event,
// whichever accounts they buy for; a refused order is never charged and its seats go back on
// sale; concurrent orders cannot both slip past a cap; an admin sees the blocks and lifts one.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import {
  type Buyer,
  cardPayment,
  expectInvariantsHold,
  expectProblem,
  holdStanding,
  newBuyer,
  type OrderPlatform,
  publishEvent,
  startOrderPlatform,
} from './support.js';

let p: OrderPlatform;

beforeAll(async () => {
  p = await startOrderPlatform({
    env: {
      ORDER_MAX_TICKETS_PER_IP_RANGE: '6',
      PAYMENT_MAX_TICKETS_PER_CARD: '4',
      // The tests speak for buyers at many addresses through X-Forwarded-For.
      GATEWAY_TRUST_PROXY: 'loopback',
    },
  });
});
afterAll(() => p?.stop());

/** A card number that passes Luhn (the sandbox charges any such number successfully). */
function newCardNumber(): string {
  const body = `4${String(Math.floor(Math.random() * 1e14)).padStart(14, '0')}`;
  for (let check = 0; check <= 9; check++) {
    const digits = body + check;
    let sum = 0;
    for (let index = 0; index < digits.length; index++) {
      let digit = Number(digits[digits.length - 1 - index]);
      if (index % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
      sum += digit;
    }
    if (sum % 10 === 0) return digits;
  }
  throw new Error('unreachable');
}

let networks = 0;
/** An address in a network no other story uses. */
function newNetwork(): (host: number) => string {
  networks += 1;
  return (host) => `198.${18 + Math.floor(networks / 250)}.${networks % 250}.${host}`;
}

function buyFrom(buyer: Buyer, holdId: string, address: string, card: string) {
  return call(p.gateway, 'POST', '/api/v1/orders', {
    token: buyer.token,
    headers: { 'idempotency-key': randomUUID(), 'x-forwarded-for': address },
    body: { holdId, payment: cardPayment(card) },
  });
}

async function holdStatus(holdId: string): Promise<string> {
  const { rows } = await p.sql.query('SELECT status FROM tickets.holds WHERE id = $1', [holdId]);
  return rows[0]?.status;
}

describe('the per-card cap', () => {
  it('lets one card pay for 4 tickets of an event across accounts, refuses the fifth without charging', async () => {
    const event = await publishEvent(p);
    const card = newCardNumber();
    for (let index = 0; index < 2; index++) {
      const buyer = await newBuyer(p);
      const hold = await holdStanding(p, buyer, event, 2);
      const bought = await buyFrom(buyer, hold.id, newNetwork()(1), card);
      expect(bought.status, JSON.stringify(bought.body)).toBe(201);
    }
    const third = await newBuyer(p);
    const hold = await holdStanding(p, third, event, 1);
    const refused = await buyFrom(third, hold.id, newNetwork()(1), card);
    expectProblem(refused, 409, 'card_limit_reached');
    expect(refused.body.detail).toContain('At most 4 tickets per payment card');
    expect(refused.body).toMatchObject({ reason: 'per_card_limit', orderStatus: 'FAILED' });
    expect(await holdStatus(hold.id)).toBe('RELEASED');
    const { rows } = await p.sql.query(
      'SELECT status, failure_code FROM payments.payments WHERE order_id = $1',
      [refused.body.orderId],
    );
    expect(rows).toEqual([{ status: 'FAILED', failure_code: 'card_limit_reached' }]);

    // Another event is another cap.
    const other = await publishEvent(p);
    const elsewhere = await holdStanding(p, third, other, 2);
    expect((await buyFrom(third, elsewhere.id, newNetwork()(1), card)).status).toBe(201);
  });

  it('lets exactly two of six concurrent 2-ticket orders with one card through', async () => {
    const event = await publishEvent(p);
    const card = newCardNumber();
    const buyers = await Promise.all(Array.from({ length: 6 }, () => newBuyer(p)));
    const holds = await Promise.all(buyers.map((buyer) => holdStanding(p, buyer, event, 2)));
    const answers = await Promise.all(
      buyers.map((buyer, index) => buyFrom(buyer, holds[index]!.id, newNetwork()(1), card)),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses, JSON.stringify(answers.map((answer) => answer.body))).toEqual([
      201, 201, 409, 409, 409, 409,
    ]);
    expect(
      answers.filter((answer) => answer.status === 409).every((a) => a.body.code === 'card_limit_reached'),
    ).toBe(true);
  });
});

describe('the per-IP-range cap', () => {
  it('lets one /24 buy 6 tickets of an event, refuses more with the range named and releases the hold', async () => {
    const event = await publishEvent(p);
    const network = newNetwork();
    for (let index = 0; index < 3; index++) {
      const buyer = await newBuyer(p);
      const hold = await holdStanding(p, buyer, event, 2);
      const bought = await buyFrom(buyer, hold.id, network(10 + index), newCardNumber());
      expect(bought.status, JSON.stringify(bought.body)).toBe(201);
    }
    const buyer = await newBuyer(p);
    const hold = await holdStanding(p, buyer, event, 1);
    const refused = await buyFrom(buyer, hold.id, network(99), newCardNumber());
    expectProblem(refused, 409, 'ip_range_limit_reached');
    const range = network(0).replace(/\.0$/, '.0/24');
    expect(refused.body).toMatchObject({
      reason: 'per_ip_range_limit',
      limit: 6,
      alreadyBought: 6,
      requested: 1,
    });
    expect(refused.body.detail).toContain(range);
    expect(await holdStatus(hold.id)).toBe('RELEASED');
    // Nothing was recorded for it: no order, no payment.
    const { rows } = await p.sql.query(
      'SELECT count(*)::int AS count FROM orders.orders WHERE hold_id = $1',
      [hold.id],
    );
    expect(rows[0].count).toBe(0);

    // The same account from another network may buy.
    const again = await holdStanding(p, buyer, event, 1);
    expect((await buyFrom(buyer, again.id, newNetwork()(1), newCardNumber())).status).toBe(201);
  });

  it('counts an IPv6 /48 as one network', async () => {
    const event = await publishEvent(p);
    const answers = [];
    for (const address of ['2001:db8:77:1::1', '2001:db8:77:2::1', '2001:db8:77:ffff::9', '2001:db8:77::5']) {
      const buyer = await newBuyer(p);
      const hold = await holdStanding(p, buyer, event, 2);
      answers.push(await buyFrom(buyer, hold.id, address, newCardNumber()));
    }
    expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201, 409]);
    expect(answers[3]!.body.detail).toContain('2001:db8:77::/48');
  });

  it('lets exactly three of eight concurrent 2-ticket orders from one /24 through', async () => {
    const event = await publishEvent(p);
    const network = newNetwork();
    const buyers = await Promise.all(Array.from({ length: 8 }, () => newBuyer(p)));
    const holds = await Promise.all(buyers.map((buyer) => holdStanding(p, buyer, event, 2)));
    const answers = await Promise.all(
      buyers.map((buyer, index) => buyFrom(buyer, holds[index]!.id, network(index + 1), newCardNumber())),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses, JSON.stringify(answers.map((answer) => answer.body))).toEqual([
      201, 201, 201, 409, 409, 409, 409, 409,
    ]);
    const { rows } = await p.sql.query(
      "SELECT coalesce(sum(quantity), 0)::int AS tickets FROM orders.orders WHERE event_id = $1 AND status = 'CONFIRMED'",
      [event.id],
    );
    expect(rows[0].tickets).toBe(6);
  });
});

describe('the admin view of blocks', () => {
  it('lists refused ranges and cards (never a card number), and a lift lets the buyer through', async () => {
    const event = await publishEvent(p);
    const network = newNetwork();
    const card = newCardNumber();
    const buyers = await Promise.all(Array.from({ length: 4 }, () => newBuyer(p)));
    for (const [index, buyer] of buyers.slice(0, 3).entries()) {
      const hold = await holdStanding(p, buyer, event, 2);
      expect((await buyFrom(buyer, hold.id, network(index + 1), newCardNumber())).status).toBe(201);
    }
    const late = buyers[3]!;
    const refusedHold = await holdStanding(p, late, event, 2);
    expectProblem(await buyFrom(late, refusedHold.id, network(50), card), 409, 'ip_range_limit_reached');
    const again = await holdStanding(p, late, event, 2);
    expectProblem(await buyFrom(late, again.id, network(51), card), 409, 'ip_range_limit_reached');

    const ranges = await call(p.gateway, 'GET', `/api/v1/orders/purchase-blocks?eventId=${event.id}`, {
      token: p.adminToken,
    });
    expect(ranges.status, JSON.stringify(ranges.body)).toBe(200);
    const range = network(0).replace(/\.0$/, '.0/24');
    expect(ranges.body.items).toEqual([
      expect.objectContaining({
        eventId: event.id,
        kind: 'ip_range',
        key: range,
        refusals: 2,
        ticketsBought: 6,
        limit: 6,
        extraAllowed: 0,
      }),
    ]);

    // Buyers may not look, nor lift; bad lifts are named.
    expectProblem(await call(p.gateway, 'GET', '/api/v1/orders/purchase-blocks', { token: late.token }), 403);
    expectProblem(
      await call(p.gateway, 'POST', '/api/v1/orders/purchase-blocks/lift', {
        token: late.token,
        body: { eventId: event.id, key: range, extraTickets: 2, reason: 'me' },
      }),
      403,
    );
    const lift = (body: Record<string, unknown>) =>
      call(p.gateway, 'POST', '/api/v1/orders/purchase-blocks/lift', { token: p.adminToken, body });
    expectProblem(
      await lift({ eventId: event.id, key: range, extraTickets: 0, reason: 'x' }),
      400,
      undefined,
      'extraTickets',
    );
    expectProblem(await lift({ eventId: event.id, key: range, extraTickets: 2 }), 400, undefined, 'reason');
    expectProblem(
      await lift({ eventId: 'nope', key: range, extraTickets: 2, reason: 'x' }),
      400,
      undefined,
      'eventId',
    );
    expectProblem(
      await lift({ eventId: event.id, key: '192.0.2.0/24', extraTickets: 2, reason: 'x' }),
      404,
      'purchase_block_not_found',
    );
    expectProblem(
      await call(p.gateway, 'GET', '/api/v1/orders/purchase-blocks?limit=0', { token: p.adminToken }),
      400,
      undefined,
      'limit',
    );

    const lifted = await lift({
      eventId: event.id,
      key: range,
      extraTickets: 2,
      reason: 'a school trip, checked by phone',
    });
    expect(lifted.status, JSON.stringify(lifted.body)).toBe(201);
    expect(lifted.body).toMatchObject({ kind: 'ip_range', key: range, extraTickets: 2, effectiveLimit: 8 });
    const { rows } = await p.sql.query(
      'SELECT reason, granted_by FROM orders.ip_range_allowances WHERE event_id = $1',
      [event.id],
    );
    expect(rows).toEqual([{ reason: 'a school trip, checked by phone', granted_by: expect.any(String) }]);

    const third = await holdStanding(p, late, event, 2);
    expect((await buyFrom(late, third.id, network(52), card)).status).toBe(201);
  });

  it('lists a refused card by brand, last four and short fingerprint, and lifts it', async () => {
    const event = await publishEvent(p);
    const card = newCardNumber();
    const buyer = await newBuyer(p);
    const first = await holdStanding(p, buyer, event, 4);
    expect((await buyFrom(buyer, first.id, newNetwork()(1), card)).status).toBe(201);
    const other = await newBuyer(p);
    const second = await holdStanding(p, other, event, 2);
    expectProblem(await buyFrom(other, second.id, newNetwork()(1), card), 409, 'card_limit_reached');

    const cards = await call(p.gateway, 'GET', `/api/v1/payments/purchase-blocks?eventId=${event.id}`, {
      token: p.adminToken,
    });
    expect(cards.status, JSON.stringify(cards.body)).toBe(200);
    expect(cards.body.items).toHaveLength(1);
    const block = cards.body.items[0];
    expect(block).toMatchObject({ kind: 'card', refusals: 1, ticketsBought: 4, limit: 4, extraAllowed: 0 });
    expect(block.key).toMatch(/^[0-9a-f]{16}$/);
    expect(block.label).toContain(`•••• ${card.slice(-4)}`);
    expect(JSON.stringify(cards.body)).not.toContain(card);

    expectProblem(
      await call(p.gateway, 'GET', '/api/v1/payments/purchase-blocks', { token: buyer.token }),
      403,
    );
    const lift = (body: Record<string, unknown>) =>
      call(p.gateway, 'POST', '/api/v1/payments/purchase-blocks/lift', { token: p.adminToken, body });
    expectProblem(
      await lift({ eventId: event.id, key: 'ffffffffffffffff', extraTickets: 2, reason: 'x' }),
      404,
      'purchase_block_not_found',
    );
    expectProblem(
      await lift({ eventId: event.id, key: block.key, extraTickets: 2, reason: '' }),
      400,
      undefined,
      'reason',
    );
    const lifted = await lift({ eventId: event.id, key: block.key, extraTickets: 2, reason: 'family card' });
    expect(lifted.status, JSON.stringify(lifted.body)).toBe(201);
    expect(lifted.body).toMatchObject({ kind: 'card', key: block.key, effectiveLimit: 6 });

    const retry = await holdStanding(p, other, event, 2);
    expect((await buyFrom(other, retry.id, newNetwork()(1), card)).status).toBe(201);
  });

  it('leaves the data-safety invariants intact', async () => {
    await expectInvariantsHold(p.t.databaseUrl);
  });
});
