// The purchase, through the gateway, as a buyer lives it: hold, pay, get tickets with codes.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import {
  buy,
  CARDS,
  cardPayment,
  confirmedOrder,
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
  p = await startOrderPlatform({ env: { ORDER_FEE_BASIS_POINTS: '1000', ORDER_FEE_FIXED: '50' } });
  event = await publishEvent(p);
});
afterAll(() => p?.stop());

describe('buying a hold', () => {
  it('charges the card, sells the tickets and confirms the order with their codes', async () => {
    const buyer = await newBuyer(p);
    const hold = await holdStanding(p, buyer, event, 2);
    const response = await buy(p, buyer, hold.id);
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    const order = response.body;
    // 2 × 2500, a fee of 10 % + 0.50 per ticket.
    expect(order).toMatchObject({
      status: 'CONFIRMED',
      userId: buyer.id,
      eventId: event.id,
      holdId: hold.id,
      currency: 'EUR',
      quantity: 2,
      subtotal: 5_000,
      fees: 600,
      total: 5_600,
      refundedAmount: 0,
      failureCode: null,
      cancellation: null,
      event: { title: 'Night of the Strings', startsAt: event.startsAt },
    });
    expect(order.paymentId).toEqual(expect.any(String));
    expect(order.tickets).toHaveLength(2);
    for (const ticket of order.tickets) {
      expect(ticket).toMatchObject({
        price: 2_500,
        fee: 300,
        total: 2_800,
        status: 'SOLD',
        ticketTypeName: 'Standing',
      });
      expect(ticket.code).toEqual(expect.any(String));
      expect(ticket.qrUrl).toBe(`/api/v1/tickets/${ticket.id}/qr.svg`);
    }
    expect(order.tickets.map((ticket: { id: string }) => ticket.id).sort()).toEqual(
      hold.tickets.map((ticket) => ticket.id).sort(),
    );
    const qr = await call(p.gateway, 'GET', order.tickets[0].qrUrl, { token: buyer.token });
    expect(qr.status).toBe(200);
    await expect
      .poll(() => p.events.filter((e) => e.key === order.id).map((e) => e.type), { timeout: 5_000 })
      .toEqual(['order-created', 'order-confirmed']);
  });

  it('shows the order in the history, newest first, and in its details', async () => {
    const buyer = await newBuyer(p);
    const first = await confirmedOrder(p, event, buyer);
    const second = await confirmedOrder(p, event, buyer);
    const history = await call(p.gateway, 'GET', '/api/v1/orders', { token: buyer.token });
    expect(history.status).toBe(200);
    expect(history.body.items.map((order: { id: string }) => order.id)).toEqual([
      second.order.id,
      first.order.id,
    ]);
    const paged = await call(p.gateway, 'GET', '/api/v1/orders?limit=1', { token: buyer.token });
    expect(paged.body.items).toHaveLength(1);
    const next = await call(p.gateway, 'GET', `/api/v1/orders?limit=1&cursor=${paged.body.nextCursor}`, {
      token: buyer.token,
    });
    expect(next.body.items[0].id).toBe(first.order.id);
    expect(next.body.nextCursor).toBeNull();
    const details = await call(p.gateway, 'GET', `/api/v1/orders/${first.order.id}`, { token: buyer.token });
    expect(details.status).toBe(200);
    expect(details.body.tickets.every((ticket: { code: string }) => typeof ticket.code === 'string')).toBe(
      true,
    );
  });

  it("never shows one buyer's order to another, but shows every order to an admin", async () => {
    const { order } = await confirmedOrder(p, event);
    const stranger = await newBuyer(p);
    expectProblem(
      await call(p.gateway, 'GET', `/api/v1/orders/${order.id}`, { token: stranger.token }),
      404,
      'order_not_found',
    );
    const mine = await call(p.gateway, 'GET', '/api/v1/orders', { token: stranger.token });
    expect(mine.body.items).toEqual([]);
    const asAdmin = await call(p.gateway, 'GET', `/api/v1/orders/${order.id}`, { token: p.adminToken });
    expect(asAdmin.status).toBe(200);
    const search = await call(p.gateway, 'GET', `/api/v1/orders/search?userId=${order.userId}`, {
      token: p.adminToken,
    });
    expect(search.status, JSON.stringify(search.body)).toBe(200);
    expect(search.body.items.map((item: { id: string }) => item.id)).toContain(order.id);
    const byEvent = await call(
      p.gateway,
      'GET',
      `/api/v1/orders/search?eventId=${event.id}&status=CONFIRMED`,
      {
        token: p.adminToken,
      },
    );
    expect(byEvent.body.items.length).toBeGreaterThan(0);
    expectProblem(await call(p.gateway, 'GET', '/api/v1/orders/search', { token: stranger.token }), 403);
  });
});

describe('a purchase that cannot happen', () => {
  it('needs an Idempotency-Key', async () => {
    const buyer = await newBuyer(p);
    const hold = await holdStanding(p, buyer, event, 1);
    const response = await buy(p, buyer, hold.id, { key: null });
    expectProblem(response, 400, 'idempotency_key_required', 'Idempotency-Key');
  });

  it("refuses someone else's hold with 409, and an unknown one with 404", async () => {
    const owner = await newBuyer(p);
    const thief = await newBuyer(p);
    const hold = await holdStanding(p, owner, event, 1);
    expectProblem(await buy(p, thief, hold.id), 409, 'hold_not_owned');
    expectProblem(await buy(p, thief, randomUUID()), 404, 'hold_not_found');
  });

  it('refuses a released or an already bought hold with 409', async () => {
    const buyer = await newBuyer(p);
    const released = await holdStanding(p, buyer, event, 1);
    await call(p.gateway, 'DELETE', `/api/v1/holds/${released.id}`, { token: buyer.token });
    expectProblem(await buy(p, buyer, released.id), 409, 'hold_released');
    const { hold } = await confirmedOrder(p, event, buyer);
    const again = await buy(p, buyer, hold.id);
    expect(again.status).toBe(409);
    expect(['hold_in_use', 'hold_sold']).toContain(again.body.code);
  });

  it('refuses an expired hold with 409', async () => {
    const buyer = await newBuyer(p);
    const hold = await holdStanding(p, buyer, event, 1);
    await p.sql.query(`UPDATE tickets.holds SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      hold.id,
    ]);
    expectProblem(await buy(p, buyer, hold.id), 409, 'hold_expired');
  });

  it('validates the body before anything happens', async () => {
    const buyer = await newBuyer(p);
    const hold = await holdStanding(p, buyer, event, 1);
    expectProblem(await buy(p, buyer, hold.id, { body: { holdId: hold.id } }), 400, 'validation_failed');
    expectProblem(
      await buy(p, buyer, hold.id, { body: { holdId: 'nope', payment: cardPayment() } }),
      400,
      'validation_failed',
    );
    expectProblem(
      await call(p.gateway, 'POST', '/api/v1/orders', { body: { holdId: hold.id, payment: cardPayment() } }),
      401,
    );
  });

  it('keeps the hold after an invalid card number, so the buyer can correct it', async () => {
    const buyer = await newBuyer(p);
    const hold = await holdStanding(p, buyer, event, 1);
    const response = await buy(p, buyer, hold.id, { card: '4242424242424241' });
    expectProblem(response, 400, 'invalid_card_number');
    expect(response.body.orderId).toEqual(expect.any(String));
    const retry = await buy(p, buyer, hold.id, { card: CARDS.success });
    expect(retry.status, JSON.stringify(retry.body)).toBe(201);
  });
});

afterAll(async () => {
  if (p) await expectInvariantsHold(p.t.databaseUrl);
});
