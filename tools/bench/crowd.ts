// The crowd on-sale, the waiting room's benchmark: ten times more buyers than tickets arrive at
// once, each wanting one purchase of 1–4 general-admission tickets. Run twice on events of the
// same size: `plain`, everyone goes straight for a hold; `room`, the event has a waiting room, so
// every buyer fetches and solves the proof-of-work challenge (the ticket service's own check),
// joins, follows its place until admitted and then holds and buys with the Queue-Token. The
// waiting room's figures (admission rate, time in line) are read from the ticket service's table,
// exactly.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { isSolution } from '@ticketing/ticket-service';
import pg from 'pg';
import { Agent, request } from 'undici';
import type { Api, ApiAnswer } from './api.js';
import type { RunRecorder } from './metrics.js';
import { type LatencySummary, summarizeLatencies } from './metrics.js';
import { emptyOnSaleResult, type OnSaleResult, TEST_CARD, ticketsWanted } from './scenarios.js';
import type { Buyer, OnSaleEvent } from './setup.js';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

export interface CrowdOptions {
  /** With the event's waiting room (its rate is set on the event) or without. */
  room: boolean;
  timeLimitSeconds: number;
  /** How often a buyer in line asks for its place (ms). */
  pollMs: number;
}

export interface WaitingRoomFigures {
  configuredPerMinute: number;
  /** Admissions per minute while a line was waiting (see paceWhileBackedUp), from admitted_at; NaN if it never was. */
  measuredPerMinute: number;
  joined: number;
  admitted: number;
  /** Seconds from joining to being admitted, per place (server clock). */
  wait: LatencySummary;
  /** Proof-of-work difficulty the buyers were asked for (bits), lowest and highest. */
  difficulty: { min: number; max: number };
  /** Milliseconds the load generator spent solving challenges, per buyer. */
  solveMs: LatencySummary;
}

function solve(challenge: string, difficulty: number): string {
  for (let nonce = 0; ; nonce++) if (isSolution(challenge, String(nonce), difficulty)) return String(nonce);
}

