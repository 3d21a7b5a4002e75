// Cache-aside for events, listings and availability: a second read is a hit, every change is
// visible at once, ticket events refresh the counts, and a missing ticket service only
// costs the counts.
import { newId } from '@ticketing/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  createEvent,
  createPublishedEvent,
  deliverTicketEvent,
  type EventPlatform,
  metric,
  newOrganizer,
  startEventPlatform,
} from './support.js';

let p: EventPlatform;
let organizer: { id: string; token: string };
beforeAll(async () => {
  // Long lifetimes, so only invalidation can explain a fresh answer.
  p = await startEventPlatform({
    EVENT_CACHE_TTL_MS: '600000',
    EVENT_LISTING_CACHE_TTL_MS: '600000',
    EVENT_AVAILABILITY_CACHE_TTL_MS: '600000',
  });
  organizer = await newOrganizer(p);
});
afterAll(() => p?.stop());

const lookups = async (cache: string, outcome: 'hit' | 'miss') =>
  metric(p, 'event_cache_lookups_total', { cache, outcome });

describe('a single event', () => {
  it('is served from the cache on the second read, and fresh right after an edit', async () => {
    const event = await createPublishedEvent(p, organizer.token, { title: 'Cached Concert' });
    const hitsBefore = await lookups('event', 'hit');
    expect((await api(p, 'GET', `/events/${event.id}`)).body.title).toBe('Cached Concert');
    expect((await api(p, 'GET', `/events/${event.id}`)).body.title).toBe('Cached Concert');
    expect(await lookups('event', 'hit')).toBeGreaterThanOrEqual(hitsBefore + 1);

    const edited = await api(p, 'PATCH', `/events/${event.id}`, organizer.token, {
      title: 'Cached Concert, Revised',
    });
    expect(edited.status).toBe(200);
    expect((await api(p, 'GET', `/events/${event.id}`)).body.title).toBe('Cached Concert, Revised');
    expect((await api(p, 'GET', `/events/${event.id}`, organizer.token)).body.title).toBe(
      'Cached Concert, Revised',
    );
  });

  it('shows a draft’s publication and cancellation at once', async () => {
    const event = await createEvent(p, organizer.token);
    expect((await api(p, 'GET', `/events/${event.id}`)).status).toBe(404);
    await api(p, 'POST', `/events/${event.id}/publish`, organizer.token);
    expect((await api(p, 'GET', `/events/${event.id}`)).body.status).toBe('ACTIVE');
    await api(p, 'POST', `/events/${event.id}/cancel`, organizer.token);
    expect((await api(p, 'GET', `/events/${event.id}`)).body.status).toBe('CANCELLED');
  });
});

describe('listings and search results', () => {
  it('are cached, and every change to an event shows in them at once', async () => {
    const marker = `zephyr${Date.now().toString(36)}`;
    const event = await createPublishedEvent(p, organizer.token, { title: `Quartet ${marker}` });
    const list = async () =>
      ((await api(p, 'GET', `/events?q=${marker}`)).body.items as { id: string; title: string }[]).map(
        (item) => item.title,
      );
    const hitsBefore = await lookups('listing', 'hit');
    expect(await list()).toEqual([`Quartet ${marker}`]);
    expect(await list()).toEqual([`Quartet ${marker}`]);
    expect(await lookups('listing', 'hit')).toBeGreaterThanOrEqual(hitsBefore + 1);

    await api(p, 'PATCH', `/events/${event.id}`, organizer.token, { title: `Quintet ${marker}` });
    expect(await list()).toEqual([`Quintet ${marker}`]);
    const second = await createPublishedEvent(p, organizer.token, { title: `Trio ${marker}` });
    expect((await list()).sort()).toEqual([`Quintet ${marker}`, `Trio ${marker}`]);
    await api(p, 'POST', `/events/${second.id}/cancel`, organizer.token);
    expect(await list()).toEqual([`Quintet ${marker}`]);
  });

  it('report their hit ratio in /metrics', async () => {
    const ratio = await metric(p, 'event_cache_hit_ratio', { cache: 'listing' });
    expect(ratio).toBeGreaterThan(0);
    expect(ratio).toBeLessThanOrEqual(1);
    expect(await metric(p, 'event_cache_hit_ratio', { cache: 'event' })).toBeGreaterThan(0);
  });
});

describe('availability from the ticket service', () => {
  it('is cached, and fetched again when a ticket event says it changed', async () => {
    const event = await createPublishedEvent(p, organizer.token);
    const reads = () => p.tickets.availabilityCalls.filter((ids) => ids.includes(event.id)).length;
    const first = await api(p, 'GET', `/events/${event.id}`);
    expect(first.body.availability).toMatchObject({ total: 106, available: 106, sold: 0 });
    const readsAfterFirst = reads();
    await api(p, 'GET', `/events/${event.id}`);
    await api(p, 'GET', `/events?q=strings&limit=100`);
    expect(reads()).toBe(readsAfterFirst);

    p.tickets.sold.set(event.id, 2);
    await deliverTicketEvent(p, 'ticket-sold', {
      eventId: event.id,
      holdId: newId(),
      orderId: newId(),
      userId: newId(),
      soldAt: new Date().toISOString(),
      tickets: [1, 2].map(() => ({
        ticketId: newId(),
        category: null,
        ticketTypeId: event.ticketTypes[0].id,
        price: 2000,
      })),
    });
    const after = await api(p, 'GET', `/events/${event.id}`);
    expect(after.body).toMatchObject({ availableSeats: 104, availability: { sold: 2, available: 104 } });
    expect(reads()).toBe(readsAfterFirst + 1);

    p.tickets.sold.set(event.id, 3);
    await deliverTicketEvent(p, 'ticket-locked', {
      eventId: event.id,
      holdId: newId(),
      userId: newId(),
      expiresAt: new Date(Date.now() + 600_000).toISOString(),
      tickets: [],
    });
    expect((await api(p, 'GET', `/events/${event.id}`)).body.availableSeats).toBe(103);
  });

  it('is left out, not failed, while the ticket service is down', async () => {
    const event = await createPublishedEvent(p, organizer.token, { title: 'Offline Sonata' });
    await deliverTicketEvent(p, 'ticket-released', {
      eventId: event.id,
      holdId: newId(),
      tickets: [],
      reason: 'expired',
    });
    p.tickets.failWith = 503;
    try {
      const listing = await api(p, 'GET', '/events?q=offline%20sonata');
      expect(listing.status).toBe(200);
      expect(listing.body.items[0]).toMatchObject({ id: event.id, availability: null, availableSeats: null });
      const single = await api(p, 'GET', `/events/${event.id}`);
      expect(single.status).toBe(200);
      expect(single.body).toMatchObject({ title: 'Offline Sonata', availability: null });
    } finally {
      p.tickets.failWith = undefined;
    }
  });
});
