// Inventory stories: the event service publishes an event and its tickets appear, once, fast,
// and every visitor can see the seat map and what is left.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import {
  asService,
  asUser,
  expectProblem,
  hold,
  newUserId,
  publishInventory,
  startTicketPlatform,
  type TicketTestPlatform,
  venue,
} from './support.js';

let t: TicketTestPlatform;

beforeAll(async () => {
  t = await startTicketPlatform();
});
afterAll(() => t?.stop());

const put = async (eventId: string, body: unknown, headers?: Record<string, string>) =>
  call(t.ticketUrl, 'PUT', `/api/v1/internal/inventory/${eventId}`, {
    body,
    headers: headers ?? (await asService(t)),
  });

const theatre = () =>
  venue({
    sections: [
      { name: 'Stalls', rows: 3, seatsPerRow: 10, category: 'Premium', price: 8900 },
      { name: 'Balcony', rows: 2, seatsPerRow: 8, category: 'Standard', price: 4500, y: 10 },
    ],
    ticketTypes: [{ name: 'Standing', price: 2500, quantity: 50 }],
  });

describe('creating an inventory', () => {
  it('creates a ticket per seat and per standing unit, and the same body again changes nothing', async () => {
    const plan = theatre();
    const first = await put(plan.eventId, plan.body);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toEqual({ eventId: plan.eventId, created: true, tickets: 30 + 16 + 50 });

    const again = await put(plan.eventId, plan.body);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ eventId: plan.eventId, created: false, tickets: 96 });
    const { rows } = await t.sql.query('SELECT count(*)::int AS n FROM tickets.tickets WHERE event_id = $1', [
      plan.eventId,
    ]);
    expect(rows[0].n).toBe(96);
  });

  it('creates the inventory once when the event service sends it twice at the same moment', async () => {
    const plan = theatre();
    const answers = await Promise.all([put(plan.eventId, plan.body), put(plan.eventId, plan.body)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 201]);
    const { rows } = await t.sql.query('SELECT count(*)::int AS n FROM tickets.tickets WHERE event_id = $1', [
      plan.eventId,
    ]);
    expect(rows[0].n).toBe(96);
  });

  it('refuses a different body for an event that already has an inventory', async () => {
    const plan = theatre();
    await publishInventory(t, plan);
    const changed = { ...plan.body, ticketTypes: [{ ...plan.body.ticketTypes[0]!, quantity: 51 }] };
    expectProblem(await put(plan.eventId, changed), 409, 'inventory_conflict');
  });

  it.each([
    [
      'a seat listed twice',
      (body: any) => ({ ...body, seats: [...body.seats, body.seats[0]] }),
      'seats.46.seatId',
    ],
    [
      'two seats in one place',
      (body: any) => ({ ...body, seats: [...body.seats, { ...body.seats[0], seatId: randomUUID() }] }),
      'seats.46.number',
    ],
    ['no tickets at all', (body: any) => ({ ...body, seats: [], ticketTypes: [] }), 'seats'],
    [
      'sales ending before they start',
      (body: any) => ({
        ...body,
        salesStartAt: '2030-02-01T00:00:00Z',
        salesEndAt: '2030-01-01T00:00:00Z',
      }),
      'salesEndAt',
    ],
  ])('answers 400 naming the field for %s', async (_case, change, field) => {
    const plan = theatre();
    expectProblem(await put(plan.eventId, change(plan.body)), 400, 'invalid_inventory', field);
  });

  it('validates the body against the contract before anything is written', async () => {
    const plan = theatre();
    const body = { ...plan.body, currency: 'euro' };
    expectProblem(await put(plan.eventId, body), 400, 'validation_failed', 'currency');
    const negative = { ...plan.body, ticketTypes: [{ ...plan.body.ticketTypes[0]!, quantity: 0 }] };
    expectProblem(await put(plan.eventId, negative), 400, 'validation_failed', 'ticketTypes.0.quantity');
    const { rows } = await t.sql.query(
      'SELECT count(*)::int AS n FROM tickets.inventories WHERE event_id = $1',
      [plan.eventId],
    );
    expect(rows[0].n).toBe(0);
  });

  it('is for services only: a user (even through the gateway) may not create inventory', async () => {
    const plan = theatre();
    expectProblem(await put(plan.eventId, plan.body, await asUser(t, newUserId(), ['ADMIN'])), 403);
    expectProblem(await put(plan.eventId, plan.body, {}), 401, 'internal_token_required');
  });
});

