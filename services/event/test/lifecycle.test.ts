// An organizer's event from draft to sale to cancellation, over HTTP through the gateway, with
// a stand-in for the ticket service's internal inventory API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  createEvent,
  createPublishedEvent,
  daysAhead,
  EVENTUALLY,
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

describe('creating an event', () => {
  it('stores a draft with the seat map, ticket types and the capacity they add up to', async () => {
    const response = await api(p, 'POST', '/events', organizer.token, {
      ...eventBody(),
      timeZone: 'Europe/Berlin',
      imageUrl: 'https://cdn.example.com/strings.jpg',
      categories: ['Classical', 'chamber'],
      tags: ['vivaldi'],
      salesStartAt: daysAhead(1),
      salesEndAt: daysAhead(20),
      capacity: 40 + 16 + 50,
      waitingRoom: { enabled: true, admitPerMinute: 200 },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    const event = response.body;
    expect(response.headers.location).toBe(`/api/v1/events/${event.id}`);
    expect(event).toMatchObject({
      organizerId: organizer.id,
      title: 'Night of the Strings',
      eventType: 'CONCERT',
      lifecycle: 'DRAFT',
      status: 'INACTIVE',
      salesOpen: false,
      timeZone: 'Europe/Berlin',
      currency: 'EUR',
      basePrice: 3000,
      minPrice: 2000,
      maxPrice: 4000,
      capacity: 106,
      availableSeats: null,
      availability: null,
      categories: ['classical', 'chamber'],
      tags: ['vivaldi'],
      waitingRoom: { enabled: true, admitPerMinute: 200 },
      publishedAt: null,
    });
    expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(event.venue.sections).toEqual([
      expect.objectContaining({
        name: 'Stalls',
        category: 'STANDARD',
        price: 4000,
        rows: 4,
        seatsPerRow: 10,
        seatCount: 40,
      }),
      expect.objectContaining({
        name: 'Balcony',
        category: 'BALCONY',
        price: 2500,
        curve: 0.5,
        seatCount: 16,
      }),
    ]);
    expect(event.ticketTypes).toEqual([
      { id: expect.any(String), name: 'Standing', description: null, price: 2000, quantity: 50 },
    ]);
  });

  it('takes the public API table’s minimal body: UTC, no sales window, prices from the base price', async () => {
    const response = await api(p, 'POST', '/events', organizer.token, {
      title: 'Open Mic',
      description: 'Bring your jokes',
      location: 'The Cellar',
      eventType: 'COMEDY',
      startsAt: daysAhead(5),
      endsAt: daysAhead(5, 2),
      currency: 'USD',
      basePrice: 1500,
      venue: { sections: [{ name: 'Floor', rows: 2, seatsPerRow: 5, category: 'STANDARD' }] },
      ticketTypes: [{ name: 'Bar standing', quantity: 20 }],
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body).toMatchObject({
      timeZone: 'UTC',
      city: null,
      salesStartAt: null,
      salesEndAt: null,
      capacity: 30,
      minPrice: 1500,
      maxPrice: 1500,
    });
    expect(response.body.venue.sections[0].price).toBe(1500);
    expect(response.body.ticketTypes[0].price).toBe(1500);
  });

  it('shows every seat of the map to its organizer', async () => {
    const event = await createEvent(p, organizer.token, {
      venue: {
        name: 'Small Hall',
        sections: [
          {
            name: 'Stalls',
            rows: 2,
            seatsPerRow: 3,
            price: 4000,
            accessibility: [{ row: 'A', seats: [1], flags: ['WHEELCHAIR'] }],
          },
          { name: 'Box', price: 9000, category: 'VIP', seats: [{ row: '1', number: '1', x: 0, y: 0 }] },
        ],
      },
    });
    const map = await api(p, 'GET', `/events/${event.id}/venue`, organizer.token);
    expect(map.status, JSON.stringify(map.body)).toBe(200);
    expect(map.body.sections.map((section: { seats: unknown[] }) => section.seats.length)).toEqual([6, 1]);
    expect(map.body.sections[0].seats[0]).toMatchObject({
      row: 'A',
      number: '1',
      label: 'Stalls · Row A · Seat 1',
      category: 'STANDARD',
      price: 4000,
      accessibility: ['WHEELCHAIR'],
      accessible: true,
    });
    expect(map.body.sections[1].seats[0]).toMatchObject({ category: 'VIP', price: 9000, accessible: false });
    expect(map.body.width).toBeGreaterThan(0);
    expect(map.body.ticketTypes).toHaveLength(1);
  });
});

describe('editing a draft', () => {
  it('changes fields, replaces the seat map keeping the ids of seats that stay, and recomputes capacity', async () => {
    const event = await createEvent(p, organizer.token);
    const before = await api(p, 'GET', `/events/${event.id}/venue`, organizer.token);
    const keptSeat = before.body.sections[0].seats[0];
    const edited = await api(p, 'PATCH', `/events/${event.id}`, organizer.token, {
      title: 'Night of the Strings (extended)',
      city: 'Potsdam',
      imageUrl: null,
      venue: { sections: [{ name: 'Stalls', rows: 5, seatsPerRow: 10, category: 'STANDARD', price: 4000 }] },
      ticketTypes: [
        { id: event.ticketTypes[0].id, name: 'Standing', price: 2200, quantity: 80 },
        { name: 'Student', price: 900, quantity: 20 },
      ],
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body).toMatchObject({
      title: 'Night of the Strings (extended)',
      city: 'Potsdam',
      imageUrl: null,
      capacity: 50 + 100,
      minPrice: 900,
      maxPrice: 4000,
    });
    expect(edited.body.venue.sections).toHaveLength(1);
    expect(edited.body.ticketTypes[0].id).toBe(event.ticketTypes[0].id);
    const after = await api(p, 'GET', `/events/${event.id}/venue`, organizer.token);
    expect(after.body.sections[0].seats[0].id).toBe(keptSeat.id);
    const read = await api(p, 'GET', `/events/${event.id}`, organizer.token);
    expect(read.body.title).toBe('Night of the Strings (extended)');
  });

  it('renames a ticket type by its id, and gives a new one its own id even under the old name', async () => {
    const event = await createEvent(p, organizer.token);
    const standing = event.ticketTypes[0];
    const edited = await api(p, 'PATCH', `/events/${event.id}`, organizer.token, {
      ticketTypes: [
        { id: standing.id, name: 'Early bird', price: 1500, quantity: 10 },
        { name: 'Standing', price: 2000, quantity: 40 },
      ],
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body.ticketTypes[0]).toMatchObject({ id: standing.id, name: 'Early bird' });
    expect(edited.body.ticketTypes[1].id).not.toBe(standing.id);
  });

  it('deletes a draft entirely', async () => {
    const event = await createEvent(p, organizer.token);
    expect((await api(p, 'DELETE', `/events/${event.id}`, organizer.token)).status).toBe(204);
    expectProblem(await api(p, 'GET', `/events/${event.id}`, organizer.token), 404, 'event_not_found');
    expect(await query(p, 'SELECT 1 FROM events.seats WHERE event_id = $1', [event.id])).toHaveLength(0);
  });
});

describe('publishing', () => {
  it('creates the inventory in the ticket service, goes on sale and announces event-published', async () => {
    const event = await createEvent(p, organizer.token, { salesEndAt: daysAhead(19) });
    const response = await api(p, 'POST', `/events/${event.id}/publish`, organizer.token);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({ lifecycle: 'PUBLISHED', status: 'ACTIVE', salesOpen: true });
    expect(response.body.publishedAt).not.toBeNull();
    expect(response.body.availability).toMatchObject({ eventId: event.id, total: 106, available: 106 });
    expect(response.body.availableSeats).toBe(106);

    const calls = p.tickets.inventoryCalls.filter((call) => call.eventId === event.id);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.caller).toBe('event');
    const inventory = calls[0]!.body;
    expect(inventory).toMatchObject({ currency: 'EUR', salesStartAt: null, salesEndAt: event.salesEndAt });
    // The door learns whose event it is and when it runs (staff scoping, check-in hours).
    expect(inventory.door).toEqual({
      organizerId: organizer.id,
      startsAt: event.startsAt,
      endsAt: event.endsAt,
    });
    expect(inventory.seats).toHaveLength(56);
    expect(inventory.seats[0]).toMatchObject({
      section: 'Stalls',
      row: 'A',
      number: '1',
      label: 'Stalls · Row A · Seat 1',
      category: 'STANDARD',
      price: 4000,
      accessible: false,
    });
    expect(new Set(inventory.seats.map((seat) => seat.seatId)).size).toBe(56);
    expect(inventory.ticketTypes).toEqual([
      { ticketTypeId: event.ticketTypes[0].id, name: 'Standing', price: 2000, quantity: 50 },
    ]);

    await expect.poll(() => p.published.find((e) => e.key === event.id), EVENTUALLY).toBeDefined();
    const announced = p.published.find((e) => e.key === event.id)!;
    expect(announced).toMatchObject({
      type: 'event-published',
      source: 'event',
      payload: {
        eventId: event.id,
        organizerId: organizer.id,
        title: event.title,
        startsAt: event.startsAt,
        currency: 'EUR',
        capacity: 106,
        timeZone: 'UTC',
      },
    });
    const outbox = await query(p, 'SELECT topic, published_at FROM events.outbox WHERE message_key = $1', [
      event.id,
    ]);
    expect(outbox.map((row) => row.topic)).toEqual(['event-published']);

    const publicView = await api(p, 'GET', `/events/${event.id}`);
    expect(publicView.status).toBe(200);
    expect(publicView.body.lifecycle).toBe('PUBLISHED');
  });

  it('answers a second publish with the event as it is, without asking the ticket service again', async () => {
    const event = await createPublishedEvent(p, organizer.token);
    const again = await api(p, 'POST', `/events/${event.id}/publish`, organizer.token);
    expect(again.status).toBe(200);
    expect(again.body.publishedAt).toBe(event.publishedAt);
    expect(p.tickets.inventoryCalls.filter((call) => call.eventId === event.id)).toHaveLength(1);
    expect(await query(p, `SELECT 1 FROM events.outbox WHERE message_key = $1`, [event.id])).toHaveLength(1);
  });

  it('is safe to retry after the ticket service kept the inventory but the publish did not finish', async () => {
    const event = await createEvent(p, organizer.token);
    // The ticket service already holds this very inventory (an earlier attempt got that far).
    const first = await api(p, 'POST', `/events/${event.id}/publish`, organizer.token);
    expect(first.status).toBe(200);
    await query(p, `UPDATE events.events SET lifecycle = 'DRAFT', published_at = NULL WHERE id = $1`, [
      event.id,
    ]);
    const retried = await api(p, 'POST', `/events/${event.id}/publish`, organizer.token);
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body.lifecycle).toBe('PUBLISHED');
    expect(p.tickets.inventoryCalls.filter((call) => call.eventId === event.id)).toHaveLength(2);
  });

  it('fails cleanly with 503 and keeps the draft when the ticket service is down', async () => {
    const event = await createEvent(p, organizer.token);
    p.tickets.failWith = 503;
    try {
      const response = await api(p, 'POST', `/events/${event.id}/publish`, organizer.token);
      expectProblem(response, 503, 'ticket_service_unavailable');
    } finally {
      p.tickets.failWith = undefined;
    }
    const read = await api(p, 'GET', `/events/${event.id}`, organizer.token);
    expect(read.body).toMatchObject({ lifecycle: 'DRAFT', publishedAt: null });
    expect(await query(p, 'SELECT 1 FROM events.outbox WHERE message_key = $1', [event.id])).toHaveLength(0);
    // The client's circuit breaker may stay open for a few seconds after the outage.
    await expect
      .poll(async () => (await api(p, 'POST', `/events/${event.id}/publish`, organizer.token)).status, {
        timeout: 30_000,
        interval: 500,
      })
      .toBe(200);
  }, 60_000);

  it('refuses when the ticket service holds a different inventory, and a draft with nothing to sell', async () => {
    const event = await createEvent(p, organizer.token);
    p.tickets.inventories.set(event.id, {
      currency: 'EUR',
      salesStartAt: null,
      salesEndAt: null,
      seats: [],
      ticketTypes: [],
    });
    expectProblem(
      await api(p, 'POST', `/events/${event.id}/publish`, organizer.token),
      409,
      'inventory_conflict',
    );
    expect((await api(p, 'GET', `/events/${event.id}`, organizer.token)).body.lifecycle).toBe('DRAFT');

    const empty = await createEvent(p, organizer.token, { venue: undefined, ticketTypes: undefined });
    expect(empty.capacity).toBe(0);
    expectProblem(
      await api(p, 'POST', `/events/${empty.id}/publish`, organizer.token),
      409,
      'not_publishable',
      'venue.sections',
    );
  });

  it('keeps title and description editable after publishing, and a published event cannot be deleted', async () => {
    const event = await createPublishedEvent(p, organizer.token);
    const edited = await api(p, 'PATCH', `/events/${event.id}`, organizer.token, {
      description: 'Now with a Bach encore',
      startsAt: daysAhead(21),
      endsAt: daysAhead(21, 3),
      venue: eventBody().venue,
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body).toMatchObject({ description: 'Now with a Bach encore', lifecycle: 'PUBLISHED' });
    // The reschedule moves the door in the ticket service; a change that keeps the times does not.
    expect(p.tickets.doorCalls.filter((call) => call.eventId === event.id).map((call) => call.body)).toEqual([
      { organizerId: organizer.id, startsAt: edited.body.startsAt, endsAt: edited.body.endsAt },
    ]);
    await api(p, 'PATCH', `/events/${event.id}`, organizer.token, { title: 'Strings, again' });
    expect(p.tickets.doorCalls.filter((call) => call.eventId === event.id)).toHaveLength(1);
    expectProblem(await api(p, 'DELETE', `/events/${event.id}`, organizer.token), 409, 'not_a_draft');
  });
});

describe('cancelling', () => {
  it('cancels a published event, announces event-cancelled with the reason, and changes nothing the second time', async () => {
    const event = await createPublishedEvent(p, organizer.token);
    const response = await api(p, 'POST', `/events/${event.id}/cancel`, organizer.token, {
      reason: 'The conductor is ill',
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({
      lifecycle: 'CANCELLED',
      status: 'CANCELLED',
      salesOpen: false,
      cancelReason: 'The conductor is ill',
    });
    await expect
      .poll(() => p.published.filter((e) => e.key === event.id).map((e) => e.type), EVENTUALLY)
      .toEqual(['event-published', 'event-cancelled']);
    expect(
      p.published.find((e) => e.key === event.id && e.type === 'event-cancelled')!.payload,
    ).toMatchObject({
      eventId: event.id,
      title: event.title,
      startsAt: event.startsAt,
      reason: 'The conductor is ill',
      cancelledAt: response.body.cancelledAt,
    });
    const again = await api(p, 'POST', `/events/${event.id}/cancel`, organizer.token);
    expect(again.status).toBe(200);
    expect(again.body.cancelledAt).toBe(response.body.cancelledAt);
    expect(await query(p, 'SELECT topic FROM events.outbox WHERE message_key = $1', [event.id])).toHaveLength(
      2,
    );
    // Buyers holding tickets still find the cancelled event.
    expect((await api(p, 'GET', `/events/${event.id}`)).body.status).toBe('CANCELLED');
  });

  it('cancels a draft too, with a default reason', async () => {
    const event = await createEvent(p, organizer.token);
    const response = await api(p, 'POST', `/events/${event.id}/cancel`, organizer.token);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.cancelReason).toBe('Cancelled by the organizer');
    expectProblem(await api(p, 'GET', `/events/${event.id}`), 404);
  });
});

describe('the service itself', () => {
  it('reports its health, metrics and API document', async () => {
    const eventUrl = p.t.platform.url('event');
    const health = await (await fetch(`${eventUrl}/actuator/health`)).json();
    expect(health).toMatchObject({ status: 'UP', service: 'event', components: { db: { status: 'UP' } } });
    const openapi = (await (await fetch(`${eventUrl}/openapi.json`)).json()) as { paths: object };
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/events',
        '/api/v1/events/{id}',
        '/api/v1/events/{id}/publish',
        '/api/v1/events/{id}/cancel',
        '/api/v1/events/{id}/venue',
        '/api/v1/events/{id}/analytics',
      ]),
    );
    const direct = await fetch(`${eventUrl}/api/v1/events`);
    expect(direct.status).toBe(401);
  });
});
