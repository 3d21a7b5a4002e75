// On-sale stories: hundreds of buyers at the same instant for the same seats and the last
// tickets. Whatever the interleaving, no ticket is in two holds, each hold is all or nothing,
// and nothing is sold twice.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hold,
  newUserId,
  publishInventory,
  sell,
  startTicketPlatform,
  type TicketTestPlatform,
  venue,
} from './support.js';

let t: TicketTestPlatform;

beforeAll(async () => {
  t = await startTicketPlatform({ env: { TICKET_MAX_PER_USER: '20', DATABASE_POOL_SIZE: '20' } });
});
afterAll(() => t?.stop());

/** What the database says: every LOCKED or SOLD ticket of the event with its hold. */
async function ticketsInHolds(eventId: string) {
  const { rows } = await t.sql.query(
    `SELECT t.id, t.status, t.hold_id, h.status AS hold_status, h.ticket_count
     FROM tickets.tickets t LEFT JOIN tickets.holds h ON h.id = t.hold_id
     WHERE t.event_id = $1 AND t.status IN ('LOCKED', 'SOLD')`,
    [eventId],
  );
  return rows as { id: string; status: string; hold_id: string; hold_status: string; ticket_count: number }[];
}

/**
 * On a small, busy machine some of hundreds of simultaneous requests wait longer for a pooled
 * connection than the pool allows and are answered 503 before any SQL ran: those must have
 * held nothing, which expectConsistentHolds checks like every other refusal.
 */
function expectRefusal(answer: { status: number; body: any }, code: string) {
  if (answer.status === 503) expect(answer.body.code).toBe('database_unavailable');
  else {
    expect(answer.status, JSON.stringify(answer.body)).toBe(409);
    expect(answer.body.code).toBe(code);
  }
}

const reachedTheDatabase = (answers: { status: number }[]) =>
  answers.filter((answer) => answer.status !== 503);

/** Checks the answers against each other and against the database. */
async function expectConsistentHolds(
  eventId: string,
  answers: { status: number; body: any }[],
  sizes: number[],
) {
  const won = answers.filter((answer) => answer.status === 201);
  const seen = new Set<string>();
  for (const [index, answer] of answers.entries()) {
    if (answer.status !== 201) continue;
    // All: a successful hold has exactly what was asked for.
    expect(answer.body.tickets).toHaveLength(sizes[index]!);
    for (const ticket of answer.body.tickets) {
      // Never in two holds.
      expect(seen.has(ticket.id), `ticket ${ticket.label} is in two holds`).toBe(false);
      seen.add(ticket.id);
    }
  }
  const inHolds = await ticketsInHolds(eventId);
  // Nothing: a refused request left no ticket behind; the database agrees ticket for ticket.
  expect(new Set(inHolds.map((row) => row.id))).toEqual(seen);
  const holdIds = new Set(won.map((answer) => answer.body.id));
  for (const row of inHolds) {
    expect(holdIds.has(row.hold_id)).toBe(true);
    expect(row.hold_status).toBe('ACTIVE');
  }
  const { rows } = await t.sql.query(
    `SELECT h.id, h.ticket_count, count(t.id)::int AS tickets FROM tickets.holds h
     LEFT JOIN tickets.tickets t ON t.hold_id = h.id WHERE h.event_id = $1 GROUP BY h.id`,
    [eventId],
  );
  for (const row of rows) expect(row.tickets).toBe(row.ticket_count);
  expect(rows).toHaveLength(won.length);
  return won;
}

