// Cancelling: a buyer under the refund policy, an admin at any time, and every order of an
// event the organizer cancels — refunded, tickets returned, even across a restart halfway.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import {
  buy,
  CARDS,
  confirmedOrder,
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

const cancel = (p: OrderPlatform, token: string, orderId: string, body: Record<string, unknown> = {}) =>
  call(p.gateway, 'POST', `/api/v1/orders/${orderId}/cancel`, { token, body });

const ticketStatuses = async (p: OrderPlatform, ticketIds: string[]) =>
  (
    await p.sql.query('SELECT status FROM tickets.tickets WHERE id = ANY($1::uuid[]) ORDER BY status', [
      ticketIds,
    ])
  ).rows.map((row) => row.status);

describe('cancelling an order', () => {
  let p: OrderPlatform;
  let event: PublishedEvent;
  let soon: PublishedEvent;

  beforeAll(async () => {
    p = await startOrderPlatform({ env: { ORDER_REFUND_DEADLINE_HOURS: '48' } });
    event = await publishEvent(p, { startsInDays: 30 });
    soon = await publishEvent(p, { startsInDays: 1 });
  });
  afterAll(async () => {
    if (p) await expectInvariantsHold(p.t.databaseUrl);
    await p?.stop();
  });

  it('by its buyer, in time: refunded in full, tickets back on sale, announced', async () => {
    const { buyer, order } = await confirmedOrder(p, event);
    const response = await cancel(p, buyer.token, order.id, { reason: 'cannot make it' });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({
      status: 'CANCELLED',
      refundedAmount: order.total,
      cancellation: { by: 'buyer', reason: 'cannot make it' },
    });
    expect(response.body.cancelledAt).toEqual(expect.any(String));
    const ids = order.tickets.map((ticket: { id: string }) => ticket.id);
    expect(await ticketStatuses(p, ids)).toEqual(['AVAILABLE', 'AVAILABLE']);
    const payment = await p.sql.query(
      'SELECT status, refunded_amount FROM payments.payments WHERE order_id = $1',
      [order.id],
    );
    expect(payment.rows[0]).toMatchObject({ status: 'REFUNDED' });
    await expect
      .poll(() => p.events.filter((e) => e.key === order.id).map((e) => e.type), { timeout: 5_000 })
      .toEqual(expect.arrayContaining(['order-cancelled', 'payment-refunded']));
    // Asking again (a bare POST, no body) answers the cancelled order.
    const again = await call(p.gateway, 'POST', `/api/v1/orders/${order.id}/cancel`, { token: buyer.token });
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('CANCELLED');
    // The codes are revoked: the order's details carry none.
    const details = await call(p.gateway, 'GET', `/api/v1/orders/${order.id}`, { token: buyer.token });
    expect(details.body.tickets.every((ticket: { code: string | null }) => ticket.code === null)).toBe(true);
  });

  it('by its buyer, too close to the event: refused with the deadline; an admin may still', async () => {
    const { buyer, order } = await confirmedOrder(p, soon);
    const refused = await cancel(p, buyer.token, order.id);
    expectProblem(refused, 409, 'refund_deadline_passed');
    expect(refused.body.deadline).toEqual(expect.any(String));
    const byAdmin = await cancel(p, p.adminToken, order.id, { reason: 'goodwill' });
    expect(byAdmin.status, JSON.stringify(byAdmin.body)).toBe(200);
    expect(byAdmin.body).toMatchObject({
      status: 'CANCELLED',
      cancellation: { by: 'admin', reason: 'goodwill' },
    });
  });

  it('by its buyer, once a ticket was checked in: refused; an admin may, and the order records it', async () => {
    const { buyer, order } = await confirmedOrder(p, event);
    // The door admitted one of the two tickets (the scan itself is the ticket service's story).
    await p.sql.query(
      `UPDATE tickets.e_tickets SET checked_in_at = now(), checked_in_by = $2
       WHERE ticket_id = $1 AND revoked_at IS NULL`,
      [order.tickets[0].id, buyer.id],
    );
    const refused = await cancel(p, buyer.token, order.id);
    expectProblem(refused, 409, 'tickets_checked_in');
    expect(refused.body.checkedIn).toBe(1);
    expect(await orderStatus(p, order.id)).toBe('CONFIRMED/DONE');

    const byAdmin = await cancel(p, p.adminToken, order.id, { reason: 'wrong night, let in by mistake' });
    expect(byAdmin.status, JSON.stringify(byAdmin.body)).toBe(200);
    expect(byAdmin.body).toMatchObject({
      status: 'CANCELLED',
      refundedAmount: order.total,
      cancellation: { by: 'admin', reason: 'wrong night, let in by mistake', checkedInTicketsRefunded: 1 },
    });
    const stored = await p.sql.query('SELECT checked_in_tickets_refunded FROM orders.orders WHERE id = $1', [
      order.id,
    ]);
    expect(stored.rows[0].checked_in_tickets_refunded).toBe(1);
  });

  it("is not possible for someone else's order, nor for an order that is not confirmed", async () => {
    const { order } = await confirmedOrder(p, event);
    const stranger = await newBuyer(p);
    expectProblem(await cancel(p, stranger.token, order.id), 404, 'order_not_found');
    const buyer = await newBuyer(p);
    const hold = await holdStanding(p, buyer, event, 1);
    const failed = await buy(p, buyer, hold.id, { card: CARDS.declined });
    expectProblem(await cancel(p, buyer.token, failed.body.orderId), 409, 'order_not_cancellable');
  });
});

