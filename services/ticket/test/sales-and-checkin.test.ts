// Sale, e-ticket and door stories: the order service buys a hold, the buyer gets signed
// e-tickets with QR codes, staff admit each ticket once; refunds and a cancelled event take
// tickets back and the door refuses them.
import { randomUUID } from 'node:crypto';
import { Topics } from '@ticketing/contracts';
import { newId } from '@ticketing/platform';
import {
  CompactSign,
  compactVerify,
  createLocalJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { TEST_ADMIN } from '../../../tools/test/platform.js';
import { login, registerAndLogin } from '../../user/test/support.js';
import {
  asService,
  asUser,
  expectProblem,
  hold,
  newUserId,
  publishInventory,
  sell,
  startTicketPlatform,
  TEST_ORGANIZER_ID,
  type TicketTestPlatform,
  type Venue,
  venue,
} from './support.js';

let t: TicketTestPlatform;
let show: Venue;
let staffToken: string;

beforeAll(async () => {
  t = await startTicketPlatform();
  show = await publishInventory(
    t,
    venue({
      sections: [{ name: 'Stalls', rows: 3, seatsPerRow: 10, category: 'Premium', price: 7500 }],
      ticketTypes: [{ name: 'Standing', price: 2000, quantity: 30 }],
    }),
  );
  // A door scanner: an account an admin gave the STAFF role, working for the venues' organizer.
  const { account, user } = await registerAndLogin(t.gatewayUrl);
  const admin = await login(t.gatewayUrl, TEST_ADMIN.username, TEST_ADMIN.password);
  const promoted = await call(t.gatewayUrl, 'PUT', `/api/v1/users/${user.id}/roles`, {
    token: admin.accessToken,
    body: { roles: ['USER', 'STAFF'] },
  });
  expect(promoted.status, JSON.stringify(promoted.body)).toBe(200);
  const assigned = await call(
    t.gatewayUrl,
    'PUT',
    `/api/v1/checkin/staff/${user.id}?organizerId=${TEST_ORGANIZER_ID}`,
    { token: admin.accessToken },
  );
  expect(assigned.status, JSON.stringify(assigned.body)).toBe(200);
  staffToken = (await login(t.gatewayUrl, account.username, account.password)).accessToken;
});
afterAll(() => t?.stop());

async function buy(buyer: string, body: Record<string, unknown>, orderId = randomUUID()) {
  const held = await hold(t, buyer, { eventId: show.eventId, ...body });
  expect(held.status, JSON.stringify(held.body)).toBe(201);
  const sold = await sell(t, held.body.id, buyer, orderId);
  expect(sold.status, JSON.stringify(sold.body)).toBe(200);
  return { hold: held.body, sale: sold.body };
}

const scan = (code: string, extra: Record<string, unknown> = {}) =>
  call(t.gatewayUrl, 'POST', '/api/v1/checkin', { token: staffToken, body: { code, ...extra } });

describe('selling a hold', () => {
  it("turns the buyer's hold into sold tickets with signed e-tickets, and announces ticket-sold", async () => {
    const buyer = newUserId();
    const orderId = randomUUID();
    const { hold: held, sale } = await buy(buyer, { seatIds: [show.seat('Stalls', 'A', 5)] }, orderId);
    expect(sale).toMatchObject({
      holdId: held.id,
      orderId,
      eventId: show.eventId,
      userId: buyer,
      total: 7500,
      currency: 'EUR',
    });
    expect(sale.tickets).toHaveLength(1);
    const ticket = sale.tickets[0];
    expect(ticket).toMatchObject({
      label: 'Stalls · Row A · Seat 5',
      status: 'SOLD',
      orderId,
      ownerId: buyer,
      checkedInAt: null,
    });
    expect(ticket.code).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    await expect
      .poll(() =>
        t.published.find(
          (event) => event.type === Topics.ticketSold && (event.payload as any).orderId === orderId,
        ),
      )
      .toMatchObject({ key: show.eventId, payload: { holdId: held.id, userId: buyer } });

    // Repeating the call with the same order answers the same sale, read back from the database
    // (the first answer was made from what the sale wrote): field for field the same.
    const again = await sell(t, held.id, buyer, orderId);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(sale);
    const read = await call(t.ticketUrl, 'GET', `/api/v1/holds/${held.id}`, {
      headers: await asUser(t, buyer),
    });
    expect(read.body).toMatchObject({ status: 'SOLD', orderId });
  });

  it("refuses to sell someone else's hold, an unknown hold, a released one, or one sold to another order", async () => {
    const buyer = newUserId();
    const held = await hold(t, buyer, { eventId: show.eventId, seatIds: [show.seat('Stalls', 'A', 6)] });
    expectProblem(await sell(t, held.body.id, newUserId()), 409, 'hold_not_owned', 'userId');
    expectProblem(await sell(t, randomUUID(), buyer), 404, 'hold_not_found');
    expect((await sell(t, held.body.id, buyer)).status).toBe(200);
    expectProblem(await sell(t, held.body.id, buyer), 409, 'hold_already_sold', 'orderId');

    const released = await hold(t, buyer, { eventId: show.eventId, seatIds: [show.seat('Stalls', 'A', 7)] });
    await call(t.ticketUrl, 'DELETE', `/api/v1/holds/${released.body.id}`, {
      headers: await asUser(t, buyer),
    });
    expectProblem(await sell(t, released.body.id, buyer), 409, 'hold_released');
  });

  it('lets the order service release a hold when payment fails, but only its owner', async () => {
    const buyer = newUserId();
    const held = await hold(t, buyer, { eventId: show.eventId, seatIds: [show.seat('Stalls', 'A', 8)] });
    const release = (userId: string) =>
      asService(t, 'order').then((headers) =>
        call(t.ticketUrl, 'POST', `/api/v1/internal/holds/${held.body.id}/release`, {
          headers,
          body: { userId, reason: 'payment_failed' },
        }),
      );
    expectProblem(await release(newUserId()), 409, 'hold_not_owned');
    expect((await release(buyer)).status).toBe(204);
    await expect
      .poll(() =>
        t.published.find(
          (event) => event.type === Topics.ticketReleased && (event.payload as any).holdId === held.body.id,
        ),
      )
      .toMatchObject({ payload: { reason: 'payment_failed' } });
  });

  it('gives the buyer their tickets and QR codes, and hides them from everyone else', async () => {
    const buyer = newUserId();
    const { sale } = await buy(buyer, {
      items: [{ ticketTypeId: show.ticketTypeId('Standing'), quantity: 2 }],
    });
    const mine = await call(t.ticketUrl, 'GET', `/api/v1/tickets?eventId=${show.eventId}`, {
      headers: await asUser(t, buyer),
    });
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((ticket: any) => ticket.id).sort()).toEqual(
      sale.tickets.map((ticket: any) => ticket.id).sort(),
    );
    expect(mine.body.items.every((ticket: any) => ticket.ticketTypeName === 'Standing' && ticket.code)).toBe(
      true,
    );

    const ticketId = sale.tickets[0].id;
    const qr = await call(t.ticketUrl, 'GET', `/api/v1/tickets/${ticketId}/qr.svg`, {
      headers: await asUser(t, buyer),
    });
    expect(qr.status).toBe(200);
    expect(String(qr.headers['content-type'])).toContain('image/svg+xml');
    expect(qr.body).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const stranger = await asUser(t, newUserId());
    expectProblem(
      await call(t.ticketUrl, 'GET', `/api/v1/tickets/${ticketId}/qr.svg`, { headers: stranger }),
      404,
      'ticket_not_found',
    );
    expectProblem(
      await call(t.ticketUrl, 'GET', `/api/v1/tickets/${ticketId}`, { headers: stranger }),
      404,
      'ticket_not_found',
    );

    const ofOrder = await call(t.ticketUrl, 'GET', `/api/v1/internal/orders/${sale.orderId}/tickets`, {
      headers: await asService(t, 'order'),
    });
    // The sale's own answer (made from what it wrote) is what the order's tickets read back say.
    const byId = (a: any, b: any) => a.id.localeCompare(b.id);
    expect([...ofOrder.body.items].sort(byId)).toEqual([...sale.tickets].sort(byId));
  });
});

