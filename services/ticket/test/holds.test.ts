// Hold stories: a buyer picks seats, a number of standing tickets or the best seats; holds
// them for a while, all or nothing; lets them go; and every way that can go wrong says why
// and what is left.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { registerAndLogin } from '../../user/test/support.js';
import {
  asUser,
  expectProblem,
  hold,
  newUserId,
  publishInventory,
  startTicketPlatform,
  type TicketTestPlatform,
  type Venue,
  venue,
} from './support.js';

let t: TicketTestPlatform;
let hall: Venue;

beforeAll(async () => {
  t = await startTicketPlatform();
});
afterAll(() => t?.stop());

const concertHall = () =>
  publishInventory(
    t,
    venue({
      sections: [
        { name: 'Stalls', rows: 4, seatsPerRow: 12, category: 'Premium', price: 9000, aisleAfter: 6 },
        { name: 'Circle', rows: 2, seatsPerRow: 10, category: 'Standard', price: 5000, y: 10 },
      ],
      ticketTypes: [
        { name: 'Standing', price: 3000, quantity: 20 },
        { name: 'VIP lounge', price: 15000, quantity: 3 },
      ],
    }),
  );

beforeAll(async () => {
  hall = await concertHall();
});

const statusesOf = async (ids: string[]) => {
  const { rows } = await t.sql.query('SELECT seat_id, status FROM tickets.tickets WHERE seat_id = ANY($1)', [
    ids,
  ]);
  return Object.fromEntries(rows.map((row) => [row.seat_id, row.status]));
};