describe('availability', () => {
  it('counts tickets per event, seat category and ticket type', async () => {
    const plan = await publishInventory(t, theatre());
    const buyer = newUserId();
    const held = await hold(t, buyer, { eventId: plan.eventId, seatIds: [plan.seat('Stalls', 'A', 1)] });
    expect(held.status).toBe(201);
    const response = await call(
      t.ticketUrl,
      'GET',
      `/api/v1/internal/availability?eventIds=${plan.eventId},${randomUUID()}`,
      { headers: await asService(t) },
    );
    expect(response.status).toBe(200);
    expect(response.body.items).toEqual([
      {
        eventId: plan.eventId,
        total: 96,
        available: 95,
        held: 1,
        sold: 0,
        byCategory: {
          Premium: { total: 30, available: 29, sold: 0 },
          Standard: { total: 16, available: 16, sold: 0 },
        },
        byTicketType: { [plan.ticketTypeId('Standing')]: { total: 50, available: 50, sold: 0 } },
      },
    ]);
  });

  it('answers 400 for event ids that are not a comma-separated list of ids', async () => {
    const response = await call(t.ticketUrl, 'GET', '/api/v1/internal/availability?eventIds=abc', {
      headers: await asService(t),
    });
    expectProblem(response, 400, 'validation_failed', 'eventIds');
  });

  it("shows anyone the seat map through the gateway, with each seat's status", async () => {
    const plan = await publishInventory(t, theatre());
    await hold(t, newUserId(), { eventId: plan.eventId, seatIds: [plan.seat('Balcony', 'B', 8)] });
    const response = await call(t.gatewayUrl, 'GET', `/api/v1/events/${plan.eventId}/seats`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const map = response.body;
    expect(map).toMatchObject({ eventId: plan.eventId, currency: 'EUR', status: 'ON_SALE' });
    expect(map.sections.map((section: any) => section.name)).toEqual(['Stalls', 'Balcony']);
    expect(map.sections[0].rows.map((row: any) => row.name)).toEqual(['A', 'B', 'C']);
    const seat = map.sections[1].rows[1].seats[7];
    expect(seat).toEqual({
      id: plan.seat('Balcony', 'B', 8),
      ticketId: expect.any(String),
      label: 'Balcony · Row B · Seat 8',
      number: '8',
      x: 8,
      y: 11,
      category: 'Standard',
      price: 4500,
      accessible: false,
      status: 'LOCKED',
    });
    expect(map.ticketTypes).toEqual([
      { id: plan.ticketTypeId('Standing'), name: 'Standing', price: 2500, total: 50, available: 50 },
    ]);
    expect(map.categories).toEqual([
      { name: 'Premium', total: 30, available: 30 },
      { name: 'Standard', total: 16, available: 15 },
    ]);
  });

  it('answers 404 for the seat map of an event without tickets', async () => {
    expectProblem(
      await call(t.gatewayUrl, 'GET', `/api/v1/events/${randomUUID()}/seats`),
      404,
      'event_not_found',
    );
  });
});

describe('a 100,000-seat stadium', () => {
  it('is created in one call, and buyers hold from it', async () => {
    const plan = venue({
      sections: Array.from({ length: 10 }, (_, index) => ({
        name: `Block ${index + 1}`,
        rows: 100,
        seatsPerRow: 100,
        category: index < 3 ? 'Premium' : 'Standard',
        price: index < 3 ? 12000 : 6000,
        x: (index % 5) * 110,
        y: Math.floor(index / 5) * 110,
      })),
    });
    expect(plan.body.seats).toHaveLength(100_000);
    const created = await call(t.ticketUrl, 'PUT', `/api/v1/internal/inventory/${plan.eventId}`, {
      body: plan.body,
      headers: await asService(t),
    });
    expect(created.status, JSON.stringify(created.body).slice(0, 500)).toBe(201);
    expect(created.body.tickets).toBe(100_000);
    const { rows } = await t.sql.query(
      `SELECT count(*)::int AS n, count(DISTINCT seat_id)::int AS seats FROM tickets.tickets WHERE event_id = $1`,
      [plan.eventId],
    );
    expect(rows[0]).toEqual({ n: 100_000, seats: 100_000 });

    const buyer = newUserId();
    const seats = await hold(t, buyer, {
      eventId: plan.eventId,
      seatIds: [plan.seat('Block 7', 'BA', 50), plan.seat('Block 7', 'BA', 51)],
    });
    expect(seats.status, JSON.stringify(seats.body)).toBe(201);
    const best = await hold(t, newUserId(), {
      eventId: plan.eventId,
      best: { quantity: 4, category: 'Standard' },
    });
    expect(best.status, JSON.stringify(best.body)).toBe(201);
    expect(best.body.tickets).toHaveLength(4);
    expect(
      best.body.tickets.every((ticket: any) => ticket.row === 'A' && ticket.category === 'Standard'),
    ).toBe(true);

    const availability = await call(
      t.ticketUrl,
      'GET',
      `/api/v1/internal/availability?eventIds=${plan.eventId}`,
      { headers: await asService(t) },
    );
    expect(availability.body.items[0]).toMatchObject({ total: 100_000, available: 99_994, held: 6 });
  }, 120_000);
});

describe('a general-admission field of 120,000', () => {
  it('is numbered 1 to 120,000 without a gap, across several insert statements', async () => {
    const plan = venue({ ticketTypes: [{ name: 'Field', price: 4500, quantity: 120_000 }] });
    const created = await call(t.ticketUrl, 'PUT', `/api/v1/internal/inventory/${plan.eventId}`, {
      body: plan.body,
      headers: await asService(t),
    });
    expect(created.status, JSON.stringify(created.body).slice(0, 500)).toBe(201);
    expect(created.body.tickets).toBe(120_000);
    const { rows } = await t.sql.query(
      `SELECT count(*)::int AS n, count(DISTINCT unit_number)::int AS units,
              min(unit_number)::int AS first, max(unit_number)::int AS last
         FROM tickets.tickets WHERE event_id = $1`,
      [plan.eventId],
    );
    expect(rows[0]).toEqual({ n: 120_000, units: 120_000, first: 1, last: 120_000 });
  }, 120_000);
});
