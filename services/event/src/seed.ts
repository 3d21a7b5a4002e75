// Demo events for the embedded mode, owned by the demo organizer of the user service's seed:
// a seated concert hall (curved stalls, VIP parterre, balcony), a general-admission festival
// and a theatre with explicit boxes. Published through the domain (which creates their
// inventory in the ticket service); when that is unavailable they stay drafts. Idempotent.
import type { Identity, ServiceContext } from '@ticketing/platform';
import { Registry } from 'prom-client';
import { eventServiceDeps } from './app.js';
import { createEvent } from './catalogue.js';
import { publishEvent } from './lifecycle.js';
import { findEventByTitle } from './repository.js';
import type { CreateEventBody } from './schema.js';

/** The user service's demo organizer and door staff (services/user/src/seed.ts). */
export const DEMO_ORGANIZER = 'organizer';
export const DEMO_STAFF = 'staff';

/**
 * The seed acts as an administrator towards the user service to find the demo organizer's id
 * (the user search is for admins). Development data only: the seed never runs in production.
 */
const SEED_ADMIN: Identity = { userId: '00000000-0000-7000-8000-000000000000', roles: ['ADMIN'] };

const DAY_MS = 86_400_000;

/** The day `days` from now at the given UTC time, so demo events always lie ahead. */
function ahead(now: Date, days: number, utcHour: number, utcMinute = 0): string {
  const day = new Date(now.getTime() + days * DAY_MS);
  return new Date(
    Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), utcHour, utcMinute),
  ).toISOString();
}

export function demoEvents(now: Date): CreateEventBody[] {
  return [
    {
      title: 'Midsummer Symphony Gala',
      description:
        'The Philharmonic Orchestra plays Beethoven’s Ninth and Dvořák’s New World Symphony under the summer sky of the city.',
      location: 'Philharmonie Concert Hall, Herbert-von-Karajan-Straße 1',
      city: 'Berlin',
      country: 'DE',
      eventType: 'CONCERT',
      timeZone: 'Europe/Berlin',
      startsAt: ahead(now, 30, 18),
      endsAt: ahead(now, 30, 20, 30),
      salesEndAt: ahead(now, 30, 18),
      imageUrl: 'https://images.ticketing.local/demo/symphony-gala.jpg',
      currency: 'EUR',
      basePrice: 4500,
      categories: ['classical', 'orchestra'],
      tags: ['beethoven', 'dvorak', 'summer'],
      venue: {
        name: 'Philharmonie Concert Hall',
        sections: [
          { name: 'Parterre', rows: 3, seatsPerRow: 16, curve: 0.3, category: 'VIP', price: 12_900 },
          {
            name: 'Stalls',
            rows: 18,
            seatsPerRow: 28,
            curve: 0.6,
            category: 'STANDARD',
            price: 6_900,
            accessibility: [{ row: 'A', seats: [1, 2, 27, 28], flags: ['WHEELCHAIR', 'STEP_FREE'] }],
          },
          { name: 'Balcony', rows: 6, seatsPerRow: 32, curve: 0.4, category: 'BALCONY', price: 4_500 },
        ],
      },
    },
    {
      title: 'Riverside Sound Festival',
      description:
        'Three days of indie, electronic and folk on four stages by the river, with food trucks and a family area.',
      location: 'Riverside Park, Elbufer',
      city: 'Hamburg',
      country: 'DE',
      eventType: 'FESTIVAL',
      timeZone: 'Europe/Berlin',
      startsAt: ahead(now, 60, 10),
      endsAt: ahead(now, 62, 22),
      imageUrl: 'https://images.ticketing.local/demo/riverside-festival.jpg',
      currency: 'EUR',
      basePrice: 5_900,
      categories: ['indie', 'electronic', 'folk'],
      tags: ['open air', 'family'],
      ticketTypes: [
        { name: 'Day Pass', price: 5_900, quantity: 4_000 },
        { name: 'Weekend Pass', price: 13_900, quantity: 3_000 },
        {
          name: 'VIP Weekend',
          description: 'Lounge, fast lane and the riverside terrace',
          price: 29_900,
          quantity: 300,
        },
      ],
      waitingRoom: { enabled: true, admitPerMinute: 500 },
    },
    {
      title: 'Hamlet',
      description:
        'Shakespeare’s tragedy of the Prince of Denmark in a new production of the Royal Court company.',
      location: 'Royal Court Theatre, Sloane Square',
      city: 'London',
      country: 'GB',
      eventType: 'THEATER',
      timeZone: 'Europe/London',
      startsAt: ahead(now, 45, 18, 30),
      endsAt: ahead(now, 45, 21, 30),
      imageUrl: 'https://images.ticketing.local/demo/hamlet.jpg',
      currency: 'GBP',
      basePrice: 3_500,
      categories: ['drama', 'shakespeare'],
      tags: ['classic'],
      venue: {
        name: 'Royal Court Theatre',
        sections: [
          { name: 'Stalls', rows: 12, seatsPerRow: 20, category: 'STANDARD', price: 4_500 },
          { name: 'Dress Circle', rows: 6, seatsPerRow: 22, curve: 0.3, category: 'PREMIUM', price: 6_500 },
          {
            name: 'Boxes',
            category: 'BOX',
            price: 9_500,
            seats: [
              { row: 'A', number: '1', x: 0, y: 0, accessibility: ['WHEELCHAIR', 'COMPANION'] },
              { row: 'A', number: '2', x: 10, y: 0, accessibility: ['COMPANION'] },
              { row: 'A', number: '3', x: 0, y: 10 },
              { row: 'A', number: '4', x: 10, y: 10 },
              { row: 'B', number: '1', x: 180, y: 0 },
              { row: 'B', number: '2', x: 190, y: 0 },
              { row: 'B', number: '3', x: 180, y: 10 },
              { row: 'B', number: '4', x: 190, y: 10 },
            ],
          },
        ],
      },
    },
  ];
}