describe('holding chosen seats', () => {
  it('holds the seats for ten minutes and answers with labels, prices and expiry, through the gateway', async () => {
    const { tokens } = await registerAndLogin(t.gatewayUrl);
    const seatIds = [hall.seat('Stalls', 'B', 3), hall.seat('Stalls', 'B', 4)];
    const before = Date.now();
    const response = await call(t.gatewayUrl, 'POST', '/api/v1/holds', {
      token: tokens.accessToken,
      body: { eventId: hall.eventId, seatIds },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    const held = response.body;
    expect(held).toMatchObject({
      eventId: hall.eventId,
      userId: tokens.user.id,
      status: 'ACTIVE',
      total: 18000,
      currency: 'EUR',
      orderId: null,
    });
    const expiresIn = Date.parse(held.expiresAt) - before;
    expect(expiresIn).toBeGreaterThan(9.9 * 60_000);
    expect(expiresIn).toBeLessThan(10.1 * 60_000);
    expect(held.tickets).toEqual([
      expect.objectContaining({
        seatId: seatIds[0],
        label: 'Stalls · Row B · Seat 3',
        section: 'Stalls',
        row: 'B',
        seat: '3',
        category: 'Premium',
        price: 9000,
        currency: 'EUR',
        ticketTypeId: null,
      }),
      expect.objectContaining({ seatId: seatIds[1], label: 'Stalls · Row B · Seat 4' }),
    ]);
    expect(await statusesOf(seatIds)).toEqual({ [seatIds[0]!]: 'LOCKED', [seatIds[1]!]: 'LOCKED' });

    const read = await call(t.gatewayUrl, 'GET', `/api/v1/holds/${held.id}`, { token: tokens.accessToken });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(held);
    await expect
      .poll(() =>
        t.published.find(
          (event) => event.type === 'ticket-locked' && (event.payload as any).holdId === held.id,
        ),
      )
      .toBeDefined();
    const locked = t.published.find((event) => (event.payload as any).holdId === held.id)!;
    expect(locked.key).toBe(hall.eventId);
    expect(locked.payload).toMatchObject({ userId: tokens.user.id, expiresAt: held.expiresAt });
    expect((locked.payload as any).tickets).toHaveLength(2);
  });

  it('holds nothing when one seat is taken, and lists exactly which seat was unavailable', async () => {
    const taken = hall.seat('Stalls', 'C', 5);
    expect((await hold(t, newUserId(), { eventId: hall.eventId, seatIds: [taken] })).status).toBe(201);
    const free = [hall.seat('Stalls', 'C', 6), hall.seat('Stalls', 'C', 7)];
    const response = await hold(t, newUserId(), {
      eventId: hall.eventId,
      seatIds: [free[0], taken, free[1]],
    });
    expectProblem(response, 409, 'seats_unavailable', 'seatIds');
    expect(response.body.unavailable).toEqual([
      { seatId: taken, label: 'Stalls · Row C · Seat 5', status: 'LOCKED' },
    ]);
    expect(response.body.available).toEqual(expect.any(Number));
    expect(response.body.detail).toContain('Stalls · Row C · Seat 5: held');
    expect(await statusesOf(free)).toEqual({ [free[0]!]: 'AVAILABLE', [free[1]!]: 'AVAILABLE' });
  });

  it('answers 400 naming seats that do not exist or belong to another event', async () => {
    const other = await publishInventory(
      t,
      venue({ sections: [{ name: 'Hall', rows: 1, seatsPerRow: 2, category: 'Any', price: 100 }] }),
    );
    const ghost = randomUUID();
    const response = await hold(t, newUserId(), {
      eventId: hall.eventId,
      seatIds: [hall.seat('Circle', 'A', 1), other.seat('Hall', 'A', 1), ghost],
    });
    expectProblem(response, 400, 'unknown_seats', 'seatIds');
    expect(response.body.seats).toEqual([
      { seatId: other.seat('Hall', 'A', 1), reason: 'other_event' },
      { seatId: ghost, reason: 'not_found' },
    ]);
    expect(await statusesOf([hall.seat('Circle', 'A', 1)])).toEqual({
      [hall.seat('Circle', 'A', 1)]: 'AVAILABLE',
    });
  });

  it.each([
    ['no seats', { seatIds: [] }, 'seatIds'],
    ['a seat twice', { seatIds: ['SAME', 'SAME'] }, 'seatIds'],
    ['a seat id that is not an id', { seatIds: ['A-12'] }, 'seatIds.0'],
    ['an unknown field', { seatIds: ['X'], promo: 'FREE' }, 'promo'],
    ['a missing eventId', { eventId: undefined, seatIds: ['X'] }, 'eventId'],
  ])('answers 400 for %s', async (_case, change, field) => {
    const seatId = hall.seat('Circle', 'B', 1);
    const body: Record<string, unknown> = { eventId: hall.eventId, ...change };
    if (Array.isArray(body.seatIds))
      body.seatIds = body.seatIds.map((id) => (id === 'SAME' || id === 'X' ? seatId : id));
    expectProblem(await hold(t, newUserId(), body), 400, 'validation_failed', field);
  });

  it('answers 400 when the request says nothing to hold, or two things at once', async () => {
    expectProblem(
      await hold(t, newUserId(), { eventId: hall.eventId }),
      400,
      'invalid_hold_request',
      'seatIds',
    );
    const both = await hold(t, newUserId(), {
      eventId: hall.eventId,
      seatIds: [hall.seat('Circle', 'B', 2)],
      best: { quantity: 2 },
    });
    expectProblem(both, 400, 'invalid_hold_request', 'best');
  });

  it('answers 404 for an event without tickets, and 401 without a signed-in user', async () => {
    expectProblem(
      await hold(t, newUserId(), { eventId: randomUUID(), best: { quantity: 1 } }),
      404,
      'event_not_found',
    );
    const anonymous = await call(t.gatewayUrl, 'POST', '/api/v1/holds', {
      body: { eventId: hall.eventId, best: { quantity: 1 } },
    });
    expect(anonymous.status).toBe(401);
  });
});

describe('the per-person limit', () => {
  it('refuses more than 8 tickets in one request with 400', async () => {
    const response = await hold(t, newUserId(), {
      eventId: hall.eventId,
      items: [{ ticketTypeId: hall.ticketTypeId('Standing'), quantity: 9 }],
    });
    expectProblem(response, 400, 'ticket_limit_exceeded', 'items');
    expect(response.body).toMatchObject({ limit: 8, alreadyHeld: 0, remaining: 8 });
  });

  it('counts what the buyer already holds, and says how many more are possible', async () => {
    const buyer = newUserId();
    const standing = hall.ticketTypeId('Standing');
    expect(
      (await hold(t, buyer, { eventId: hall.eventId, items: [{ ticketTypeId: standing, quantity: 6 }] }))
        .status,
    ).toBe(201);
    const response = await hold(t, buyer, { eventId: hall.eventId, best: { quantity: 3 } });
    expectProblem(response, 409, 'ticket_limit_reached', 'best.quantity');
    expect(response.body).toMatchObject({ limit: 8, alreadyHeld: 6, remaining: 2 });
    expect((await hold(t, buyer, { eventId: hall.eventId, best: { quantity: 2 } })).status).toBe(201);
  });

  it('lets one buyer racing themself with ten requests stay within the limit', async () => {
    const buyer = newUserId();
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        hold(t, buyer, {
          eventId: hall.eventId,
          items: [{ ticketTypeId: hall.ticketTypeId('Standing'), quantity: 3 }],
        }),
      ),
    );
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(2);
    for (const answer of answers.filter((candidate) => candidate.status !== 201))
      expect(answer.body.code, JSON.stringify(answer.body)).toMatch(
        /ticket_limit_reached|not_enough_tickets/,
      );
  });
});

