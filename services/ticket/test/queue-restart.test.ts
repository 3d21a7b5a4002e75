// The waiting room survives a restart: the ticket service stops mid-queue and starts again on
// the same database, and every place keeps its number and status; the line then moves on. And
// an event nobody queued for switches its room on by itself when live holds pile up.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, SERVICE_NAMES } from '@ticketing/platform';
import { startPlatform } from '@ticketing/runtime';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { admitFromQueue, autoEnableWaitingRooms, joinQueue } from '../src/waiting-room.js';
import { queuedEvent, waitingRoomDeps } from './queue-support.js';
import {
  hold,
  inWaves,
  newUserId,
  publishInventory,
  startTicketPlatform,
  type TicketTestPlatform,
  venue,
} from './support.js';

const clock = new ManualClock('2030-07-01T11:00:00Z');
const onSaleAt = new Date('2030-07-01T12:00:00Z');
let t: TicketTestPlatform;

beforeAll(async () => {
  t = await startTicketPlatform({
    clock,
    services: ['ticket'],
    env: { TICKET_QUEUE_ADMIT_INTERVAL_MS: '60000', TICKET_QUEUE_AUTO_ENABLE_HOLDS: '5' },
  });
});
afterAll(() => t?.stop());

const placesOf = async (eventId: string) =>
  (
    await t.sql.query(
      'SELECT id, user_id, status, position, lottery::text, admitted_at FROM tickets.queue_places WHERE event_id = $1 ORDER BY id',
      [eventId],
    )
  ).rows;

/** The ticket service started again in a new process state, on the same database. */
async function restartTicketService() {
  await t.platform.stop();
  const dataDir = await mkdtemp(join(tmpdir(), 'ticketing-restart-'));
  const ports = Object.fromEntries(SERVICE_NAMES.map((name) => [`${name.toUpperCase()}_PORT`, '0']));
  const platform = await startPlatform({
    services: ['ticket'],
    clock,
    seed: 'never',
    env: {
      DATABASE_URL: t.databaseUrl,
      DATA_DIR: dataDir,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      REDIS_URL: inject('redisUrl') ?? '',
      TICKET_QUEUE_ADMIT_INTERVAL_MS: '60000',
      ...ports,
    },
  });
  t.platform = platform;
  t.ticketUrl = platform.url('ticket');
  const stop = t.stop;
  t.stop = async () => {
    await stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}

describe('a restart mid-queue', () => {
  it('loses no place: every number and status is the same after it, and the line moves on', async () => {
    const { eventId } = await queuedEvent(t, { onSaleAt, admitPerMinute: 60 });
    let deps = waitingRoomDeps(t, clock);
    await inWaves(150, () => joinQueue(deps, newUserId(), eventId));
    clock.set(onSaleAt);
    await admitFromQueue(deps, eventId); // the lottery
    clock.advance(30_000);
    await admitFromQueue(deps, eventId); // half a minute: 30 admitted
    await inWaves(20, () => joinQueue(deps, newUserId(), eventId), 5);
    const before = await placesOf(eventId);
    expect(before.filter((place) => place.status === 'ADMITTED')).toHaveLength(30);

    await restartTicketService();
    deps = waitingRoomDeps(t, clock);
    expect(await placesOf(eventId)).toEqual(before);

    clock.advance(10_000);
    const step = await admitFromQueue(deps, eventId);
    expect(step?.admitted).toBe(10);
    const after = await placesOf(eventId);
    const admitted = after.filter((place) => place.status === 'ADMITTED').map((place) => place.position);
    // The next ten in line, no one skipped and no one twice.
    expect(admitted.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, index) => index + 1));
  });
});

describe('switching itself on', () => {
  it('turns on the room of an event whose live holds pass the threshold, and records why', async () => {
    const plan = await publishInventory(
      t,
      venue({ ticketTypes: [{ name: 'GA', price: 1000, quantity: 100 }] }),
    );
    const deps = waitingRoomDeps(t, clock, { TICKET_QUEUE_AUTO_ENABLE_HOLDS: '5' });
    for (let index = 0; index < 4; index++)
      await hold(t, newUserId(), {
        eventId: plan.eventId,
        items: [{ ticketTypeId: plan.ticketTypeId('GA'), quantity: 1 }],
      });
    expect(await autoEnableWaitingRooms(deps)).not.toContain(plan.eventId);
    await hold(t, newUserId(), {
      eventId: plan.eventId,
      items: [{ ticketTypeId: plan.ticketTypeId('GA'), quantity: 1 }],
    });
    expect(await autoEnableWaitingRooms(deps)).toEqual([plan.eventId]);

    const { rows } = await t.sql.query(
      'SELECT enabled, admit_per_minute, source, reason FROM tickets.waiting_room_changes WHERE event_id = $1',
      [plan.eventId],
    );
    expect(rows).toEqual([
      {
        enabled: true,
        admit_per_minute: 300,
        source: 'auto',
        reason: '5 live holds reached the threshold of 5',
      },
    ]);
    // From now on a hold needs an admission; the room lets people in at once, in arrival order.
    const refused = await hold(t, newUserId(), {
      eventId: plan.eventId,
      items: [{ ticketTypeId: plan.ticketTypeId('GA'), quantity: 1 }],
    });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('queue_admission_required');
    const joined = await joinQueue(deps, newUserId(), plan.eventId);
    expect(joined.place).toMatchObject({ status: 'WAITING', position: 1 });
    // Switching on again changes nothing and records nothing.
    expect(await autoEnableWaitingRooms(deps)).toEqual([]);
  });
});
