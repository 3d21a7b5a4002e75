// An event's waiting room travels to the ticket service: with the inventory when the event is
// published, and with each edit until the on-sale; after the on-sale it no longer changes here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  createPublishedEvent,
  daysAhead,
  type EventPlatform,
  expectProblem,
  newOrganizer,
  startEventPlatform,
} from './support.js';

let p: EventPlatform;
let organizer: { id: string; token: string };
beforeAll(async () => {
  p = await startEventPlatform();
  organizer = await newOrganizer(p);
});
afterAll(() => p?.stop());

describe('the waiting room of an event', () => {
  it('is sent with the inventory at publish, and each edit until the on-sale is sent on', async () => {
    const salesStartAt = daysAhead(2);
    const event = await createPublishedEvent(p, organizer.token, {
      salesStartAt,
      waitingRoom: { enabled: true, admitPerMinute: 200 },
    });
    const sent = p.tickets.inventoryCalls.find((call) => call.eventId === event.id);
    expect(sent?.body.waitingRoom).toEqual({ enabled: true, admitPerMinute: 200 });
    expect(sent?.body.salesStartAt).toBe(new Date(salesStartAt).toISOString());

    const edited = await api(p, 'PATCH', `/events/${event.id}`, organizer.token, {
      waitingRoom: { enabled: true, admitPerMinute: 900 },
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body.waitingRoom).toEqual({ enabled: true, admitPerMinute: 900 });
    expect(
      p.tickets.waitingRoomCalls.filter((call) => call.eventId === event.id).map((call) => call.body),
    ).toEqual([{ enabled: true, admitPerMinute: 900, onSaleAt: new Date(salesStartAt).toISOString() }]);
  });

  it('an edit the ticket service cannot take is not kept', async () => {
    const event = await createPublishedEvent(p, organizer.token, { salesStartAt: daysAhead(2) });
    p.tickets.failWith = 503;
    try {
      const edited = await api(p, 'PATCH', `/events/${event.id}`, organizer.token, {
        waitingRoom: { enabled: true, admitPerMinute: 100 },
      });
      expect(edited.status).toBe(503);
    } finally {
      p.tickets.failWith = undefined;
    }
    const read = await api(p, 'GET', `/events/${event.id}`, organizer.token);
    expect(read.body.waitingRoom).toEqual({ enabled: false, admitPerMinute: null });
  });

  it('cannot change once the on-sale has begun', async () => {
    const event = await createPublishedEvent(p, organizer.token, { salesStartAt: null });
    const edited = await api(p, 'PATCH', `/events/${event.id}`, organizer.token, {
      waitingRoom: { enabled: true, admitPerMinute: 100 },
    });
    expectProblem(edited, 409, 'waiting_room_locked', 'waitingRoom');
  });
});