/** Joins the room and follows the place until admitted; answers the admission token. */
/** Reads the place's Server-Sent Events until it is no longer WAITING; undefined if the stream ends first. */
async function followStream(
  api: Api,
  streams: Agent,
  buyer: Buyer,
  place: { id: string },
  deadline: number,
  // biome-ignore lint/suspicious/noExplicitAny: a QueuePlaceView as JSON
): Promise<any | undefined> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.max(0, deadline - performance.now()));
  try {
    const response = await request(`${api.baseUrl}/api/v1/queue/${place.id}/stream`, {
      headers: { authorization: `Bearer ${buyer.token}`, accept: 'text/event-stream' },
      dispatcher: streams,
      signal: controller.signal,
    });
    if (response.statusCode !== 200) {
      await response.body.dump();
      return undefined;
    }
    let buffered = '';
    for await (const chunk of response.body) {
      buffered += chunk.toString();
      let end = buffered.indexOf('\n\n');
      while (end !== -1) {
        const frame = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const data = frame.split('\n').find((line) => line.startsWith('data: '));
        if (data) {
          const current = JSON.parse(data.slice('data: '.length));
          if (current?.status && current.status !== 'WAITING') {
            controller.abort();
            return current;
          }
        }
        end = buffered.indexOf('\n\n');
      }
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

async function waitInLine(
  api: Api,
  eventId: string,
  buyer: Buyer,
  recorder: RunRecorder,
  options: CrowdOptions,
  deadline: number,
  seen: { difficulties: number[]; solveMs: number[] },
  streams: Agent,
): Promise<string | undefined> {
  // Overloaded, the platform sheds requests with 503 (nothing written): like a page, try again
  // after a jittered pause, with a fresh challenge, a few times.
  let joined: ApiAnswer | undefined;
  for (let attempt = 0; attempt < 5 && !joined && performance.now() < deadline; attempt++) {
    if (attempt > 0) await sleep(500 * 2 ** attempt * (0.5 + Math.random()));
    const challenge = await api.call('GET', `/api/v1/events/${eventId}/queue/challenge`, {
      token: buyer.token,
    });
    recorder.latency('queue challenge', challenge.ms);
    if (challenge.status !== 200) {
      recorder.error('queue challenge', challenge.status, challenge.code);
      if (challenge.status >= 500 || challenge.status === 0) continue;
      return undefined;
    }
    const solving = performance.now();
    const nonce = solve(challenge.body.challenge, challenge.body.difficulty);
    seen.solveMs.push(performance.now() - solving);
    seen.difficulties.push(challenge.body.difficulty);
    const answer = await api.call('POST', `/api/v1/events/${eventId}/queue`, {
      token: buyer.token,
      body: { challenge: challenge.body.challenge, nonce },
    });
    recorder.latency('queue join', answer.ms);
    if (answer.status === 201 || answer.status === 200) joined = answer;
    else {
      recorder.error('queue join', answer.status, answer.code);
      if (answer.status < 500 && answer.status !== 0) return undefined;
    }
  }
  if (!joined) return undefined;
  recorder.count('joins');
  let place = joined.body;
  // As the web page does: follow the place's stream; poll only if the stream gives out.
  if (place?.status === 'WAITING')
    place = (await followStream(api, streams, buyer, place, deadline)) ?? place;
  while (place?.status === 'WAITING' && performance.now() < deadline) {
    // Jittered, as a crowd of pages would be.
    await sleep(options.pollMs * (0.75 + Math.random() / 2));
    const polled = await api.call('GET', `/api/v1/queue/${place.id}`, { token: buyer.token });
    recorder.latency('queue poll', polled.ms);
    if (polled.status !== 200) {
      recorder.error('queue poll', polled.status, polled.code);
      continue;
    }
    place = polled.body;
  }
  if (place?.status !== 'ADMITTED') return undefined;
  recorder.count('admitted');
  return place.admissionToken;
}

export async function runCrowdSale(
  api: Api,
  event: OnSaleEvent,
  buyers: Buyer[],
  recorder: RunRecorder,
  options: CrowdOptions,
): Promise<OnSaleResult & { seen: { difficulties: number[]; solveMs: number[] } }> {
  const result = emptyOnSaleResult();
  const seen = { difficulties: [] as number[], solveMs: [] as number[] };
  // One long-lived stream per buyer in line, apart from the requests' pool.
  const streams = new Agent({ connections: buyers.length + 8, pipelining: 1, bodyTimeout: 0 });
  const deadline = performance.now() + options.timeLimitSeconds * 1000;
  let ticketsLeft = event.generalAdmission;
  let lastSaleAt = performance.now();

  const buyOnce = async (buyer: Buyer): Promise<void> => {
    let queueToken: string | undefined;
    if (options.room) {
      queueToken = await waitInLine(api, event.id, buyer, recorder, options, deadline, seen, streams);
      if (!queueToken) return;
    }
    const headers: Record<string, string> = queueToken ? { 'queue-token': queueToken } : {};
    let wanted = ticketsWanted();
    while (performance.now() < deadline) {
      result.holdAttempts++;
      const hold: ApiAnswer = await api.call('POST', '/api/v1/holds', {
        token: buyer.token,
        headers,
        body: { eventId: event.id, items: [{ ticketTypeId: event.ticketTypeId, quantity: wanted }] },
      });
      recorder.latency('hold', hold.ms);
      if (hold.status !== 201) {
        recorder.error('hold', hold.status, hold.code);
        if (hold.status === 409) {
          result.holdConflicts++;
          recorder.count('hold conflicts');
        }
        if (hold.code === 'not_enough_tickets') {
          const available = Number(hold.body?.available ?? 0);
          ticketsLeft = Math.min(ticketsLeft, available);
          // Sold out (or only what others still hold): this buyer goes home.
          if (available === 0) return;
          wanted = Math.min(wanted, available);
          continue;
        }
        if (hold.status >= 500 || hold.status === 0) await sleep(200 + Math.random() * 300);
        else return;
        continue;
      }
      result.holds++;
      recorder.count('holds');
      const tickets = (hold.body.tickets ?? []).length as number;
      const order = await api.call('POST', '/api/v1/orders', {
        token: buyer.token,
        headers: { ...headers, 'idempotency-key': randomUUID() },
        body: { holdId: hold.body.id, payment: { method: 'card', card: TEST_CARD } },
      });
      recorder.latency('order', order.ms);
      if (order.status !== 201 || order.body?.status !== 'CONFIRMED') {
        result.ordersFailed++;
        recorder.error('order', order.status, order.code ?? order.body?.status);
        await api.call('DELETE', `/api/v1/holds/${hold.body.id}`, { token: buyer.token, headers });
        return;
      }
      result.purchases++;
      result.ticketsSold += tickets;
      result.gaTicketsSold += tickets;
      recorder.count('purchases');
      recorder.count('tickets', tickets);
      lastSaleAt = performance.now();
      return;
    }
  };

  try {
    await Promise.all(buyers.map((buyer) => buyOnce(buyer)));
  } finally {
    await streams.close();
  }
  result.soldOut = result.ticketsSold >= event.generalAdmission;
  result.secondsToSellOut = (lastSaleAt - recorder.startedAt) / 1000;
  return { ...result, seen };
}

/** The room's admission rate and time in line, from the ticket service's table of places. */
export async function waitingRoomFigures(
  databaseUrl: string,
  eventId: string,
  configuredPerMinute: number,
  seen: { difficulties: number[]; solveMs: number[] },
): Promise<WaitingRoomFigures> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ joined_at: Date; admitted_at: Date | null }>(
      'SELECT joined_at, admitted_at FROM tickets.queue_places WHERE event_id = $1',
      [eventId],
    );
    const admittedAt = rows
      .flatMap((row) => (row.admitted_at ? [row.admitted_at.getTime()] : []))
      .sort((a, b) => a - b);
    const measuredPerMinute = paceWhileBackedUp(
      rows.map((row) => ({ joinedAt: row.joined_at.getTime(), admittedAt: row.admitted_at?.getTime() })),
    );
    return {
      configuredPerMinute,
      measuredPerMinute,
      joined: rows.length,
      admitted: admittedAt.length,
      // Stored in the histogram as milliseconds of "latency", reported in seconds.
      wait: toSeconds(
        summarizeLatencies(
          rows.flatMap((row) =>
            row.admitted_at ? [row.admitted_at.getTime() - row.joined_at.getTime()] : [],
          ),
        ),
      ),
      difficulty: {
        min: seen.difficulties.length ? Math.min(...seen.difficulties) : 0,
        max: seen.difficulties.length ? Math.max(...seen.difficulties) : 0,
      },
      solveMs: summarizeLatencies(seen.solveMs),
    };
  } finally {
    await client.end();
  }
}