describe('an event the organizer cancels', () => {
  it('has every confirmed order refunded and cancelled, its tickets withdrawn', async () => {
    const p = await startOrderPlatform();
    try {
      const event = await publishEvent(p);
      const orders = [];
      for (let index = 0; index < 3; index++) orders.push((await confirmedOrder(p, event)).order);
      const cancelled = await call(p.gateway, 'POST', `/api/v1/events/${event.id}/cancel`, {
        token: p.adminToken,
        body: { reason: 'the orchestra is ill' },
      });
      expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
      for (const order of orders) {
        await expect.poll(() => orderStatus(p, order.id), { timeout: 20_000 }).toBe('CANCELLED/DONE');
      }
      const { rows } = await p.sql.query(
        `SELECT DISTINCT o.cancelled_by, o.cancel_reason, pay.status AS payment_status
         FROM orders.orders o JOIN payments.payments pay ON pay.order_id = o.id WHERE o.event_id = $1`,
        [event.id],
      );
      expect(rows).toEqual([
        {
          cancelled_by: 'event_cancelled',
          cancel_reason: 'The event was cancelled: the orchestra is ill',
          payment_status: 'REFUNDED',
        },
      ]);
      const ids = orders.flatMap((order) => order.tickets.map((ticket: { id: string }) => ticket.id));
      expect(new Set(await ticketStatuses(p, ids))).toEqual(new Set(['CANCELLED']));
      await expectInvariantsHold(p.t.databaseUrl);
    } finally {
      await p.stop();
    }
  }, 120_000);

  it('finishes refunding them after a restart halfway', async () => {
    const setup = await startOrderPlatform();
    const databaseUrl = setup.t.databaseUrl;
    let event: PublishedEvent;
    const orders: { id: string }[] = [];
    try {
      event = await publishEvent(setup);
      for (let index = 0; index < 3; index++) orders.push((await confirmedOrder(setup, event)).order);
    } finally {
      await setup.stop();
    }
    // The refunds go through, then the process dies before the tickets are returned.
    const crashing = await startOrderPlatform({
      databaseUrl,
      env: { ORDER_CRASH_AT: 'after-cancel-refund', ORDER_CRASH_MODE: 'throw' },
    });
    try {
      const cancelled = await call(crashing.gateway, 'POST', `/api/v1/events/${event.id}/cancel`, {
        token: crashing.adminToken,
        body: { reason: 'flooded hall' },
      });
      expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
      for (const order of orders) {
        await expect
          .poll(() => orderStatus(crashing, order.id), { timeout: 20_000 })
          .toBe('CONFIRMED/CANCEL_RETURN_TICKETS');
      }
    } finally {
      await crashing.stop();
    }
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    // The dead process's leases run out.
    await pool.query(
      `UPDATE orders.orders SET lease_until = now() - interval '1 second', next_attempt_at = now() WHERE saga_step <> 'DONE'`,
    );
    await pool.end();
    const p = await startOrderPlatform({ databaseUrl });
    try {
      for (const order of orders) {
        await expect.poll(() => orderStatus(p, order.id), { timeout: 20_000 }).toBe('CANCELLED/DONE');
      }
      const refunds = await p.sql.query(
        `SELECT count(*)::int AS n FROM payments.refunds r JOIN payments.payments pay ON pay.id = r.payment_id
         WHERE pay.order_id = ANY($1::uuid[])`,
        [orders.map((order) => order.id)],
      );
      // One refund per order, whatever the restarts.
      expect(refunds.rows[0].n).toBe(3);
      await expectInvariantsHold(databaseUrl);
    } finally {
      await p.stop();
    }
  }, 180_000);
});
