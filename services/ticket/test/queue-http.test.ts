// The waiting room over HTTP, through the gateway, as a browser uses it: fetch a challenge,
// solve it, join, follow the place (JSON or a stream) until admitted, then hold with the
// admission token. Every token that is not the buyer's own valid one is refused with its own
// code; bad input gets problem+json naming the field; polling too fast gets 429.
import { ManualClock } from '@ticketing/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { login, registerAndLogin } from '../../user/test/support.js';
import { followPlace, joinQueue, queuedEvent, solveChallenge } from './queue-support.js';
import {
  asUser,
  expectProblem,
  publishInventory,
  startTicketPlatform,
  type TicketTestPlatform,
  type Venue,
  venue,
} from './support.js';

const clock = new ManualClock('2030-06-01T18:00:00Z');
let t: TicketTestPlatform;
let event: Venue;
let otherEvent: Venue;

const minutes = (count: number) => count * 60_000;

beforeAll(async () => {
  t = await startTicketPlatform({
    clock,
    env: {
      TICKET_QUEUE_ADMIT_INTERVAL_MS: '30',
      TICKET_QUEUE_POW_MIN_BITS: '8',
      TICKET_SSE_KEEPALIVE_MS: '200',
      RATE_LIMIT_QUEUE_POLL: '6/1m',
      RATE_LIMIT_QUEUE_JOIN: '100/1m',
    },
  });
  event = await queuedEvent(t, { onSaleAt: null, admitPerMinute: 60 });
  otherEvent = await queuedEvent(t, { onSaleAt: null, admitPerMinute: 60 });
});
afterAll(() => t?.stop());

type Buyer = Awaited<ReturnType<typeof registerAndLogin>>;

const join = (buyer: Buyer, eventId: string) => joinQueue(t.gatewayUrl, buyer.tokens.accessToken, eventId);

const placeOf = (buyer: Buyer, placeId: string) =>
  call(t.gatewayUrl, 'GET', `/api/v1/queue/${placeId}`, { token: buyer.tokens.accessToken });

/** Lets a minute pass, then waits for the admission worker to let the buyer in. */
async function admitted(buyer: Buyer, placeId: string): Promise<string> {
  clock.advance(minutes(1));
  const start = Date.now();
  for (;;) {
    const place = await call(t.ticketUrl, 'GET', `/api/v1/queue/${placeId}`, {
      headers: await asBuyer(buyer),
    });
    if (place.body.status === 'ADMITTED') return place.body.admissionToken;
    if (Date.now() - start > 5_000) throw new Error(`not admitted: ${JSON.stringify(place.body)}`);
    await new Promise((done) => setTimeout(done, 30));
  }
}

/** Straight to the ticket service (no rate limit), as the gateway forwards the buyer. */
const asBuyer = (buyer: Buyer) => asUser(t, buyer.user.id);

const holdWith = (buyer: Buyer, eventId: string, queueToken?: string) =>
  call(t.gatewayUrl, 'POST', '/api/v1/holds', {
    token: buyer.tokens.accessToken,
    headers: queueToken === undefined ? {} : { 'queue-token': queueToken },
    body: {
      eventId,
      items: [
        { ticketTypeId: (eventId === event.eventId ? event : otherEvent).ticketTypeId('Floor'), quantity: 2 },
      ],
    },
  });

