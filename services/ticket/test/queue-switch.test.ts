// Switching a waiting room during a running sale (ADR 0021): an admin switches a room off and
// everyone still in line is let through at once (their pages move on to the seat map), holds
// stop asking for a Queue-Token, and the switch is recorded with who made it; switched on again,
// newcomers queue. A room the hold threshold switched on switches itself off once the rush is
// over, and the threshold never overrules an admin's switch-off.
import { ManualClock } from '@ticketing/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { TEST_ADMIN } from '../../../tools/test/platform.js';
import { login, registerAndLogin } from '../../user/test/support.js';
import {
  autoDisableWaitingRooms,
  autoEnableWaitingRooms,
  getQueuePlace,
  joinQueue,
  type WaitingRoomDeps,
} from '../src/waiting-room.js';
import { queuedEvent, waitingRoomDeps } from './queue-support.js';
import {
  asUser,
  expectProblem,
  newUserId,
  publishInventory,
  startTicketPlatform,
  type TicketTestPlatform,
  type Venue,
  venue,
} from './support.js';

const clock = new ManualClock('2030-07-01T18:00:00Z');
let t: TicketTestPlatform;
let deps: WaitingRoomDeps;
let adminToken: string;

beforeAll(async () => {
  t = await startTicketPlatform({ clock, env: { TICKET_QUEUE_ADMIT_INTERVAL_MS: '60000' } });
  deps = waitingRoomDeps(t, clock, { TICKET_QUEUE_AUTO_ENABLE_HOLDS: '2' });
  adminToken = (await login(t.gatewayUrl, TEST_ADMIN.username, TEST_ADMIN.password)).accessToken;
});
afterAll(() => t?.stop());

const switchRoom = (eventId: string, body: unknown, token = adminToken) =>
  call(t.gatewayUrl, 'PUT', `/api/v1/events/${eventId}/waiting-room`, { token, body });

async function hold(event: Venue, userId: string, queueToken?: string) {
  return call(t.ticketUrl, 'POST', '/api/v1/holds', {
    headers: { ...(await asUser(t, userId)), ...(queueToken ? { 'queue-token': queueToken } : {}) },
    body: { eventId: event.eventId, items: [{ ticketTypeId: event.ticketTypeId('Floor'), quantity: 1 }] },
  });
}

