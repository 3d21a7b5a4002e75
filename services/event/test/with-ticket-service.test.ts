// The event service with the real ticket service (no stand-in): the inventory it sends on
// publish is accepted, buyers see the seats there, and a hold shows in the event's counts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { startTestPlatform, TEST_ADMIN, type TestPlatform } from '../../../tools/test/platform.js';
import { login, registerAndLogin } from '../../user/test/support.js';
import { eventBody } from './support.js';

let t: TestPlatform;
let organizerToken: string;
beforeAll(async () => {
  t = await startTestPlatform({
    services: ['user', 'event', 'ticket', 'gateway'],
    env: { EVENT_AVAILABILITY_TIMEOUT_MS: '15000' },
  });
  const admin = await login(t.gatewayUrl, TEST_ADMIN.username, TEST_ADMIN.password);
  const { account, user } = await registerAndLogin(t.gatewayUrl);
  await call(t.gatewayUrl, 'PUT', `/api/v1/users/${user.id}/roles`, {
    token: admin.accessToken,
    body: { roles: ['ORGANIZER', 'USER'] },
  });
  organizerToken = (await login(t.gatewayUrl, account.username, account.password)).accessToken;
});
afterAll(() => t?.stop());

describe('publishing with the ticket service', () => {
  it('puts every seat and ticket type on sale, and a buyer’s hold shows in the counts', async () => {
    const created = await call(t.gatewayUrl, 'POST', '/api/v1/events', {
      token: organizerToken,
      body: eventBody(),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const eventId = created.body.id;
    const published = await call(t.gatewayUrl, 'POST', `/api/v1/events/${eventId}/publish`, {
      token: organizerToken,
    });
    expect(published.status, JSON.stringify(published.body)).toBe(200);
    expect(published.body.availability).toMatchObject({ total: 106, available: 106, sold: 0 });
    expect(published.body.availability.byCategory).toMatchObject({
      STANDARD: { total: 40 },
      BALCONY: { total: 16 },
    });

    const seats = await call(t.gatewayUrl, 'GET', `/api/v1/events/${eventId}/seats`);
    expect(seats.status).toBe(200);
    const venue = await call(t.gatewayUrl, 'GET', `/api/v1/events/${eventId}/venue`, {
      token: organizerToken,
    });
    const seatIds = venue.body.sections.flatMap((section: { seats: { id: string }[] }) =>
      section.seats.map((s) => s.id),
    );
    expect(JSON.stringify(seats.body)).toContain(seatIds[0]);

    const buyer = await registerAndLogin(t.gatewayUrl);
    const hold = await call(t.gatewayUrl, 'POST', '/api/v1/holds', {
      token: buyer.tokens.accessToken,
      body: { eventId, items: [{ ticketTypeId: created.body.ticketTypes[0].id, quantity: 2 }] },
    });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    await expect
      .poll(async () => (await call(t.gatewayUrl, 'GET', `/api/v1/events/${eventId}`)).body.availableSeats, {
        timeout: 20_000,
      })
      .toBe(104);
  }, 90_000);
});
