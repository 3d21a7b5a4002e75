// Buying in an on-sale with a waiting room: the hold was made with an admission, so the order
// asks for the same admission token (Queue-Token) — without it, or with a refused one, nothing
// is charged; with it the purchase goes through as usual.
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import {
  type Buyer,
  cardPayment,
  expectProblem,
  newBuyer,
  type OrderPlatform,
  startOrderPlatform,
} from './support.js';

let p: OrderPlatform;
let eventId: string;
let standingTypeId: string;

beforeAll(async () => {
  p = await startOrderPlatform({
    env: { TICKET_QUEUE_ADMIT_INTERVAL_MS: '50', TICKET_QUEUE_POW_MIN_BITS: '4' },
  });
  const startsAt = new Date(Date.now() + 30 * 86_400_000);
  const created = await call(p.gateway, 'POST', '/api/v1/events', {
    token: p.adminToken,
    body: {
      title: 'The Sold-Out Tour',
      description: 'Everyone wants in.',
      location: 'Arena',
      eventType: 'CONCERT',
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 3 * 3_600_000).toISOString(),
      currency: 'EUR',
      basePrice: 5000,
      ticketTypes: [{ name: 'Standing', price: 5000, quantity: 100 }],
      waitingRoom: { enabled: true, admitPerMinute: 6000 },
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  eventId = created.body.id;
  standingTypeId = created.body.ticketTypes[0].id;
  const published = await call(p.gateway, 'POST', `/api/v1/events/${eventId}/publish`, {
    token: p.adminToken,
  });
  expect(published.status, JSON.stringify(published.body)).toBe(200);
});
afterAll(() => p?.stop());

function solve(challenge: string, difficulty: number): string {
  for (let nonce = 0; ; nonce++) {
    const digest = createHash('sha256')
      .update(challenge + nonce)
      .digest();
    const bits = digest.readUInt32BE(0) === 0 ? 32 : Math.clz32(digest.readUInt32BE(0));
    if (bits >= difficulty) return String(nonce);
  }
}

/** Joins the event's waiting room and waits to be admitted; answers the admission token. */
async function admit(buyer: Buyer): Promise<string> {
  const issued = await call(p.gateway, 'GET', `/api/v1/events/${eventId}/queue/challenge`, {
    token: buyer.token,
  });
  const joined = await call(p.gateway, 'POST', `/api/v1/events/${eventId}/queue`, {
    token: buyer.token,
    body: { challenge: issued.body.challenge, nonce: solve(issued.body.challenge, issued.body.difficulty) },
  });
  expect(joined.status, JSON.stringify(joined.body)).toBe(201);
  let place = joined.body;
  const deadline = Date.now() + 5_000;
  while (place.status !== 'ADMITTED' && Date.now() < deadline) {
    await new Promise((done) => setTimeout(done, 100));
    place = (await call(p.gateway, 'GET', `/api/v1/queue/${joined.body.id}`, { token: buyer.token })).body;
  }
  expect(place.status).toBe('ADMITTED');
  return place.admissionToken;
}

describe('buying in a queued on-sale', () => {
  it('refuses the order without the Queue-Token, and with another buyer’s; takes it with the right one', async () => {
    const buyer = await newBuyer(p);
    const queueToken = await admit(buyer);
    const held = await call(p.gateway, 'POST', '/api/v1/holds', {
      token: buyer.token,
      headers: { 'queue-token': queueToken },
      body: { eventId, items: [{ ticketTypeId: standingTypeId, quantity: 2 }] },
    });
    expect(held.status, JSON.stringify(held.body)).toBe(201);
    const order = (headers: Record<string, string>) =>
      call(p.gateway, 'POST', '/api/v1/orders', {
        token: buyer.token,
        headers: { 'idempotency-key': randomUUID(), ...headers },
        body: { holdId: held.body.id, payment: cardPayment() },
      });

    expectProblem(await order({}), 403, 'queue_admission_required', 'Queue-Token');
    const other = await newBuyer(p);
    expectProblem(await order({ 'queue-token': await admit(other) }), 403, 'queue_token_other_user');
    expectProblem(await order({ 'queue-token': 'forged.token.here' }), 403, 'queue_token_invalid');
    const { rows } = await p.sql.query(
      'SELECT count(*)::int AS count FROM orders.orders WHERE hold_id = $1',
      [held.body.id],
    );
    expect(rows[0].count).toBe(0);

    const bought = await order({ 'queue-token': queueToken });
    expect(bought.status, JSON.stringify(bought.body)).toBe(201);
    expect(bought.body.status).toBe('CONFIRMED');
  });
});
