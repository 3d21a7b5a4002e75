// An organizer follows the sales of an event: tickets sold, revenue, refunds, sell-through over
// time, by seat category and by ticket type, all from the ticket service's events.
import { newId } from '@ticketing/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  createPublishedEvent,
  deliverTicketEvent,
  type EventPlatform,
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

const DAY_MS = 86_400_000;
const day = (daysAgo: number, hour: number) => {
  const date = new Date(Date.now() - daysAgo * DAY_MS);
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), hour)).toISOString();
};

async function seatsOf(eventId: string) {
  const map = await api(p, 'GET', `/events/${eventId}/venue`, organizer.token);
  const [stalls, balcony] = map.body.sections;
  return { stalls: stalls.seats, balcony: balcony.seats };
}

describe('sales analytics', () => {
  it('adds up sales and refunds by category, ticket type and day, counting each ticket event once', async () => {
    const event = await createPublishedEvent(p, organizer.token);
    const standing = event.ticketTypes[0].id;
    const { stalls, balcony } = await seatsOf(event.id);
    const gaTickets = [newId(), newId(), newId()];
    const firstOrder = {
      eventId: event.id,
      holdId: newId(),
      orderId: newId(),
      userId: newId(),
      soldAt: day(2, 10),
      tickets: [
        { ticketId: newId(), seatId: stalls[0].id, category: 'STANDARD', ticketTypeId: null, price: 4000 },
        { ticketId: stalls[1].id, category: 'STANDARD', ticketTypeId: null, price: 4000 },
        { ticketId: balcony[0].id, category: 'BALCONY', ticketTypeId: null, price: 2500 },
        ...gaTickets.map((ticketId) => ({ ticketId, category: null, ticketTypeId: standing, price: 2000 })),
      ],
    };
    const delivered = await deliverTicketEvent(p, 'ticket-sold', firstOrder, { occurredAt: day(2, 10) });
    // Redelivery of the same event (at-least-once) changes nothing.
    await deliverTicketEvent(p, 'ticket-sold', firstOrder, { id: delivered.id });
    await deliverTicketEvent(
      p,
      'ticket-sold',
      {
        ...firstOrder,
        orderId: newId(),
        soldAt: day(1, 15),
        tickets: [{ ticketId: newId(), category: null, ticketTypeId: standing, price: 2000 }],
      },
      { occurredAt: day(1, 15) },
    );
    await deliverTicketEvent(
      p,
      'ticket-cancelled',
      {
        eventId: event.id,
        reason: 'refunded',
        tickets: [{ ticketId: gaTickets[0], category: null, ticketTypeId: standing, price: 2000 }],
      },
      { occurredAt: day(1, 16) },
    );

    const report = await api(p, 'GET', `/events/${event.id}/analytics`, organizer.token);
    expect(report.status, JSON.stringify(report.body)).toBe(200);
    expect(report.body).toMatchObject({
      eventId: event.id,
      currency: 'EUR',
      capacity: 106,
      ticketsSold: 6,
      ticketsCancelled: 1,
      revenue: 2 * 4000 + 2500 + 3 * 2000,
      grossRevenue: 2 * 4000 + 2500 + 4 * 2000,
      refunded: 2000,
      sellThrough: Math.round((6 / 106) * 10_000) / 10_000,
    });
    expect(report.body.byCategory).toEqual([
      { category: 'BALCONY', ticketsSold: 1, revenue: 2500, capacity: 16, sellThrough: 0.0625 },
      { category: 'STANDARD', ticketsSold: 2, revenue: 8000, capacity: 40, sellThrough: 0.05 },
    ]);
    expect(report.body.byTicketType).toEqual([
      {
        ticketTypeId: standing,
        name: 'Standing',
        price: 2000,
        ticketsSold: 3,
        revenue: 6000,
        capacity: 50,
        sellThrough: 0.06,
      },
    ]);
    expect(report.body.timeline).toEqual([
      {
        bucketStart: day(2, 0),
        sold: 6,
        cancelled: 0,
        revenue: 16_500,
        cumulativeSold: 6,
        sellThrough: Math.round((6 / 106) * 10_000) / 10_000,
      },
      {
        bucketStart: day(1, 0),
        sold: 1,
        cancelled: 1,
        revenue: 0,
        cumulativeSold: 6,
        sellThrough: Math.round((6 / 106) * 10_000) / 10_000,
      },
    ]);

    const hourly = await api(p, 'GET', `/events/${event.id}/analytics?bucket=hour`, organizer.token);
    expect(hourly.body.timeline.map((bucket: { bucketStart: string }) => bucket.bucketStart)).toEqual([
      day(2, 10),
      day(1, 15),
      day(1, 16),
    ]);
    // The sold seats are known as seats, so an edit can protect them.
    const soldSeats = await query(
      p,
      'SELECT seat_id FROM events.sales WHERE event_id = $1 AND seat_id IS NOT NULL',
      [event.id],
    );
    expect(soldSeats.map((row) => row.seat_id).sort()).toEqual(
      [stalls[0].id, stalls[1].id, balcony[0].id].sort(),
    );
  });

  it('buckets days in the event’s own time zone', async () => {
    const event = await createPublishedEvent(p, organizer.token, { timeZone: 'Asia/Tokyo' });
    await deliverTicketEvent(p, 'ticket-sold', {
      eventId: event.id,
      holdId: newId(),
      orderId: newId(),
      userId: newId(),
      soldAt: day(1, 20),
      tickets: [{ ticketId: newId(), category: null, ticketTypeId: event.ticketTypes[0].id, price: 2000 }],
    });
    const report = await api(p, 'GET', `/events/${event.id}/analytics`, organizer.token);
    // 20:00 UTC is 05:00 the next day in Tokyo, whose midnight is 15:00 UTC.
    expect(report.body.timeline[0].bucketStart).toBe(day(1, 15));
  });

  it('starts empty, and refuses a malformed ticket event without recording anything', async () => {
    const event = await createPublishedEvent(p, organizer.token);
    const empty = await api(p, 'GET', `/events/${event.id}/analytics`, p.adminToken);
    expect(empty.body).toMatchObject({ ticketsSold: 0, revenue: 0, sellThrough: 0, timeline: [] });
    expect(empty.body.byTicketType[0]).toMatchObject({ ticketsSold: 0, capacity: 50 });
    await expect(
      deliverTicketEvent(p, 'ticket-sold', { eventId: event.id, tickets: 'lots' }),
    ).rejects.toThrow(/malformed ticket-sold/);
    expect(await query(p, 'SELECT 1 FROM events.sales WHERE event_id = $1', [event.id])).toHaveLength(0);
  });
});
