// Every kind of bad input an organizer can send gets a 400 or 409 problem naming the field and
// the reason, and nothing of a refused request is saved.
import { newId } from '@ticketing/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  createEvent,
  createPublishedEvent,
  daysAhead,
  deliverTicketEvent,
  type EventPlatform,
  eventBody,
  expectProblem,
  newOrganizer,
  query,
  startEventPlatform,
} from './support.js';

let p: EventPlatform;
let organizer: { id: string; token: string };
beforeAll(async () => {
  p = await startEventPlatform();
  organizer = await newOrganizer(p);
});
afterAll(() => p?.stop());

const create = (overrides: Record<string, unknown>) =>
  api(p, 'POST', '/events', organizer.token, eventBody(overrides));
const countEvents = async () =>
  (
    await query<{ n: number }>(p, 'SELECT count(*)::int AS n FROM events.events WHERE organizer_id = $1', [
      organizer.id,
    ])
  )[0]!.n;

const TEN_DAYS = daysAhead(10);

describe('creating an event with bad input', () => {
  const section = (changes: Record<string, unknown>) => ({
    venue: { sections: [{ name: 'Stalls', rows: 2, seatsPerRow: 5, price: 1000, ...changes }] },
  });
  const cases: [string, Record<string, unknown>, number, string, string][] = [
    [
      'an end before the start',
      { startsAt: daysAhead(10), endsAt: daysAhead(9) },
      400,
      'ends_before_start',
      'endsAt',
    ],
    [
      'an end equal to the start',
      { startsAt: TEN_DAYS, endsAt: TEN_DAYS },
      400,
      'ends_before_start',
      'endsAt',
    ],
    [
      'sales starting after the event starts',
      { startsAt: daysAhead(10), endsAt: daysAhead(11), salesStartAt: daysAhead(10, 1) },
      400,
      'sales_window_outside_event',
      'salesStartAt',
    ],
    [
      'sales ending after the event ends',
      { startsAt: daysAhead(10), endsAt: daysAhead(11), salesEndAt: daysAhead(12) },
      400,
      'sales_window_outside_event',
      'salesEndAt',
    ],
    [
      'sales ending before they start',
      { salesStartAt: daysAhead(5), salesEndAt: daysAhead(4) },
      400,
      'sales_window_empty',
      'salesEndAt',
    ],
    ['a negative base price', { basePrice: -1 }, 400, 'validation_failed', 'basePrice'],
    [
      'a negative section price',
      section({ price: -100 }),
      400,
      'validation_failed',
      'venue.sections.0.price',
    ],
    [
      'a negative ticket type price',
      { ticketTypes: [{ name: 'GA', price: -5, quantity: 10 }] },
      400,
      'validation_failed',
      'ticketTypes.0.price',
    ],
    ['a fractional price', { basePrice: 10.5 }, 400, 'validation_failed', 'basePrice'],
    ['an unknown currency', { currency: 'XYZ' }, 400, 'unknown_currency', 'currency'],
    ['a currency no longer in use', { currency: 'DEM' }, 400, 'unknown_currency', 'currency'],
    ['a currency in lower case', { currency: 'eur' }, 400, 'validation_failed', 'currency'],
    ['an unknown time zone', { timeZone: 'Mars/Olympus_Mons' }, 400, 'unknown_time_zone', 'timeZone'],
    ['a capacity the seat map does not have', { capacity: 100 }, 400, 'capacity_mismatch', 'capacity'],
    [
      'two ticket types with one name',
      {
        ticketTypes: [
          { name: 'GA', quantity: 1 },
          { name: 'ga', quantity: 2 },
        ],
      },
      400,
      'duplicate_ticket_type',
      'ticketTypes.1.name',
    ],
    [
      'a ticket type without tickets',
      { ticketTypes: [{ name: 'GA', quantity: 0 }] },
      400,
      'validation_failed',
      'ticketTypes.0.quantity',
    ],
    [
      'two sections with one name',
      {
        venue: {
          sections: [
            { name: 'Stalls', rows: 1, seatsPerRow: 1 },
            { name: 'Stalls', rows: 1, seatsPerRow: 1 },
          ],
        },
      },
      400,
      'invalid_seat_map',
      'venue.sections.1.name',
    ],
    [
      'a section with neither rows nor seats',
      section({ rows: undefined, seatsPerRow: undefined }),
      400,
      'invalid_seat_map',
      'venue.sections.0',
    ],
    [
      'a section with rows and a seat list',
      section({ seats: [{ row: 'A', number: '1', x: 0, y: 0 }] }),
      400,
      'invalid_seat_map',
      'venue.sections.0',
    ],
    [
      'a seat listed twice',
      section({
        rows: undefined,
        seatsPerRow: undefined,
        seats: [
          { row: 'A', number: '1', x: 0, y: 0 },
          { row: 'A', number: '1', x: 10, y: 0 },
        ],
      }),
      400,
      'duplicate_seat',
      'venue.sections.0.seats.1',
    ],
    [
      'a negative seat coordinate',
      section({ rows: undefined, seatsPerRow: undefined, seats: [{ row: 'A', number: '1', x: -1, y: 0 }] }),
      400,
      'validation_failed',
      'venue.sections.0.seats.0.x',
    ],
    ['a curve beyond 1', section({ curve: 1.5 }), 400, 'validation_failed', 'venue.sections.0.curve'],
    [
      'more seats than an event may have',
      {
        venue: {
          sections: [
            { name: 'A', rows: 200, seatsPerRow: 500 },
            { name: 'B', rows: 200, seatsPerRow: 500 },
          ],
        },
      },
      400,
      'too_many_seats',
      'venue.sections',
    ],
    [
      'no price for a section and no base price',
      { basePrice: undefined, venue: { sections: [{ name: 'Stalls', rows: 1, seatsPerRow: 2 }] } },
      400,
      'price_required',
      'venue.sections.0.price',
    ],
    [
      'neither a base price nor anything to sell',
      { basePrice: undefined, venue: undefined, ticketTypes: undefined },
      400,
      'price_required',
      'basePrice',
    ],
    ['an unknown event type', { eventType: 'CIRCUS' }, 400, 'validation_failed', 'eventType'],
    ['a missing title', { title: undefined }, 400, 'validation_failed', 'title'],
    ['a blank title', { title: '   ' }, 400, 'validation_failed', 'title'],
    ['a start that is no date', { startsAt: 'next friday' }, 400, 'validation_failed', 'startsAt'],
    [
      'an image that is no web address',
      { imageUrl: 'javascript:alert(1)' },
      400,
      'validation_failed',
      'imageUrl',
    ],
    ['an unknown field', { ownerId: newId() }, 400, 'validation_failed', 'ownerId'],
    ['a status set by hand', { lifecycle: 'PUBLISHED' }, 400, 'validation_failed', 'lifecycle'],
  ];

  it.each(cases)('refuses %s', async (_story, overrides, status, code, field) => {
    const before = await countEvents();
    expectProblem(await create(overrides), status, code, field);
    expect(await countEvents()).toBe(before);
  });
});