describe('an admin switching a running room', () => {
  it('off: admits everyone waiting at once, holds need no token, and the switch is recorded', async () => {
    const event = await queuedEvent(t, { onSaleAt: null, admitPerMinute: 1 });
    const waiting = [newUserId(), newUserId(), newUserId()];
    const places = [];
    for (const userId of waiting) places.push((await joinQueue(deps, userId, event.eventId)).place);
    expect(places.map((place) => place.status)).toEqual(['WAITING', 'WAITING', 'WAITING']);
    expectProblem(await hold(event, waiting[0]!), 403, 'queue_admission_required');

    const switched = await switchRoom(event.eventId, { enabled: false, reason: 'the rush is over' });
    expect(switched.status, JSON.stringify(switched.body)).toBe(200);
    expect(switched.body).toMatchObject({ room: { enabled: false, source: 'admin' }, admittedAtOnce: 3 });
    for (const [index, place] of places.entries()) {
      const now = await getQueuePlace(deps, place.id, waiting[index]!);
      expect(now).toMatchObject({ status: 'ADMITTED', position: 0 });
      expect(now.admissionToken).toEqual(expect.any(String));
    }
    expect((await hold(event, waiting[0]!)).status).toBe(201);
    expect((await hold(event, newUserId())).status).toBe(201);
    const room = await call(t.gatewayUrl, 'GET', `/api/v1/events/${event.eventId}/waiting-room`);
    expect(room.body).toMatchObject({ enabled: false, source: 'admin' });

    // Off again changes nothing and records nothing.
    const again = await switchRoom(event.eventId, { enabled: false, reason: 'once more' });
    expect(again.body.admittedAtOnce).toBe(0);
    const { rows } = await t.sql.query(
      'SELECT enabled, source, reason, changed_by FROM tickets.waiting_room_changes WHERE event_id = $1 ORDER BY changed_at, id',
      [event.eventId],
    );
    expect(rows.map((row) => [row.enabled, row.source, row.reason])).toEqual([
      [true, 'event', 'set by the organizer'],
      [false, 'admin', 'the rush is over'],
    ]);
    expect(rows[1].changed_by).toEqual(expect.any(String));
  });

  it('on again: newcomers queue in arrival order and holds need a token again', async () => {
    const event = await queuedEvent(t, { onSaleAt: null, admitPerMinute: 60 });
    expect((await switchRoom(event.eventId, { enabled: false, reason: 'pause' })).status).toBe(200);
    const on = await switchRoom(event.eventId, {
      enabled: true,
      admitPerMinute: 120,
      reason: 'a second wave',
    });
    expect(on.status, JSON.stringify(on.body)).toBe(200);
    expect(on.body).toMatchObject({
      room: { enabled: true, admitPerMinute: 120, source: 'admin' },
      admittedAtOnce: 0,
    });
    const first = await joinQueue(deps, newUserId(), event.eventId);
    const second = await joinQueue(deps, newUserId(), event.eventId);
    expect(second.place.number).toBe(first.place.number! + 1);
    expectProblem(await hold(event, newUserId()), 403, 'queue_admission_required');
  });

  it('can also switch on a room for an event that had none', async () => {
    const plain = await publishInventory(
      t,
      venue({ ticketTypes: [{ name: 'Floor', price: 5000, quantity: 50 }] }),
    );
    const on = await switchRoom(plain.eventId, { enabled: true, reason: 'bots' });
    expect(on.status, JSON.stringify(on.body)).toBe(200);
    expect(on.body.room).toMatchObject({
      enabled: true,
      admitPerMinute: deps.queue.autoAdmitPerMinute,
      source: 'admin',
    });
  });

  it('is for admins only, and bad input is named', async () => {
    const event = await queuedEvent(t, { onSaleAt: null, admitPerMinute: 60 });
    const buyer = await registerAndLogin(t.gatewayUrl);
    expectProblem(
      await switchRoom(event.eventId, { enabled: false, reason: 'x' }, buyer.tokens.accessToken),
      403,
    );
    expectProblem(await switchRoom(event.eventId, { enabled: false }), 400, undefined, 'reason');
    expectProblem(await switchRoom(event.eventId, { enabled: 'no', reason: 'x' }), 400, undefined, 'enabled');
    expectProblem(
      await switchRoom(event.eventId, { enabled: true, admitPerMinute: 0, reason: 'x' }),
      400,
      undefined,
      'admitPerMinute',
    );
    expectProblem(await switchRoom('not-a-uuid', { enabled: false, reason: 'x' }), 400);
    expectProblem(
      await switchRoom('0190a8f0-0000-7000-8000-000000000000', { enabled: false, reason: 'x' }),
      404,
      'event_not_found',
    );
  });
});

describe('a room the hold threshold switched on', () => {
  it('switches itself off when nobody waits and holds have calmed, and never overrules an admin', async () => {
    const event = await publishInventory(
      t,
      venue({ ticketTypes: [{ name: 'Floor', price: 5000, quantity: 50 }] }),
    );
    const holders = [newUserId(), newUserId()];
    const holds = [];
    for (const userId of holders) {
      const held = await hold(event, userId);
      expect(held.status, JSON.stringify(held.body)).toBe(201);
      holds.push(held.body.id as string);
    }
    expect(await autoEnableWaitingRooms(deps)).toContain(event.eventId);
    // Right after switching on it stays on, however calm it looks.
    expect(await autoDisableWaitingRooms(deps)).not.toContain(event.eventId);
    clock.advance((deps.queue.idleSeconds + 1) * 1000);
    // Two live holds are not under the switch-off mark (half the threshold: 1).
    expect(await autoDisableWaitingRooms(deps)).not.toContain(event.eventId);
    for (const [index, holdId] of holds.entries()) {
      const released = await call(t.ticketUrl, 'DELETE', `/api/v1/holds/${holdId}`, {
        headers: await asUser(t, holders[index]!),
      });
      expect(released.status, JSON.stringify(released.body)).toBe(204);
    }
    expect(await autoDisableWaitingRooms(deps)).toContain(event.eventId);
    const room = await call(t.gatewayUrl, 'GET', `/api/v1/events/${event.eventId}/waiting-room`);
    expect(room.body).toMatchObject({ enabled: false, source: 'auto' });

    // A new rush switches it on again; an admin switches it off, and the threshold leaves it off.
    for (const userId of [newUserId(), newUserId()]) {
      const queued = await joinQueue(deps, userId, event.eventId).catch(() => undefined);
      expect(queued).toBeUndefined();
      expect((await hold(event, userId)).status).toBe(201);
    }
    expect(await autoEnableWaitingRooms(deps)).toContain(event.eventId);
    expect((await switchRoom(event.eventId, { enabled: false, reason: 'we can take it' })).status).toBe(200);
    expect(await autoEnableWaitingRooms(deps)).not.toContain(event.eventId);
  });
});