describe('holding a quantity of a ticket type', () => {
  it('holds units of the type, all or nothing, and says how many are left', async () => {
    const vip = hall.ticketTypeId('VIP lounge');
    const first = await hold(t, newUserId(), {
      eventId: hall.eventId,
      items: [{ ticketTypeId: vip, quantity: 2 }],
    });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.tickets).toEqual([
      expect.objectContaining({
        ticketTypeId: vip,
        ticketTypeName: 'VIP lounge',
        price: 15000,
        seatId: null,
      }),
      expect.objectContaining({
        ticketTypeId: vip,
        ticketTypeName: 'VIP lounge',
        price: 15000,
        seatId: null,
      }),
    ]);
    const tooMany = await hold(t, newUserId(), {
      eventId: hall.eventId,
      items: [
        { ticketTypeId: hall.ticketTypeId('Standing'), quantity: 1 },
        { ticketTypeId: vip, quantity: 2 },
      ],
    });
    expectProblem(tooMany, 409, 'not_enough_tickets', 'items.1.quantity');
    expect(tooMany.body).toMatchObject({ ticketTypeId: vip, name: 'VIP lounge', requested: 2, available: 1 });
    expect(tooMany.body.detail).toContain('Only 1 VIP lounge tickets are left');
  });

  it.each([
    ['zero', 0],
    ['a negative quantity', -2],
    ['a fraction', 1.5],
  ])('answers 400 for %s', async (_case, quantity) => {
    const response = await hold(t, newUserId(), {
      eventId: hall.eventId,
      items: [{ ticketTypeId: hall.ticketTypeId('Standing'), quantity }],
    });
    expectProblem(response, 400, 'validation_failed', 'items.0.quantity');
  });

  it('answers 400 for a ticket type of another event, or one listed twice', async () => {
    const unknown = await hold(t, newUserId(), {
      eventId: hall.eventId,
      items: [{ ticketTypeId: randomUUID(), quantity: 1 }],
    });
    expectProblem(unknown, 400, 'unknown_ticket_type', 'items.0.ticketTypeId');
    const standing = hall.ticketTypeId('Standing');
    const twice = await hold(t, newUserId(), {
      eventId: hall.eventId,
      items: [
        { ticketTypeId: standing, quantity: 1 },
        { ticketTypeId: standing, quantity: 1 },
      ],
    });
    expectProblem(twice, 400, 'invalid_hold_request', 'items.1.ticketTypeId');
  });
});

describe('best available', () => {
  it('picks adjacent seats in the front row, as central as possible', async () => {
    const plan = await publishInventory(
      t,
      venue({ sections: [{ name: 'Hall', rows: 5, seatsPerRow: 20, category: 'Any', price: 4000 }] }),
    );
    const response = await hold(t, newUserId(), { eventId: plan.eventId, best: { quantity: 4 } });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body.tickets.map((ticket: any) => `${ticket.row}${ticket.seat}`)).toEqual([
      'A9',
      'A10',
      'A11',
      'A12',
    ]);
  });

  it('never leaves a single seat stranded when it can avoid it', async () => {
    const plan = await publishInventory(
      t,
      venue({ sections: [{ name: 'Hall', rows: 2, seatsPerRow: 7, category: 'Any', price: 4000 }] }),
    );
    // Row A keeps 1-2 and 6-7 free: two seats there fit only by leaving no one alone.
    const middle = [3, 4, 5].map((number) => plan.seat('Hall', 'A', number));
    expect((await hold(t, newUserId(), { eventId: plan.eventId, seatIds: middle })).status).toBe(201);
    const pair = await hold(t, newUserId(), { eventId: plan.eventId, best: { quantity: 2 } });
    expect(pair.status).toBe(201);
    const seats = pair.body.tickets.map((ticket: any) => `${ticket.row}${ticket.seat}`);
    expect([
      ['A1', 'A2'],
      ['A6', 'A7'],
    ]).toContainEqual(seats);
    // Now row A has two free seats on one side; three seats go to row B, centred, leaving 2+2.
    const three = await hold(t, newUserId(), { eventId: plan.eventId, best: { quantity: 3 } });
    expect(three.body.tickets.map((ticket: any) => `${ticket.row}${ticket.seat}`)).toEqual([
      'B3',
      'B4',
      'B5',
    ]);
    // When every choice strands someone, best available still sells rather than refuses.
    const single = await hold(t, newUserId(), { eventId: plan.eventId, best: { quantity: 1 } });
    expect(single.status).toBe(201);
  });

  it('keeps seats across an aisle apart', async () => {
    const plan = await publishInventory(
      t,
      venue({
        sections: [{ name: 'Hall', rows: 1, seatsPerRow: 8, category: 'Any', price: 1000, aisleAfter: 4 }],
      }),
    );
    const five = await hold(t, newUserId(), { eventId: plan.eventId, best: { quantity: 5 } });
    expectProblem(five, 409, 'no_adjacent_seats', 'best.quantity');
    expect(five.body).toMatchObject({ requested: 5, available: 8, largestBlock: 4 });
  });

  it('stays within the asked category, and names an unknown one', async () => {
    const response = await hold(t, newUserId(), {
      eventId: hall.eventId,
      best: { quantity: 2, category: 'Standard' },
    });
    expect(response.status).toBe(201);
    expect(response.body.tickets.every((ticket: any) => ticket.section === 'Circle')).toBe(true);
    expectProblem(
      await hold(t, newUserId(), { eventId: hall.eventId, best: { quantity: 2, category: 'Royal box' } }),
      400,
      'unknown_category',
      'best.category',
    );
  });
});