async function findDemoUser(
  context: ServiceContext,
  username: string,
  role: 'ORGANIZER' | 'STAFF',
): Promise<string | undefined> {
  const response = await context.client('user').call<{ items: { id: string; username: string }[] }>({
    method: 'GET',
    path: '/api/v1/users',
    query: { q: username, role },
    user: SEED_ADMIN,
  });
  if (response.status !== 200) return undefined;
  return response.body.items.find((user) => user.username === username)?.id;
}

const findDemoOrganizer = (context: ServiceContext) => findDemoUser(context, DEMO_ORGANIZER, 'ORGANIZER');

export async function seedEvents(context: ServiceContext): Promise<void> {
  if (context.config.environment === 'production') throw new Error('the demo seed never runs in production');
  const deps = await eventServiceDeps(context, new Registry());
  const organizerId = await findDemoOrganizer(context).catch((error) => {
    deps.logger.warn({ err: error }, 'the user service is unavailable; no demo events');
    return undefined;
  });
  if (!organizerId) {
    deps.logger.warn({ username: DEMO_ORGANIZER }, 'the demo organizer does not exist; no demo events');
    return;
  }
  const organizer: Identity = { userId: organizerId, roles: ['ORGANIZER', 'USER'] };
  const outcomes: Record<string, string> = {};
  for (const demo of demoEvents(context.clock.now())) {
    const existing = await findEventByTitle(context.db.orm, organizerId, demo.title);
    const event = existing ?? (await createEvent(deps, organizer, demo));
    if (event.lifecycle !== 'DRAFT') {
      outcomes[demo.title] = event.lifecycle;
      continue;
    }
    try {
      await publishEvent(deps, organizer, event.id);
      outcomes[demo.title] = 'PUBLISHED';
    } catch (error) {
      deps.logger.warn({ err: error, title: demo.title }, 'demo event left as a draft: publishing failed');
      outcomes[demo.title] = 'DRAFT';
    }
  }
  // The demo door scanner works for the demo organizer, so it can check in the demo events.
  const staffId = await findDemoUser(context, DEMO_STAFF, 'STAFF').catch(() => undefined);
  if (staffId)
    await deps.tickets
      .assignDoorStaff(organizer, staffId)
      .catch((error) =>
        deps.logger.warn({ err: error }, 'the demo staff could not be assigned to the organizer'),
      );
  deps.logger.info({ events: outcomes }, 'demo events ready');
}