/**
 * The room's pace while it held a line: over the admission steps after which somebody who had
 * joined was still waiting (so the rate, not the crowd's arrival, decided how many went in),
 * the places admitted after the first such step per minute up to the last one. The first step
 * is left out because it lets through what the interval before it earned. NaN when the line
 * never backed up over two steps (the crowd joined slower than the room admits).
 */
export function paceWhileBackedUp(places: { joinedAt: number; admittedAt: number | undefined }[]): number {
  const steps = [...new Set(places.flatMap((place) => (place.admittedAt ? [place.admittedAt] : [])))].sort(
    (a, b) => a - b,
  );
  const backedUp = steps.filter((step) =>
    places.some(
      (place) => place.joinedAt <= step && (place.admittedAt === undefined || place.admittedAt > step),
    ),
  );
  if (backedUp.length < 2) return Number.NaN;
  const first = backedUp[0]!;
  const last = backedUp.at(-1)!;
  const admitted = places.filter(
    (place) => place.admittedAt !== undefined && place.admittedAt > first && place.admittedAt <= last,
  ).length;
  return (admitted * 60_000) / (last - first);
}

function toSeconds(summary: LatencySummary): LatencySummary {
  const s = (ms: number) => Math.round(ms) / 1000;
  return {
    count: summary.count,
    mean: s(summary.mean),
    p50: s(summary.p50),
    p95: s(summary.p95),
    p99: s(summary.p99),
    max: s(summary.max),
  };
}
