// The door's rules: check-in opens some time before the event (doors) and closes at its end, and
// a staff member scans only the events of organizers they work for — organizers choose their door
// staff, admins manage any organizer's and scan anything.
import { randomUUID } from 'node:crypto';
import { ManualClock } from '@ticketing/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { TEST_ADMIN } from '../../../tools/test/platform.js';
import { login, registerAndLogin } from '../../user/test/support.js';
import {
  asService,
  door,
  expectProblem,
  hold,
  newUserId,
  publishInventory,
  sell,
  startTicketPlatform,
  type TicketTestPlatform,
  venue,
} from './support.js';

const clock = new ManualClock('2030-06-01T12:00:00Z');
const HOUR = 3_600_000;
let t: TicketTestPlatform;
let adminToken: string;

beforeAll(async () => {
  t = await startTicketPlatform({
    clock,
    // The clock moves by hours between scans; tokens outlive it (a day) so the stories need no re-login.
    env: { TICKET_CHECK_IN_OPENS_BEFORE_MINUTES: '60', ACCESS_TOKEN_TTL_SECONDS: '86400' },
  });
  adminToken = (await login(t.gatewayUrl, TEST_ADMIN.username, TEST_ADMIN.password)).accessToken;
});
afterAll(() => t?.stop());

/** A signed-in account with these roles (set by the admin), as its own fresh login. */
async function accountWith(roles: string[]) {
  const { account, user } = await registerAndLogin(t.gatewayUrl);
  if (roles.some((role) => role !== 'USER')) {
    const set = await call(t.gatewayUrl, 'PUT', `/api/v1/users/${user.id}/roles`, {
      token: adminToken,
      body: { roles },
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
  }
  const { accessToken } = await login(t.gatewayUrl, account.username, account.password);
  return { id: user.id as string, token: accessToken };
}

/** An event of `organizerId` starting at startsAt (two hours long), with one sold ticket. */
async function soldTicketOf(organizerId: string, startsAt: Date) {
  const plan = await publishInventory(
    t,
    venue({ ticketTypes: [{ name: 'GA', price: 1500, quantity: 5 }] }, { door: door(organizerId, startsAt) }),
  );
  const buyer = newUserId();
  const held = await hold(t, buyer, {
    eventId: plan.eventId,
    items: [{ ticketTypeId: plan.ticketTypeId('GA'), quantity: 1 }],
  });
  expect(held.status, JSON.stringify(held.body)).toBe(201);
  const sold = await sell(t, held.body.id, buyer);
  expect(sold.status, JSON.stringify(sold.body)).toBe(200);
  return { eventId: plan.eventId, code: sold.body.tickets[0].code as string };
}

const scan = (token: string, code: string) =>
  call(t.gatewayUrl, 'POST', '/api/v1/checkin', { token, body: { code } });
const assign = (token: string, staffId: string, organizerId?: string) =>
  call(
    t.gatewayUrl,
    'PUT',
    `/api/v1/checkin/staff/${staffId}${organizerId ? `?organizerId=${organizerId}` : ''}`,
    {
      token,
    },
  );

describe('the door', () => {
  it('opens the configured time before the event starts, and not a minute earlier', async () => {
    const organizer = await accountWith(['ORGANIZER', 'USER']);
    const staff = await accountWith(['STAFF', 'USER']);
    expect((await assign(organizer.token, staff.id)).status).toBe(200);
    const startsAt = new Date(clock.now().getTime() + 2 * HOUR);
    const { code } = await soldTicketOf(organizer.id, startsAt);

    const early = await scan(staff.token, code);
    expectProblem(early, 409, 'checkin_not_open', 'code');
    expect(early.body.opensAt).toBe(new Date(startsAt.getTime() - HOUR).toISOString());

    clock.advance(HOUR);
    const admitted = await scan(staff.token, code);
    expect(admitted.status, JSON.stringify(admitted.body)).toBe(200);
  });

  it('closes when the event ends', async () => {
    const organizer = await accountWith(['ORGANIZER', 'USER']);
    const staff = await accountWith(['STAFF', 'USER']);
    expect((await assign(organizer.token, staff.id)).status).toBe(200);
    const startsAt = new Date(clock.now().getTime() - 4 * HOUR);
    const { code } = await soldTicketOf(organizer.id, startsAt);
    const late = await scan(staff.token, code);
    expectProblem(late, 409, 'checkin_closed', 'code');
    expect(late.body.endedAt).toBe(new Date(startsAt.getTime() + 3 * HOUR).toISOString());
  });

  it('moves with a rescheduled event', async () => {
    const organizer = await accountWith(['ORGANIZER', 'USER']);
    const staff = await accountWith(['STAFF', 'USER']);
    expect((await assign(organizer.token, staff.id)).status).toBe(200);
    const { eventId, code } = await soldTicketOf(
      organizer.id,
      new Date(clock.now().getTime() + 30 * 24 * HOUR),
    );
    expectProblem(await scan(staff.token, code), 409, 'checkin_not_open');

    // The event service moves it to tonight.
    const moved = await call(t.ticketUrl, 'PUT', `/api/v1/internal/inventory/${eventId}/door`, {
      headers: await asService(t),
      body: door(organizer.id, new Date(clock.now().getTime() + HOUR / 2)),
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(204);
    expect((await scan(staff.token, code)).status).toBe(200);

    const unknown = await call(t.ticketUrl, 'PUT', `/api/v1/internal/inventory/${randomUUID()}/door`, {
      headers: await asService(t),
      body: door(organizer.id),
    });
    expectProblem(unknown, 404, 'event_not_found');
    const bad = await call(t.ticketUrl, 'PUT', `/api/v1/internal/inventory/${eventId}/door`, {
      headers: await asService(t),
      body: { ...door(organizer.id), startsAt: 'tonight' },
    });
    expectProblem(bad, 400, 'validation_failed', 'startsAt');
  });
});

describe('staff', () => {
  it('scan only the events of organizers they work for, from when they are added until they are removed', async () => {
    const mine = await accountWith(['ORGANIZER', 'USER']);
    const theirs = await accountWith(['ORGANIZER', 'USER']);
    const staff = await accountWith(['STAFF', 'USER']);
    const soon = new Date(clock.now().getTime() + HOUR / 2);
    const ours = await soldTicketOf(mine.id, soon);
    const other = await soldTicketOf(theirs.id, soon);
    const another = await soldTicketOf(mine.id, soon);

    expectProblem(await scan(staff.token, ours.code), 403, 'not_event_staff');
    expect((await assign(mine.token, staff.id)).status).toBe(200);
    expect((await scan(staff.token, ours.code)).status).toBe(200);
    // Another organizer's ticket: refused before anything about it is said.
    const refused = await scan(staff.token, other.code);
    expectProblem(refused, 403, 'not_event_staff');
    expect(refused.body.ticketEventId).toBeUndefined();

    const removed = await call(t.gatewayUrl, 'DELETE', `/api/v1/checkin/staff/${staff.id}`, {
      token: mine.token,
    });
    expect(removed.status).toBe(204);
    expectProblem(await scan(staff.token, another.code), 403, 'not_event_staff');
  });

  it('do not hold back an admin, who scans any event', async () => {
    const organizer = await accountWith(['ORGANIZER', 'USER']);
    const { code } = await soldTicketOf(organizer.id, new Date(clock.now().getTime() + HOUR / 2));
    expect((await scan(adminToken, code)).status).toBe(200);
  });

  it('cannot scan an event whose organizer the ticket service was never told; an admin can', async () => {
    const staff = await accountWith(['STAFF', 'USER']);
    const plan = await publishInventory(
      t,
      venue({ ticketTypes: [{ name: 'GA', price: 1500, quantity: 2 }] }, { door: undefined }),
    );
    const buyer = newUserId();
    const held = await hold(t, buyer, {
      eventId: plan.eventId,
      items: [{ ticketTypeId: plan.ticketTypeId('GA'), quantity: 1 }],
    });
    const sold = await sell(t, held.body.id, buyer);
    expectProblem(await scan(staff.token, sold.body.tickets[0].code), 409, 'event_door_unknown');
    expect((await scan(adminToken, sold.body.tickets[0].code)).status).toBe(200);
  });
});

describe('managing door staff', () => {
  it('is an organizer’s own business; an admin manages any organizer’s', async () => {
    const organizer = await accountWith(['ORGANIZER', 'USER']);
    const rival = await accountWith(['ORGANIZER', 'USER']);
    const staff = await accountWith(['STAFF', 'USER']);
    const added = await assign(organizer.token, staff.id);
    expect(added.body).toMatchObject({
      organizerId: organizer.id,
      staffId: staff.id,
      assignedBy: organizer.id,
    });
    // Adding again changes nothing.
    expect((await assign(organizer.token, staff.id)).body).toEqual(added.body);
    const listed = await call(t.gatewayUrl, 'GET', '/api/v1/checkin/staff', { token: organizer.token });
    expect(listed.body).toEqual({ organizerId: organizer.id, items: [added.body] });

    expectProblem(
      await assign(rival.token, staff.id, organizer.id),
      403,
      'not_your_organizer_account',
      'organizerId',
    );
    expect(
      (await call(t.gatewayUrl, 'GET', '/api/v1/checkin/staff', { token: rival.token })).body.items,
    ).toEqual([]);

    const byAdmin = await call(t.gatewayUrl, 'GET', `/api/v1/checkin/staff?organizerId=${organizer.id}`, {
      token: adminToken,
    });
    expect(byAdmin.body.items).toHaveLength(1);
    const removedByAdmin = await call(
      t.gatewayUrl,
      'DELETE',
      `/api/v1/checkin/staff/${staff.id}?organizerId=${organizer.id}`,
      { token: adminToken },
    );
    expect(removedByAdmin.status).toBe(204);
  });

  it('names the field of bad input, and says when there is nothing to remove', async () => {
    const organizer = await accountWith(['ORGANIZER', 'USER']);
    expectProblem(await assign(organizer.token, 'not-a-uuid'), 400, 'validation_failed', 'staffId');
    expectProblem(
      await assign(organizer.token, randomUUID(), 'nobody'),
      400,
      'validation_failed',
      'organizerId',
    );
    expectProblem(
      await call(t.gatewayUrl, 'DELETE', `/api/v1/checkin/staff/${randomUUID()}`, { token: organizer.token }),
      404,
      'staff_not_assigned',
    );
  });

  describe('who may', () => {
    const roleMatrix = [
      { role: 'anonymous', roles: [], expected: 401 },
      { role: 'USER', roles: ['USER'], expected: 403 },
      { role: 'STAFF', roles: ['STAFF', 'USER'], expected: 403 },
      { role: 'ORGANIZER', roles: ['ORGANIZER', 'USER'], expected: 200 },
      { role: 'ADMIN', roles: ['ADMIN'], expected: 200 },
    ];
    for (const { role, roles, expected } of roleMatrix) {
      it(`${role}: ${expected}`, async () => {
        const token =
          role === 'anonymous' ? undefined : role === 'ADMIN' ? adminToken : (await accountWith(roles)).token;
        const staffId = randomUUID();
        const requests = [
          ['GET', '/api/v1/checkin/staff', 200],
          ['PUT', `/api/v1/checkin/staff/${staffId}`, 200],
          ['DELETE', `/api/v1/checkin/staff/${staffId}`, 204],
        ] as const;
        for (const [method, path, allowed] of requests) {
          const answer = await call(t.gatewayUrl, method, path, { ...(token && { token }) });
          if (expected === 200) expect(answer.status, `${method} ${path}`).toBe(allowed);
          else expectProblem(answer, expected);
        }
      });
    }
  });
});