describe('editing with bad input', () => {
  it('refuses what it refuses on creation, and an empty change, leaving the event as it was', async () => {
    const event = await createEvent(p, organizer.token);
    const patch = (body: unknown) => api(p, 'PATCH', `/events/${event.id}`, organizer.token, body);
    expectProblem(await patch({ endsAt: event.startsAt }), 400, 'ends_before_start', 'endsAt');
    expectProblem(await patch({ startsAt: daysAhead(30) }), 400, 'ends_before_start', 'endsAt');
    expectProblem(
      await patch({ salesEndAt: daysAhead(40) }),
      400,
      'sales_window_outside_event',
      'salesEndAt',
    );
    expectProblem(await patch({ currency: 'ABC' }), 400, 'unknown_currency', 'currency');
    expectProblem(await patch({ capacity: 5 }), 400, 'capacity_mismatch', 'capacity');
    expectProblem(
      await patch({
        title: 'Renamed',
        ticketTypes: [
          { name: 'A', quantity: 1 },
          { name: 'A', quantity: 1 },
        ],
      }),
      400,
      'duplicate_ticket_type',
      'ticketTypes.1.name',
    );
    expectProblem(
      await patch({ ticketTypes: [{ id: newId(), name: 'Ghost', quantity: 1 }] }),
      400,
      'unknown_ticket_type',
      'ticketTypes.0.id',
    );
    expectProblem(await patch({}), 400, 'validation_failed');
    expectProblem(await patch({ organizerId: newId() }), 400, 'validation_failed', 'organizerId');
    const read = await api(p, 'GET', `/events/${event.id}`, organizer.token);
    expect(read.body).toEqual({ ...event, updatedAt: read.body.updatedAt });
    expect(read.body.updatedAt).toBe(event.updatedAt);
  });

  it('refuses any change to a cancelled event, and publishing it', async () => {
    const event = await createPublishedEvent(p, organizer.token);
    await api(p, 'POST', `/events/${event.id}/cancel`, organizer.token, { reason: 'storm' });
    expectProblem(
      await api(p, 'PATCH', `/events/${event.id}`, organizer.token, { title: 'Back on' }),
      409,
      'event_cancelled',
    );
    expectProblem(
      await api(p, 'POST', `/events/${event.id}/publish`, organizer.token),
      409,
      'event_cancelled',
    );
  });

  it('refuses unknown events and ids that are no ids', async () => {
    expectProblem(
      await api(p, 'PATCH', `/events/${newId()}`, organizer.token, { title: 'x' }),
      404,
      'event_not_found',
    );
    expectProblem(await api(p, 'GET', '/events/not-an-id'), 400, 'validation_failed', 'id');
    expectProblem(
      await api(p, 'POST', `/events/${newId()}/publish`, organizer.token),
      404,
      'event_not_found',
    );
  });
});

