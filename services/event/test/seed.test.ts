// The demo seed: a newcomer's first start shows a seated concert hall, a festival and a theatre
// on sale, owned by the demo organizer; without a ticket service they wait as drafts.
import { DEMO_PASSWORD } from '@ticketing/user-service';
import { afterEach, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { startTestPlatform, type TestPlatform } from '../../../tools/test/platform.js';
import { login, TEST_INTERNAL_TOKEN_SECRET, TicketServiceStandIn } from './support.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function seededPlatform(failWith?: number) {
  const tickets = await TicketServiceStandIn.start();
  tickets.failWith = failWith;
  cleanups.push(() => tickets.stop());
  const t: TestPlatform = await startTestPlatform({
    services: ['user', 'event', 'gateway'],
    seed: true,
    env: {
      TICKET_SERVICE_URL: tickets.url,
      INTERNAL_TOKEN_SECRET: TEST_INTERNAL_TOKEN_SECRET,
      EVENT_AVAILABILITY_TIMEOUT_MS: '15000',
    },
  });
  cleanups.push(() => t.stop());
  const organizer = await login(t.gatewayUrl, 'organizer', DEMO_PASSWORD);
  const mine = async () =>
    (await call(t.gatewayUrl, 'GET', '/api/v1/events?mine=true&sort=date', { token: organizer.accessToken }))
      .body.items as { id: string; title: string; lifecycle: string; capacity: number; eventType: string }[];
  const seedAgain = () =>
    t.platform.services.get('event')!.module.seed!(t.platform.services.get('event')!.context);
  return { t, tickets, mine, seedAgain };
}

// Each story starts its own seeded platform (argon2 hashes for four accounts): more than the default 30 s on a busy machine.
const STORY_TIMEOUT_MS = 120_000;

describe('the demo seed', () => {
  it(
    'publishes a concert hall, a festival and a theatre once, even when run again',
    async () => {
      const { t, tickets, mine, seedAgain } = await seededPlatform();
      const events = await mine();
      expect(events.map((event) => [event.title, event.eventType, event.lifecycle, event.capacity])).toEqual([
        ['Midsummer Symphony Gala', 'CONCERT', 'PUBLISHED', 48 + 18 * 28 + 6 * 32],
        ['Hamlet', 'THEATER', 'PUBLISHED', 12 * 20 + 6 * 22 + 8],
        ['Riverside Sound Festival', 'FESTIVAL', 'PUBLISHED', 4000 + 3000 + 300],
      ]);
      expect(tickets.inventoryCalls).toHaveLength(3);
      const concert = tickets.inventories.get(events[0]!.id)!;
      expect(concert.seats.filter((seat) => seat.accessible)).toHaveLength(4);
      expect(new Set(concert.seats.map((seat) => seat.category))).toEqual(
        new Set(['VIP', 'STANDARD', 'BALCONY']),
      );

      const publicList = await call(t.gatewayUrl, 'GET', '/api/v1/events');
      expect(publicList.body.items).toHaveLength(3);
      await seedAgain();
      expect(await mine()).toHaveLength(3);
      expect(tickets.inventoryCalls).toHaveLength(3);
    },
    STORY_TIMEOUT_MS,
  );

  it(
    'leaves the events as drafts while the ticket service is unavailable, and publishes them later',
    async () => {
      const { tickets, mine, seedAgain } = await seededPlatform(503);
      expect((await mine()).map((event) => event.lifecycle)).toEqual(['DRAFT', 'DRAFT', 'DRAFT']);
      tickets.failWith = undefined;
      // The client's circuit breaker opened during the outage; it lets calls through again after a few seconds.
      await expect
        .poll(
          async () => {
            await seedAgain();
            return (await mine()).map((event) => event.lifecycle);
          },
          { timeout: 60_000, interval: 1_000 },
        )
        .toEqual(['PUBLISHED', 'PUBLISHED', 'PUBLISHED']);
      expect(await mine()).toHaveLength(3);
    },
    STORY_TIMEOUT_MS,
  );
});