describe('a buyer in the waiting room', () => {
  it('cannot hold without a place; joins with a solved challenge, is admitted, and holds with the token', async () => {
    const buyer = await registerAndLogin(t.gatewayUrl);
    const room = await call(t.gatewayUrl, 'GET', `/api/v1/events/${event.eventId}/waiting-room`);
    expect(room.body).toMatchObject({ enabled: true, admitPerMinute: 60 });

    const refused = await holdWith(buyer, event.eventId);
    expectProblem(refused, 403, 'queue_admission_required');
    expect(refused.headers['content-type']).toContain('application/problem+json');

    const joined = await join(buyer, event.eventId);
    expect(joined.status).toBe(201);
    expect(joined.body).toMatchObject({ status: 'WAITING', position: 1, number: 1 });
    expect(joined.body.estimatedWaitSeconds).toBe(1);
    // Joining again answers the same place, with no new challenge needed.
    const again = await call(t.gatewayUrl, 'POST', `/api/v1/events/${event.eventId}/queue`, {
      token: buyer.tokens.accessToken,
    });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body.id).toBe(joined.body.id);

    const token = await admitted(buyer, joined.body.id);
    const place = await placeOf(buyer, joined.body.id);
    expect(place.body).toMatchObject({ status: 'ADMITTED', position: 0, estimatedWaitSeconds: 0 });
    const held = await holdWith(buyer, event.eventId, token);
    expect(held.status, JSON.stringify(held.body)).toBe(201);
    expect(held.body.queuePlaceId).toBe(joined.body.id);
  });

  it('refuses forged, expired, other users’ and other events’ tokens, and a token replayed after its place expired', async () => {
    const [alice, bob] = [await registerAndLogin(t.gatewayUrl), await registerAndLogin(t.gatewayUrl)];
    const aliceToken = await admitted(alice, (await join(alice, event.eventId)).body.id);
    await join(bob, event.eventId);

    const [header, payload, signature] = aliceToken.split('.');
    const tampered = `${header}.${Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: bob.user.id }),
    ).toString('base64url')}.${signature}`;
    expectProblem(await holdWith(bob, event.eventId, tampered), 403, 'queue_token_invalid');
    expectProblem(await holdWith(bob, event.eventId, 'not-a-token'), 403, 'queue_token_invalid');
    expectProblem(await holdWith(bob, event.eventId, aliceToken), 403, 'queue_token_other_user');
    expectProblem(await holdWith(alice, otherEvent.eventId, aliceToken), 403, 'queue_token_other_event');

    // Alice holds nothing for five minutes: her place expires (its slot goes to the next in line)…
    clock.advance(minutes(5));
    const idle = await holdWith(alice, event.eventId, aliceToken);
    expectProblem(idle, 403, 'queue_place_expired');
    // … and twenty minutes on, the token itself has expired.
    clock.advance(minutes(20));
    alice.tokens = await login(t.gatewayUrl, alice.account.username, alice.account.password);
    expectProblem(await holdWith(alice, event.eventId, aliceToken), 403, 'queue_token_expired');
  });

  it('ends a hold made late in an admission with the admission, so its token can still buy it', async () => {
    const buyer = await registerAndLogin(t.gatewayUrl);
    const joined = await join(buyer, otherEvent.eventId);
    const token = await admitted(buyer, joined.body.id);
    const admission = await placeOf(buyer, joined.body.id);
    const first = await holdWith(buyer, otherEvent.eventId, token);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    await call(t.gatewayUrl, 'DELETE', `/api/v1/holds/${first.body.id}`, { token: buyer.tokens.accessToken });
    clock.advance(minutes(14));
    buyer.tokens = await login(t.gatewayUrl, buyer.account.username, buyer.account.password);
    const late = await holdWith(buyer, otherEvent.eventId, token);
    expect(late.status, JSON.stringify(late.body)).toBe(201);
    expect(late.body.expiresAt).toBe(admission.body.admissionExpiresAt);
  });

  it('answers bad input with problem+json naming the field', async () => {
    const buyer = await registerAndLogin(t.gatewayUrl);
    const path = `/api/v1/events/${event.eventId}/queue`;
    const as = { token: buyer.tokens.accessToken };
    expectProblem(
      await call(t.gatewayUrl, 'POST', path, { ...as, body: {} }),
      400,
      'challenge_required',
      'challenge',
    );
    expectProblem(
      await call(t.gatewayUrl, 'POST', path, { ...as, body: { challenge: 'pow1.e30.forged', nonce: '1' } }),
      400,
      'invalid_challenge',
      'challenge',
    );
    expectProblem(
      await call(t.gatewayUrl, 'POST', path, { ...as, body: { challenge: 'x', nonce: 'not a nonce!' } }),
      400,
      'validation_failed',
      'nonce',
    );
    expectProblem(
      await call(t.gatewayUrl, 'POST', path, { ...as, body: { challenge: 'x', extra: 1 } }),
      400,
      'validation_failed',
      'extra',
    );
    const issued = await call(t.gatewayUrl, 'GET', `${path}/challenge`, as);
    // A challenge needs real work: a nonce that does not solve it is refused …
    let wrong = 0;
    while (solveChallenge(issued.body.challenge, issued.body.difficulty) === String(wrong)) wrong++;
    expectProblem(
      await call(t.gatewayUrl, 'POST', path, {
        ...as,
        body: { challenge: issued.body.challenge, nonce: String(wrong) },
      }),
      400,
      'challenge_not_solved',
      'nonce',
    );
    // … someone else's challenge is refused, and a solved one is spent once.
    const other = await registerAndLogin(t.gatewayUrl);
    const nonce = solveChallenge(issued.body.challenge, issued.body.difficulty);
    expectProblem(
      await call(t.gatewayUrl, 'POST', path, {
        token: other.tokens.accessToken,
        body: { challenge: issued.body.challenge, nonce },
      }),
      400,
      'invalid_challenge',
    );
    const joined = await call(t.gatewayUrl, 'POST', path, {
      ...as,
      body: { challenge: issued.body.challenge, nonce },
    });
    expect(joined.status).toBe(201);
    await call(t.gatewayUrl, 'DELETE', '/api/v1/nothing', as);
    const expired = await call(t.gatewayUrl, 'GET', `${path}/challenge`, { token: other.tokens.accessToken });
    clock.advance(minutes(3));
    expectProblem(
      await call(t.gatewayUrl, 'POST', path, {
        token: other.tokens.accessToken,
        body: {
          challenge: expired.body.challenge,
          nonce: solveChallenge(expired.body.challenge, expired.body.difficulty),
        },
      }),
      400,
      'challenge_expired',
    );
    const spent = await call(t.gatewayUrl, 'GET', `${path}/challenge`, { token: other.tokens.accessToken });
    const solution = solveChallenge(spent.body.challenge, spent.body.difficulty);
    expect(
      (
        await call(t.gatewayUrl, 'POST', path, {
          token: other.tokens.accessToken,
          body: { challenge: spent.body.challenge, nonce: solution },
        })
      ).status,
    ).toBe(201);
    // Joining again needs no challenge; a spent one is refused only when a new place is asked for.
    expect(
      (
        await call(t.gatewayUrl, 'POST', path, {
          token: other.tokens.accessToken,
          body: { challenge: spent.body.challenge, nonce: solution },
        })
      ).status,
    ).toBe(200);

    expectProblem(
      await call(t.gatewayUrl, 'GET', '/api/v1/queue/not-a-uuid', as),
      400,
      'validation_failed',
      'id',
    );
    // Someone else's place does not exist for me.
    expectProblem(
      await placeOf(buyer, joined.body.id === undefined ? '' : (await join(other, event.eventId)).body.id),
      404,
      'queue_place_not_found',
    );

    const plain = await publishInventory(
      t,
      venue({ ticketTypes: [{ name: 'GA', price: 100, quantity: 10 }] }),
    );
    expectProblem(
      await call(t.gatewayUrl, 'POST', `/api/v1/events/${plain.eventId}/queue`, { ...as, body: {} }),
      409,
      'no_waiting_room',
    );
    expectProblem(
      await call(t.gatewayUrl, 'GET', `/api/v1/events/${plain.eventId}/queue/challenge`, as),
      409,
      'no_waiting_room',
    );
    const none = await call(t.gatewayUrl, 'GET', `/api/v1/events/${plain.eventId}/waiting-room`);
    expect(none.body).toMatchObject({ enabled: false });
    expectProblem(
      await call(t.gatewayUrl, 'POST', '/api/v1/events/0190f5c2-0000-7000-8000-000000000000/queue', {
        ...as,
        body: {},
      }),
      404,
      'event_not_found',
    );
    // Holding on an event without a waiting room needs no token.
    const free = await call(t.gatewayUrl, 'POST', '/api/v1/holds', {
      ...as,
      body: { eventId: plain.eventId, items: [{ ticketTypeId: plain.ticketTypeId('GA'), quantity: 1 }] },
    });
    expect(free.status).toBe(201);
  });

  it('answers polling faster than allowed with 429 and Retry-After', async () => {
    const buyer = await registerAndLogin(t.gatewayUrl);
    const joined = await join(buyer, otherEvent.eventId);
    const answers = [];
    for (let poll = 0; poll < 8; poll++) answers.push(await placeOf(buyer, joined.body.id));
    expect(answers.slice(0, 6).every((answer) => answer.status === 200)).toBe(true);
    const limited = answers[7]!;
    expectProblem(limited, 429, 'rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('streams the place: its standing now, then ADMITTED with the token, and the stream ends', async () => {
    const buyer = await registerAndLogin(t.gatewayUrl);
    // A room of its own, one admission a minute: nothing is let in before the clock moves.
    const slow = await queuedEvent(t, { onSaleAt: null, admitPerMinute: 1 });
    const joined = await join(buyer, slow.eventId);
    const { messages, ended } = await followPlace(t.gatewayUrl, buyer.tokens.accessToken, joined.body.id);
    await expect.poll(() => messages.length).toBe(1);
    expect(messages[0]).toMatchObject({ id: joined.body.id, status: 'WAITING', position: 1 });
    clock.advance(minutes(1));
    await ended; // the stream ends once admitted
    expect(messages.at(-1)).toMatchObject({ status: 'ADMITTED', admissionToken: expect.any(String) });
  });

  // Last: it uses up this address's joins for the minute.
  it('limits a flood of joins from one address with 429 and Retry-After, whatever the accounts', async () => {
    const accounts = await Promise.all([registerAndLogin(t.gatewayUrl), registerAndLogin(t.gatewayUrl)]);
    let limited: Awaited<ReturnType<typeof call>> | undefined;
    for (let attempt = 0; attempt < 150 && !limited; attempt++) {
      const answer = await call(t.gatewayUrl, 'GET', `/api/v1/events/${event.eventId}/queue/challenge`, {
        token: accounts[attempt % 2]!.tokens.accessToken,
      });
      if (answer.status === 429) limited = answer;
    }
    expect(limited).toBeDefined();
    expectProblem(limited!, 429, 'rate_limited');
    expect(Number(limited!.headers['retry-after'])).toBeGreaterThan(0);
  });
});