describe('at the door', () => {
  it('lets a scanner verify a code offline with the published public key', async () => {
    const { sale } = await buy(newUserId(), { seatIds: [show.seat('Stalls', 'B', 1)] });
    const keys = await call(t.gatewayUrl, 'GET', '/api/v1/checkin/public-key', { token: staffToken });
    expect(keys.status).toBe(200);
    const { payload, protectedHeader } = await compactVerify(
      sale.tickets[0].code,
      createLocalJWKSet(keys.body),
    );
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', typ: 'ticket+jws' });
    expect(JSON.parse(new TextDecoder().decode(payload))).toMatchObject({
      t: sale.tickets[0].id,
      e: show.eventId,
    });
  });

  it('admits a ticket once; the second scan says when and by whom it was first scanned', async () => {
    const { sale } = await buy(newUserId(), { seatIds: [show.seat('Stalls', 'B', 2)] });
    const code = sale.tickets[0].code;
    const first = await scan(code, { eventId: show.eventId });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({
      admitted: true,
      ticketId: sale.tickets[0].id,
      eventId: show.eventId,
      label: 'Stalls · Row B · Seat 2',
      category: 'Premium',
    });
    const second = await scan(code);
    expectProblem(second, 409, 'already_checked_in', 'code');
    expect(second.body.firstScannedAt).toBe(first.body.checkedInAt);
    expect(second.body.firstScannedBy).toBe(first.body.checkedInBy);
  });

  it('admits only one of two doors scanning the same ticket at once', async () => {
    const { sale } = await buy(newUserId(), { seatIds: [show.seat('Stalls', 'B', 3)] });
    const answers = await Promise.all(Array.from({ length: 10 }, () => scan(sale.tickets[0].code)));
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    for (const answer of answers.filter((candidate) => candidate.status !== 200))
      expectProblem(answer, 409, 'already_checked_in');
  });

  it('refuses forged, tampered and malformed codes', async () => {
    const { sale } = await buy(newUserId(), { seatIds: [show.seat('Stalls', 'B', 4)] });
    const [header, payload, signature] = sale.tickets[0].code.split('.');
    const tampered = `${header}.${payload}.${signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`}`;
    expectProblem(await scan(tampered), 422, 'forged_ticket_code', 'code');

    // A code for the same ticket, signed by someone else's key under our key id.
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    expect(await exportJWK(privateKey)).toBeDefined();
    const kid = decodeProtectedHeader(sale.tickets[0].code).kid;
    const forged = await new CompactSign(
      new TextEncoder().encode(JSON.stringify({ t: sale.tickets[0].id, e: show.eventId, c: randomUUID() })),
    )
      .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'ticket+jws' })
      .sign(privateKey);
    expectProblem(await scan(forged), 422, 'forged_ticket_code');
    expectProblem(await scan('let me in'), 400, 'malformed_ticket_code', 'code');
    expectProblem(await scan(''), 400, 'validation_failed', 'code');
  });

  it('refuses a ticket of another event, and lets only staff scan', async () => {
    const { sale } = await buy(newUserId(), { seatIds: [show.seat('Stalls', 'B', 5)] });
    expectProblem(await scan(sale.tickets[0].code, { eventId: randomUUID() }), 409, 'wrong_event', 'eventId');
    const { tokens } = await registerAndLogin(t.gatewayUrl);
    const asBuyer = await call(t.gatewayUrl, 'POST', '/api/v1/checkin', {
      token: tokens.accessToken,
      body: { code: sale.tickets[0].code },
    });
    expect(asBuyer.status).toBe(403);
    // Defense in depth: the ticket service checks the role itself too.
    const direct = await call(t.ticketUrl, 'POST', '/api/v1/checkin', {
      headers: await asUser(t, newUserId(), ['USER']),
      body: { code: sale.tickets[0].code },
    });
    expectProblem(direct, 403);
  });
});

describe('refunds', () => {
  it('puts refunded tickets back on sale, revokes their e-tickets, and is safe to repeat', async () => {
    const buyer = newUserId();
    const seatId = show.seat('Stalls', 'C', 1);
    const { sale } = await buy(buyer, { seatIds: [seatId, show.seat('Stalls', 'C', 2)] });
    const refund = async (body: Record<string, unknown>) =>
      call(t.ticketUrl, 'POST', '/api/v1/internal/tickets/release-sold', {
        headers: await asService(t, 'order'),
        body,
      });
    const first = await refund({
      orderId: sale.orderId,
      ticketIds: [sale.tickets[0].id],
      reason: 'refunded',
    });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toEqual({
      orderId: sale.orderId,
      released: 1,
      tickets: [{ id: sale.tickets[0].id, status: 'AVAILABLE' }],
    });
    expectProblem(await scan(sale.tickets[0].code), 409, 'ticket_refunded');
    expect((await scan(sale.tickets[1].code)).status).toBe(200);
    await expect
      .poll(() =>
        t.published.find(
          (event) =>
            event.type === Topics.ticketCancelled &&
            (event.payload as any).tickets[0]?.ticketId === sale.tickets[0].id,
        ),
      )
      .toMatchObject({ payload: { reason: 'refunded', eventId: show.eventId } });

    const again = await refund({
      orderId: sale.orderId,
      ticketIds: [sale.tickets[0].id],
      reason: 'refunded',
    });
    expect(again.body.released).toBe(0);
    const whole = await refund({ orderId: sale.orderId, reason: 'refunded' });
    expect(whole.body.released).toBe(1);
    expectProblem(
      await refund({ orderId: sale.orderId, ticketIds: [randomUUID()], reason: 'refunded' }),
      400,
      'unknown_tickets',
      'ticketIds',
    );
    expectProblem(
      await refund({ orderId: randomUUID(), reason: 'refunded' }),
      404,
      'order_tickets_not_found',
    );

    // The seat can be bought again, with a new code.
    const resale = await buy(newUserId(), { seatIds: [seatId] });
    expect(resale.sale.tickets[0].code).not.toBe(sale.tickets[0].code);
    expect((await scan(resale.sale.tickets[0].code)).status).toBe(200);
  });
});

describe('a cancelled event', () => {
  it('withdraws unsold tickets, ends holds, refuses sold tickets at the door, once per event', async () => {
    const plan = await publishInventory(
      t,
      venue({
        sections: [{ name: 'Hall', rows: 1, seatsPerRow: 6, category: 'Any', price: 3000 }],
        ticketTypes: [{ name: 'GA', price: 1000, quantity: 4 }],
      }),
    );
    const buyer = newUserId();
    const bought = await hold(t, buyer, { eventId: plan.eventId, seatIds: [plan.seat('Hall', 'A', 1)] });
    const sold = await sell(t, bought.body.id, buyer);
    const pending = await hold(t, newUserId(), {
      eventId: plan.eventId,
      items: [{ ticketTypeId: plan.ticketTypeId('GA'), quantity: 2 }],
    });
    const event = {
      id: newId(),
      type: Topics.eventCancelled,
      key: plan.eventId,
      occurredAt: new Date().toISOString(),
      source: 'event',
      payload: {
        eventId: plan.eventId,
        title: 'Show',
        startsAt: new Date().toISOString(),
        reason: 'illness',
        cancelledAt: new Date().toISOString(),
      },
      headers: {},
    };
    await t.platform.infrastructure.bus.publish([event]);
    // Redelivery (at least once) has no second effect.
    await t.platform.infrastructure.bus.publish([event]);

    const { rows } = await t.sql.query(
      'SELECT status, count(*)::int AS n FROM tickets.tickets WHERE event_id = $1 GROUP BY status ORDER BY status',
      [plan.eventId],
    );
    expect(rows).toEqual([
      { status: 'CANCELLED', n: 9 },
      { status: 'SOLD', n: 1 },
    ]);
    const read = await call(t.ticketUrl, 'GET', `/api/v1/holds/${pending.body.id}`, {
      headers: await asUser(t, pending.body.userId),
    });
    expect(read.body.status).toBe('RELEASED');
    expectProblem(await scan(sold.body.tickets[0].code), 409, 'ticket_cancelled');
    expectProblem(
      await hold(t, newUserId(), { eventId: plan.eventId, best: { quantity: 1 } }),
      409,
      'event_cancelled',
    );
    const cancelled = t.published.filter(
      (one) => one.type === Topics.ticketCancelled && one.key === plan.eventId,
    );
    expect(cancelled).toHaveLength(1);
    expect((cancelled[0]!.payload as any).tickets).toHaveLength(9);

    // The order service refunds the sold ticket: it stays withdrawn rather than going back on sale.
    const refund = await call(t.ticketUrl, 'POST', '/api/v1/internal/tickets/release-sold', {
      headers: await asService(t, 'order'),
      body: { orderId: sold.body.orderId, reason: 'refunded' },
    });
    expect(refund.body.tickets).toEqual([{ id: sold.body.tickets[0].id, status: 'CANCELLED' }]);
  });
});
