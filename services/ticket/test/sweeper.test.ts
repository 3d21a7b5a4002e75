// Expiry stories, on a clock the test controls: a hold nobody buys gives its seats back after
// ten minutes, a late purchase is refused, and sweepers running at once never release a hold twice.
import { Topics } from '@ticketing/contracts';
import { ManualClock } from '@ticketing/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepExpiredHolds } from '../src/sweeper.js';
import {
  expectProblem,
  hold,
  inWaves,
  newUserId,
  publishInventory,
  sell,
  startTicketPlatform,
  type TicketTestPlatform,
  type Venue,
  venue,
} from './support.js';

const clock = new ManualClock('2030-03-01T18:00:00Z');
let t: TicketTestPlatform;
let plan: Venue;

beforeAll(async () => {
  t = await startTicketPlatform({ clock, env: { TICKET_SWEEP_INTERVAL_MS: '50' } });
  plan = await publishInventory(
    t,
    venue({
      sections: [{ name: 'Hall', rows: 2, seatsPerRow: 10, category: 'Any', price: 4200 }],
      ticketTypes: [{ name: 'GA', price: 1500, quantity: 200 }],
    }),
  );
});
afterAll(() => t?.stop());

const minutes = (count: number) => count * 60_000;

async function statusOf(seatId: string): Promise<string> {
  const { rows } = await t.sql.query('SELECT status FROM tickets.tickets WHERE seat_id = $1', [seatId]);
  return rows[0].status;
}

const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe('the hold sweeper', () => {
  it('returns the seats of a hold nobody bought once its ten minutes are up, not before', async () => {
    const seatId = plan.seat('Hall', 'A', 1);
    const held = await hold(t, newUserId(), { eventId: plan.eventId, seatIds: [seatId] });
    expect(held.body.expiresAt).toBe(new Date(clock.now().getTime() + minutes(10)).toISOString());

    clock.advance(minutes(10) - 1);
    await pause(300); // several sweeps
    expect(await statusOf(seatId)).toBe('LOCKED');

    clock.advance(1);
    await expect.poll(() => statusOf(seatId), { timeout: 5_000 }).toBe('AVAILABLE');
    const { rows } = await t.sql.query('SELECT status, end_reason FROM tickets.holds WHERE id = $1', [
      held.body.id,
    ]);
    expect(rows[0]).toEqual({ status: 'EXPIRED', end_reason: 'expired' });
    await expect
      .poll(() =>
        t.published.find(
          (event) => event.type === Topics.ticketReleased && (event.payload as any).holdId === held.body.id,
        ),
      )
      .toMatchObject({
        key: plan.eventId,
        payload: { reason: 'expired', tickets: [expect.objectContaining({ price: 4200 })] },
      });
    // The seat can be held again at once.
    expect((await hold(t, newUserId(), { eventId: plan.eventId, seatIds: [seatId] })).status).toBe(201);
  });

  it('refuses to sell a hold after its expiry, swept or not yet', async () => {
    const buyer = newUserId();
    const held = await hold(t, buyer, { eventId: plan.eventId, seatIds: [plan.seat('Hall', 'A', 2)] });
    clock.advance(minutes(10));
    const late = await sell(t, held.body.id, buyer);
    expectProblem(late, 409, 'hold_expired');
    expect(late.body.expiresAt).toBe(held.body.expiresAt);
  });

  it('sells a hold a moment before its expiry, and the sweeper leaves it sold', async () => {
    const buyer = newUserId();
    const seatId = plan.seat('Hall', 'A', 3);
    const held = await hold(t, buyer, { eventId: plan.eventId, seatIds: [seatId] });
    clock.advance(minutes(10) - 1_000);
    expect((await sell(t, held.body.id, buyer)).status).toBe(200);
    clock.advance(minutes(30));
    await pause(200);
    expect(await statusOf(seatId)).toBe('SOLD');
  });

  it('releases each of 60 expired holds exactly once with three sweepers at once', async () => {
    const holds = await inWaves(60, () =>
      hold(t, newUserId(), {
        eventId: plan.eventId,
        items: [{ ticketTypeId: plan.ticketTypeId('GA'), quantity: 2 }],
      }),
    );
    expect(holds.every((answer) => answer.status === 201)).toBe(true);
    const context = t.platform.services.get('ticket')!.context;
    const deps = { db: context.db, clock, live: { announce() {}, resync() {} }, batchSize: 7 };
    clock.advance(minutes(11));
    // Two extra sweepers race the service's own one (which runs every 50 ms).
    const [first, second] = await Promise.all([sweepExpiredHolds(deps), sweepExpiredHolds(deps)]);
    expect(first + second).toBeLessThanOrEqual(60);
    const ids = new Set(holds.map((answer) => answer.body.id));
    await expect
      .poll(
        () =>
          t.published.filter(
            (event) => event.type === Topics.ticketReleased && ids.has((event.payload as any).holdId),
          ).length,
        { timeout: 5_000 },
      )
      .toBe(60);
    await pause(200);
    const released = t.published.filter(
      (event) => event.type === Topics.ticketReleased && ids.has((event.payload as any).holdId),
    );
    expect(released).toHaveLength(60);
    for (const event of released) expect((event.payload as any).tickets).toHaveLength(2);
    const { rows } = await t.sql.query(
      `SELECT count(*)::int AS available FROM tickets.tickets WHERE ticket_type_id = $1 AND status = 'AVAILABLE'`,
      [plan.ticketTypeId('GA')],
    );
    expect(rows[0].available).toBe(200);
  }, 60_000);
});
