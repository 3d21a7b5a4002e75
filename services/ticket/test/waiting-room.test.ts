// The waiting room's fairness and pace, on a clock the test controls: ten thousand buyers join
// before the on-sale and are put in order by lottery, later ones line up behind them in arrival
// order, and the line moves at the configured rate, giving idle admissions' slots to the next.
import { ManualClock } from '@ticketing/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProofOfWork } from '../src/proof-of-work.js';
import { ServiceSigningKeys } from '../src/signing-keys.js';
import { admitFromQueue, getQueuePlace, joinQueue, type WaitingRoomDeps } from '../src/waiting-room.js';
import { correlation, queuedEvent, waitingRoomDeps } from './queue-support.js';
import { inWaves, newUserId, startTicketPlatform, type TicketTestPlatform } from './support.js';

const onSaleAt = new Date('2030-05-01T10:00:00Z');
const clock = new ManualClock('2030-05-01T09:00:00Z');
let t: TicketTestPlatform;
let deps: WaitingRoomDeps;

const EARLY = 10_000;
const LATE = 200;
const RATE = 600;

beforeAll(async () => {
  t = await startTicketPlatform({
    clock,
    services: ['ticket'],
    // The test runs every admission step itself.
    env: { TICKET_QUEUE_ADMIT_INTERVAL_MS: '60000', DATABASE_POOL_SIZE: '20' },
  });
  deps = waitingRoomDeps(t, clock);
});
afterAll(() => t?.stop());

async function countByStatus(eventId: string): Promise<Record<string, number>> {
  const { rows } = await t.sql.query(
    'SELECT status, count(*)::int AS count FROM tickets.queue_places WHERE event_id = $1 GROUP BY status',
    [eventId],
  );
  return Object.fromEntries(rows.map((row) => [row.status, row.count]));
}