describe('editing a published event that has sales', () => {
  async function eventWithSales() {
    const event = await createPublishedEvent(p, organizer.token);
    const map = await api(p, 'GET', `/events/${event.id}/venue`, organizer.token);
    const soldSeat = map.body.sections[0].seats[0];
    const standing = event.ticketTypes[0];
    await deliverTicketEvent(p, 'ticket-sold', {
      eventId: event.id,
      holdId: newId(),
      orderId: newId(),
      userId: newId(),
      soldAt: new Date().toISOString(),
      tickets: [
        { ticketId: soldSeat.id, category: 'STANDARD', ticketTypeId: null, price: 4000 },
        ...[1, 2, 3].map(() => ({
          ticketId: newId(),
          category: null,
          ticketTypeId: standing.id,
          price: 2000,
        })),
      ],
    });
    return { event, soldSeat, standing };
  }

  it('refuses to shrink capacity below what is sold', async () => {
    const { event, standing } = await eventWithSales();
    const patch = (body: unknown) => api(p, 'PATCH', `/events/${event.id}`, organizer.token, body);
    expectProblem(
      await patch({ ticketTypes: [{ id: standing.id, name: 'Standing', price: 2000, quantity: 2 }] }),
      409,
      'capacity_below_sold',
      'ticketTypes.0.quantity',
    );
    expectProblem(await patch({ ticketTypes: [] }), 409, 'capacity_below_sold', 'ticketTypes');
    expectProblem(await patch({ capacity: 3 }), 409, 'capacity_below_sold', 'capacity');
  });

  it('refuses to move, reprice or remove a sold seat', async () => {
    const { event } = await eventWithSales();
    const venue = eventBody().venue;
    const patch = (body: unknown) => api(p, 'PATCH', `/events/${event.id}`, organizer.token, body);
    expectProblem(
      await patch({ venue: { sections: [{ ...venue.sections[0], price: 4500 }, venue.sections[1]] } }),
      409,
      'seat_sold',
      'venue.sections',
    );
    expectProblem(
      await patch({ venue: { sections: [venue.sections[1]] } }),
      409,
      'seat_sold',
      'venue.sections',
    );
  });

  it('refuses other changes to what is on sale, since the ticket service holds it', async () => {
    const { event } = await eventWithSales();
    const venue = eventBody().venue;
    const patch = (body: unknown) => api(p, 'PATCH', `/events/${event.id}`, organizer.token, body);
    expectProblem(
      await patch({ venue: { sections: [venue.sections[0], { ...venue.sections[1], price: 3000 }] } }),
      409,
      'inventory_locked',
      'venue.sections',
    );
    expectProblem(
      await patch({ ticketTypes: [{ ...event.ticketTypes[0], description: undefined, quantity: 60 }] }),
      409,
      'inventory_locked',
      'ticketTypes',
    );
    expectProblem(await patch({ currency: 'USD' }), 409, 'inventory_locked', 'currency');
    expectProblem(await patch({ salesStartAt: daysAhead(1) }), 409, 'inventory_locked', 'salesStartAt');
    // The same seat map sent again, and fields outside the inventory, are fine.
    const same = await patch({ venue, title: 'Night of the Strings — sold well' });
    expect(same.status, JSON.stringify(same.body)).toBe(200);
    expect(same.body.capacity).toBe(event.capacity);
  });
});

describe('searching with bad filters', () => {
  it('names the filter that is wrong', async () => {
    const list = (search: string) => api(p, 'GET', `/events?${search}`);
    expectProblem(await list(`from=${daysAhead(10)}&to=${daysAhead(5)}`), 400, 'invalid_filter', 'to');
    expectProblem(await list('minPrice=5000&maxPrice=1000'), 400, 'invalid_filter', 'maxPrice');
    expectProblem(await list('cursor=bm90IGEgY3Vyc29y'), 400, 'invalid_cursor', 'cursor');
    expectProblem(await list('limit=1000'), 400, 'validation_failed', 'limit');
    expectProblem(await list('sort=popularity'), 400, 'validation_failed', 'sort');
    expectProblem(await list('type=CIRCUS'), 400, 'validation_failed');
    expectProblem(await list('from=yesterday'), 400, 'validation_failed', 'from');
    expectProblem(await list('minPrice=-1'), 400, 'validation_failed', 'minPrice');
    expectProblem(await list('colour=blue'), 400, 'validation_failed', 'colour');
  });
});