describe('an on-sale', () => {
  it('gives each of 300 simultaneous buyers of overlapping seats all their seats or none', async () => {
    const plan = await publishInventory(
      t,
      venue({ sections: [{ name: 'Front', rows: 1, seatsPerRow: 12, category: 'Best', price: 20000 }] }),
    );
    // Everyone wants two or three neighbouring seats among the middle eight.
    const requests = Array.from({ length: 300 }, (_, index) => {
      const size = 2 + (index % 2);
      const start = 3 + (index % (8 - size + 1));
      return Array.from({ length: size }, (_, offset) => plan.seat('Front', 'A', start + offset));
    });
    const answers = await Promise.all(
      requests.map((seatIds) => hold(t, newUserId(), { eventId: plan.eventId, seatIds })),
    );
    const won = await expectConsistentHolds(
      plan.eventId,
      answers,
      requests.map((seatIds) => seatIds.length),
    );
    expect(won.length).toBeGreaterThanOrEqual(1);
    for (const [index, answer] of answers.entries()) {
      if (answer.status === 201) {
        expect(answer.body.tickets.map((ticket: any) => ticket.seatId).sort()).toEqual(
          [...requests[index]!].sort(),
        );
      } else {
        expectRefusal(answer, 'seats_unavailable');
        if (answer.status === 503) continue;
        // The answer lists exactly the requested seats it could not have.
        const unavailable = answer.body.unavailable.map((seat: any) => seat.seatId);
        expect(unavailable.length).toBeGreaterThan(0);
        for (const seatId of unavailable) expect(requests[index]).toContain(seatId);
      }
    }
  }, 120_000);

  it('sells the last 10 standing tickets to 200 simultaneous buyers without overselling', async () => {
    const plan = await publishInventory(
      t,
      venue({ ticketTypes: [{ name: 'Standing', price: 3500, quantity: 10 }] }),
    );
    const standing = plan.ticketTypeId('Standing');
    const sizes = Array.from({ length: 200 }, (_, index) => 1 + (index % 3));
    const answers = await Promise.all(
      sizes.map((quantity) =>
        hold(t, newUserId(), { eventId: plan.eventId, items: [{ ticketTypeId: standing, quantity }] }),
      ),
    );
    const won = await expectConsistentHolds(plan.eventId, answers, sizes);
    const held = won.reduce((sum, answer) => sum + answer.body.tickets.length, 0);
    expect(held).toBeLessThanOrEqual(10);
    expect(held).toBeGreaterThan(0);
    for (const answer of answers.filter((candidate) => candidate.status !== 201)) {
      expectRefusal(answer, 'not_enough_tickets');
      if (answer.status === 409) expect(answer.body.available).toBeGreaterThanOrEqual(0);
    }
    // What is left can still be held, exactly.
    const left = 10 - held;
    if (left > 0) {
      const rest = await hold(t, newUserId(), {
        eventId: plan.eventId,
        items: [{ ticketTypeId: standing, quantity: left }],
      });
      expect(rest.status, JSON.stringify(rest.body)).toBe(201);
    }
    const last = await hold(t, newUserId(), {
      eventId: plan.eventId,
      items: [{ ticketTypeId: standing, quantity: 1 }],
    });
    expect(last.status).toBe(409);
    expect(last.body).toMatchObject({ code: 'not_enough_tickets', available: 0 });
  }, 120_000);

  it('moves 150 simultaneous best-available buyers on to the next best block instead of failing them', async () => {
    const plan = await publishInventory(
      t,
      venue({ sections: [{ name: 'Hall', rows: 6, seatsPerRow: 10, category: 'Any', price: 5000 }] }),
    );
    const answers = await Promise.all(
      Array.from({ length: 150 }, () =>
        hold(t, newUserId(), { eventId: plan.eventId, best: { quantity: 2 } }),
      ),
    );
    const won = await expectConsistentHolds(
      plan.eventId,
      answers,
      answers.map(() => 2),
    );
    for (const answer of won) {
      const [a, b] = answer.body.tickets;
      expect(a.row).toBe(b.row);
      expect(Math.abs(Number(a.seat) - Number(b.seat))).toBe(1);
    }
    // 60 seats make 30 pairs; contention may cost a few, never most.
    expect(won.length).toBeGreaterThanOrEqual(Math.min(24, reachedTheDatabase(answers).length));
    for (const answer of answers.filter((candidate) => candidate.status !== 201))
      expectRefusal(answer, 'no_adjacent_seats');
  }, 120_000);

  it('sells a hold once when the order service retries and races itself', async () => {
    const plan = await publishInventory(
      t,
      venue({ ticketTypes: [{ name: 'GA', price: 1000, quantity: 5 }] }),
    );
    const buyer = newUserId();
    const held = await hold(t, buyer, {
      eventId: plan.eventId,
      items: [{ ticketTypeId: plan.ticketTypeId('GA'), quantity: 3 }],
    });
    const orderIds = Array.from({ length: 30 }, (_, index) => (index % 2 === 0 ? 'same' : randomUUID()));
    const sameOrder = randomUUID();
    const answers = await Promise.all(
      orderIds.map((orderId) => sell(t, held.body.id, buyer, orderId === 'same' ? sameOrder : orderId)),
    );
    const sold = answers.filter((answer) => answer.status === 200);
    const soldTo = new Set(sold.map((answer) => answer.body.orderId));
    expect(soldTo.size).toBe(1);
    for (const answer of answers.filter((candidate) => candidate.status !== 200)) {
      expect(answer.status).toBe(409);
      expect(answer.body.code).toBe('hold_already_sold');
    }
    const { rows } = await t.sql.query(
      `SELECT count(*)::int AS sold, count(DISTINCT order_id)::int AS orders FROM tickets.tickets
       WHERE event_id = $1 AND status = 'SOLD'`,
      [plan.eventId],
    );
    expect(rows[0]).toEqual({ sold: 3, orders: 1 });
    const codes = await t.sql.query(
      `SELECT count(*)::int AS valid FROM tickets.e_tickets WHERE event_id = $1 AND revoked_at IS NULL`,
      [plan.eventId],
    );
    expect(codes.rows[0].valid).toBe(3);
  }, 120_000);
});