describe('ten thousand buyers and an on-sale', () => {
  let eventId: string;
  const early: string[] = [];
  const late: string[] = [];

  it('everyone who joins before the on-sale gets one place, and no position yet', async () => {
    ({ eventId } = await queuedEvent(t, { onSaleAt, admitPerMinute: RATE }));
    const started = performance.now();
    const joined = await inWaves(
      EARLY,
      async (index) => {
        const userId = newUserId();
        early[index] = userId;
        return joinQueue(deps, userId, eventId);
      },
      // As many at once as the pool has connections: more would only queue for one.
      20,
    );
    console.log(`${EARLY} joins in ${Math.round(performance.now() - started)} ms`);
    expect(joined.every((outcome) => outcome.created && outcome.place.position === null)).toBe(true);
    expect(new Set(joined.map((outcome) => outcome.place.id)).size).toBe(EARLY);

    // The crowd makes the proof-of-work harder: 10,000 joins in the last minute add five bits to twelve.
    const proofOfWork = new ProofOfWork({ ...deps, keys: new ServiceSigningKeys(deps.db, clock) });
    expect(await proofOfWork.difficultyFor(eventId)).toBe(17);

    // Joining again, even twice at once, answers the same place.
    const again = await Promise.all([
      joinQueue(deps, early[0]!, eventId),
      joinQueue(deps, early[0]!, eventId),
    ]);
    expect(again.map((outcome) => [outcome.created, outcome.place.id])).toEqual([
      [false, joined[0]!.place.id],
      [false, joined[0]!.place.id],
    ]);
  }, 240_000);

  it('at the on-sale the lottery numbers them: unique, 1..n, not in the order they came', async () => {
    clock.set(onSaleAt);
    const step = await admitFromQueue(deps, eventId);
    expect(step?.drawn).toBe(EARLY);
    const { rows } = await t.sql.query(
      'SELECT user_id, position FROM tickets.queue_places WHERE event_id = $1',
      [eventId],
    );
    const positionOf = new Map(rows.map((row) => [row.user_id, row.position as number]));
    const positions = early.map((userId) => positionOf.get(userId)!);
    expect(new Set(positions).size).toBe(EARLY);
    expect(Math.min(...positions)).toBe(1);
    expect(Math.max(...positions)).toBe(EARLY);
    // A random order: the position says nothing about when a buyer joined.
    const r = correlation(
      early.map((_, index) => index),
      positions,
    );
    expect(Math.abs(r)).toBeLessThan(0.05);
    // Arriving in the first tenth gave no edge: about a tenth of them are in the first tenth of the line.
    const firstTenth = positions.slice(0, EARLY / 10).filter((position) => position <= EARLY / 10).length;
    expect(firstTenth).toBeGreaterThan(EARLY / 100 - 50);
    expect(firstTenth).toBeLessThan(EARLY / 100 + 50);
  });

  it('those who join after the on-sale line up behind, in the order they came', async () => {
    for (let wave = 0; wave < LATE / 20; wave++) {
      clock.advance(100);
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, async (_, offset) => {
          const userId = newUserId();
          late[wave * 20 + offset] = userId;
          return joinQueue(deps, userId, eventId);
        }),
      );
      for (const outcome of outcomes) {
        expect(outcome.place.number).toBeGreaterThan(EARLY + wave * 20);
        expect(outcome.place.number).toBeLessThanOrEqual(EARLY + (wave + 1) * 20);
      }
    }
    // After the on-sale too, two joins of one buyer at once make one place, at the end of the line.
    const buyer = newUserId();
    const twice = await Promise.all([joinQueue(deps, buyer, eventId), joinQueue(deps, buyer, eventId)]);
    expect(twice.map((outcome) => outcome.created).sort()).toEqual([false, true]);
    expect(twice[0]!.place.id).toBe(twice[1]!.place.id);
    expect(twice[0]!.place.number).toBe(EARLY + LATE + 1);
    const { rows } = await t.sql.query(
      'SELECT count(DISTINCT position)::int AS distinct, max(position) AS last FROM tickets.queue_places WHERE event_id = $1',
      [eventId],
    );
    expect(rows[0]).toEqual({ distinct: EARLY + LATE + 1, last: EARLY + LATE + 1 });
  });

  it(`admits ${RATE} a minute, within 10 %, with three instances stepping every second for four minutes`, async () => {
    const before = (await countByStatus(eventId)).ADMITTED ?? 0;
    const start = clock.now().getTime();
    const instances = [deps, waitingRoomDeps(t, clock), waitingRoomDeps(t, clock)];
    for (let second = 0; second < 240; second++) {
      clock.advance(1_000);
      // Every instance runs its step at once: one of them admits, the others find it busy or the allowance spent.
      await Promise.all(instances.map((instance) => admitFromQueue(instance, eventId)));
    }
    const admitted = ((await countByStatus(eventId)).ADMITTED ?? 0) - before;
    const minutes = (clock.now().getTime() - start) / 60_000;
    const measured = admitted / minutes;
    console.log(`measured admission rate ${measured.toFixed(1)}/min (configured ${RATE})`);
    expect(Math.abs(measured - RATE) / RATE).toBeLessThanOrEqual(0.1);

    // The waiting see the line move: the next one up is position 1, with a wait from the rate.
    const { rows } = await t.sql.query(
      `SELECT id, user_id FROM tickets.queue_places WHERE event_id = $1 AND status = 'WAITING' ORDER BY position LIMIT 1`,
      [eventId],
    );
    const next = await getQueuePlace(deps, rows[0].id, rows[0].user_id);
    expect(next).toMatchObject({ status: 'WAITING', position: 1, estimatedWaitSeconds: 1 });
  }, 60_000);

  it('admitted places that stay idle expire after five minutes and their slots go to the next in line', async () => {
    const first = await countByStatus(eventId);
    // Those admitted in the first minutes have been idle for five minutes two minutes later.
    clock.advance(120_000);
    const step = await admitFromQueue(deps, eventId);
    expect(step!.expiredIdle).toBeGreaterThan(0);
    // This step let in a minute's worth of the rate plus one per idle place given back.
    expect(step!.admitted).toBe(Math.min(RATE + step!.expiredIdle, first.WAITING!));
    const after = await countByStatus(eventId);
    expect(after.EXPIRED).toBe(step!.expiredIdle);
  });
});
