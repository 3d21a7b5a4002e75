// Live availability stories: a browser showing the seat map hears, within a moment, that
// seats were taken or freed, in batches rather than a flood, and leaves nothing behind when
// it goes away.
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import {
  asService,
  asUser,
  expectProblem,
  hold,
  inWaves,
  newUserId,
  publishInventory,
  startTicketPlatform,
  type TicketTestPlatform,
  type Venue,
  venue,
} from './support.js';

let t: TicketTestPlatform;
let plan: Venue;

beforeAll(async () => {
  t = await startTicketPlatform({ env: { TICKET_LIVE_COALESCE_MS: '100', TICKET_SSE_KEEPALIVE_MS: '200' } });
  plan = await publishInventory(
    t,
    venue({
      sections: [{ name: 'Hall', rows: 5, seatsPerRow: 20, category: 'Any', price: 3000 }],
      ticketTypes: [{ name: 'GA', price: 1000, quantity: 100 }],
    }),
  );
});
afterAll(() => t?.stop());

interface ServerSentEvent {
  event: string;
  data: any;
}

/** A browser's EventSource, reduced to what the tests look at. */
async function openStream(baseUrl: string, eventId: string) {
  // Straight to the ticket service, a call carries the internal token the gateway would add.
  const internal = baseUrl === t.ticketUrl ? await asService(t, 'gateway') : {};
  const response = await request(`${baseUrl}/api/v1/events/${eventId}/availability/stream`, {
    headers: { accept: 'text/event-stream', ...internal },
  });
  const events: ServerSentEvent[] = [];
  const comments: string[] = [];
  let buffer = '';
  const reading = (async () => {
    try {
      for await (const chunk of response.body) {
        buffer += chunk.toString();
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of frame.split('\n')) {
            if (line.startsWith(':')) comments.push(line);
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) events.push({ event, data: JSON.parse(data.join('\n')) });
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // closed by the test
    }
  })();
  return {
    status: response.statusCode,
    headers: response.headers,
    events,
    comments,
    async close() {
      response.body.destroy();
      await reading;
    },
  };
}

async function gauge(name: string): Promise<number> {
  const metrics = await call(t.platform.managementUrl, 'GET', '/metrics');
  const line = String(metrics.body)
    .split('\n')
    .find((candidate) => candidate.startsWith(`${name}{`) || candidate.startsWith(`${name} `));
  return Number(line?.split(' ').pop());
}

describe('the availability stream', () => {
  it('sends a snapshot, then the seats a buyer just took, through the gateway', async () => {
    const stream = await openStream(t.gatewayUrl, plan.eventId);
    try {
      expect(stream.status).toBe(200);
      expect(String(stream.headers['content-type'])).toContain('text/event-stream');
      await expect.poll(() => stream.events.length, { timeout: 5_000 }).toBeGreaterThan(0);
      expect(stream.events[0]).toMatchObject({
        event: 'snapshot',
        data: { eventId: plan.eventId, changes: [], counts: { total: 200, available: 200, held: 0 } },
      });

      const seatIds = [plan.seat('Hall', 'C', 10), plan.seat('Hall', 'C', 11)];
      const held = await hold(t, newUserId(), { eventId: plan.eventId, seatIds });
      expect(held.status).toBe(201);
      await expect
        .poll(() => stream.events.find((event) => event.event === 'availability'), { timeout: 5_000 })
        .toBeDefined();
      const update = stream.events.find((event) => event.event === 'availability')!;
      expect(update.data.resync).toBe(false);
      expect(update.data.changes).toHaveLength(2);
      expect(update.data.changes).toEqual(
        expect.arrayContaining(
          seatIds.map((seatId) => expect.objectContaining({ seatId, status: 'LOCKED', category: 'Any' })),
        ),
      );
      expect(update.data.counts).toMatchObject({ total: 200, available: 198, held: 2 });

      await call(t.ticketUrl, 'DELETE', `/api/v1/holds/${held.body.id}`, {
        headers: await asUser(t, held.body.userId),
      });
      await expect
        .poll(
          () => stream.events.filter((event) => event.event === 'availability').at(-1)?.data.counts.available,
          { timeout: 5_000 },
        )
        .toBe(200);
    } finally {
      await stream.close();
    }
  });

  it('batches a burst of sales into a few messages whose last state is right', async () => {
    const stream = await openStream(t.ticketUrl, plan.eventId);
    try {
      await expect.poll(() => stream.events.length, { timeout: 5_000 }).toBeGreaterThan(0);
      const ga = plan.ticketTypeId('GA');
      const answers = await inWaves(40, () =>
        hold(t, newUserId(), { eventId: plan.eventId, items: [{ ticketTypeId: ga, quantity: 1 }] }),
      );
      expect(answers.every((answer) => answer.status === 201)).toBe(true);
      const updates = () => stream.events.filter((event) => event.event === 'availability');
      const changed = () =>
        new Set(updates().flatMap((event) => event.data.changes.map((change: any) => change.ticketId)));
      await expect.poll(() => changed().size, { timeout: 5_000 }).toBe(40);
      await expect
        .poll(() => updates().at(-1)?.data.counts.byTicketType[ga]?.available, { timeout: 5_000 })
        .toBe(60);
      expect(updates().length).toBeLessThan(40);
    } finally {
      await stream.close();
    }
  });

  it('keeps a quiet stream alive with comments', async () => {
    const stream = await openStream(t.ticketUrl, plan.eventId);
    try {
      await expect.poll(() => stream.comments.length, { timeout: 5_000 }).toBeGreaterThan(1);
      expect(stream.comments[0]).toBe(': keep-alive');
    } finally {
      await stream.close();
    }
  });

  it('lets go of the subscription when the last browser disconnects', async () => {
    const streams = await Promise.all([
      openStream(t.ticketUrl, plan.eventId),
      openStream(t.ticketUrl, plan.eventId),
    ]);
    await expect.poll(() => gauge('ticket_availability_streams'), { timeout: 5_000 }).toBe(2);
    expect(await gauge('ticket_availability_channels')).toBe(1);
    await streams[0]!.close();
    await expect.poll(() => gauge('ticket_availability_streams'), { timeout: 5_000 }).toBe(1);
    expect(await gauge('ticket_availability_channels')).toBe(1);
    await streams[1]!.close();
    await expect.poll(() => gauge('ticket_availability_streams'), { timeout: 5_000 }).toBe(0);
    expect(await gauge('ticket_availability_channels')).toBe(0);
  });

  it('answers 404 as a problem for an event without tickets', async () => {
    const response = await call(t.gatewayUrl, 'GET', `/api/v1/events/${randomUUID()}/availability/stream`);
    expectProblem(response, 404, 'event_not_found');
  });
});