describe('releasing and reading holds', () => {
  it('lets the owner release a hold: the seats are free again and ticket-released is announced', async () => {
    const buyer = newUserId();
    const seatIds = [hall.seat('Stalls', 'D', 1), hall.seat('Stalls', 'D', 2)];
    const held = await hold(t, buyer, { eventId: hall.eventId, seatIds });
    const deleted = await call(t.ticketUrl, 'DELETE', `/api/v1/holds/${held.body.id}`, {
      headers: await asUser(t, buyer),
    });
    expect(deleted.status).toBe(204);
    expect(await statusesOf(seatIds)).toEqual({ [seatIds[0]!]: 'AVAILABLE', [seatIds[1]!]: 'AVAILABLE' });
    const read = await call(t.ticketUrl, 'GET', `/api/v1/holds/${held.body.id}`, {
      headers: await asUser(t, buyer),
    });
    expect(read.body).toMatchObject({ status: 'RELEASED', tickets: [] });
    await expect
      .poll(() =>
        t.published.find(
          (event) => event.type === 'ticket-released' && (event.payload as any).holdId === held.body.id,
        ),
      )
      .toMatchObject({ payload: { reason: 'released', eventId: hall.eventId } });
    // Releasing again changes nothing and still answers 204.
    const again = await call(t.ticketUrl, 'DELETE', `/api/v1/holds/${held.body.id}`, {
      headers: await asUser(t, buyer),
    });
    expect(again.status).toBe(204);
  });

  it('hides a hold from anyone but its owner, and lets no one else release it', async () => {
    const seatIds = [hall.seat('Stalls', 'D', 11)];
    const held = await hold(t, newUserId(), { eventId: hall.eventId, seatIds });
    const stranger = await asUser(t, newUserId());
    expectProblem(
      await call(t.ticketUrl, 'GET', `/api/v1/holds/${held.body.id}`, { headers: stranger }),
      404,
      'hold_not_found',
    );
    expectProblem(
      await call(t.ticketUrl, 'DELETE', `/api/v1/holds/${held.body.id}`, { headers: stranger }),
      404,
      'hold_not_found',
    );
    expect(await statusesOf(seatIds)).toEqual({ [seatIds[0]!]: 'LOCKED' });
  });

  it('lists my live holds', async () => {
    const buyer = newUserId();
    const held = await hold(t, buyer, { eventId: hall.eventId, best: { quantity: 1 } });
    const list = await call(t.ticketUrl, 'GET', `/api/v1/holds?eventId=${hall.eventId}`, {
      headers: await asUser(t, buyer),
    });
    expect(list.status).toBe(200);
    expect(list.body.items.map((item: any) => item.id)).toEqual([held.body.id]);
  });
});

describe('events that cannot be held from', () => {
  it('refuses holds before sales open and after they close', async () => {
    const early = await publishInventory(
      t,
      venue(
        { ticketTypes: [{ name: 'GA', price: 100, quantity: 5 }] },
        { salesStartAt: '2999-01-01T00:00:00.000Z', salesEndAt: null },
      ),
    );
    const notYet = await hold(t, newUserId(), {
      eventId: early.eventId,
      items: [{ ticketTypeId: early.ticketTypeId('GA'), quantity: 1 }],
    });
    expectProblem(notYet, 409, 'sales_not_open', 'eventId');
    expect(notYet.body.salesStartAt).toBe('2999-01-01T00:00:00.000Z');
    const late = await publishInventory(
      t,
      venue(
        { ticketTypes: [{ name: 'GA', price: 100, quantity: 5 }] },
        { salesStartAt: '2000-01-01T00:00:00.000Z', salesEndAt: '2001-01-01T00:00:00.000Z' },
      ),
    );
    const closed = await hold(t, newUserId(), {
      eventId: late.eventId,
      items: [{ ticketTypeId: late.ticketTypeId('GA'), quantity: 1 }],
    });
    expectProblem(closed, 409, 'sales_closed', 'eventId');
  });
});
