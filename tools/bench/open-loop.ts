// The open-loop on-sale (`--rate`): purchases start at a fixed rate, with Poisson arrivals,
// whatever the platform answers — as real buyers arrive, who do not wait for each other. Each
// arrival is one buyer doing one hold and then one order. Latencies count from the scheduled
// arrival, so a platform (or a load generator) that falls behind shows it instead of hiding it
// by sending less (no coordinated omission).
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Api, ApiAnswer } from './api.js';
import type { RunRecorder } from './metrics.js';
import { TEST_CARD, ticketsWanted, waitForOrder } from './scenarios.js';
import type { Buyer, OnSaleEvent } from './setup.js';
import { SeatBoard } from './venue.js';

/** A rate as given: purchases per second, or a multiple of the run's closed-loop peak ("0.5x"). */
export type RateSpec = { label: string; perSecond: number } | { label: string; peakMultiple: number };

/** `--rate 20`, `--rate 0.5x`, `--rate 0.5x,1.5x`: each a phase of its own, in order. */
export function parseRates(raw: string): RateSpec[] {
  return raw.split(',').map((part) => {
    const text = part.trim();
    const multiple = /^(\d+(?:\.\d+)?)x$/i.exec(text);
    const value = Number(multiple ? multiple[1] : text);
    if (text === '' || !Number.isFinite(value) || value <= 0)
      throw new Error(
        `--rate takes purchases per second (20) or a multiple of the measured peak (0.5x), comma-separated; got ${part}`,
      );
    return multiple ? { label: `${value}x`, peakMultiple: value } : { label: `${value}/s`, perSecond: value };
  });
}

/** Purchases per second of a rate, given the closed-loop peak of the same run when it is relative. */
export function resolveRate(spec: RateSpec, peakPerSecond: number | undefined): number {
  if ('perSecond' in spec) return spec.perSecond;
  if (peakPerSecond === undefined || !(peakPerSecond > 0))
    throw new Error(
      `--rate ${spec.label} needs the closed-loop onsale's peak, which this run did not measure`,
    );
  return spec.peakMultiple * peakPerSecond;
}

/**
 * Arrival times (ms from the start) of a Poisson process at `ratePerSecond` over `seconds`:
 * exponential gaps with mean 1/rate, so arrivals bunch and thin as independent buyers do.
 */
export function poissonSchedule(ratePerSecond: number, seconds: number, random: () => number = Math.random) {
  const arrivals: number[] = [];
  const meanGapMs = 1000 / ratePerSecond;
  let at = 0;
  for (;;) {
    // 1 - random() is in (0, 1]: the logarithm is finite.
    at += -Math.log(1 - random()) * meanGapMs;
    if (at >= seconds * 1000) return arrivals;
    arrivals.push(at);
  }
}

/** Mean tickets a buyer wants (ticketsWanted: 15 % one, 45 % two, 15 % three, 25 % four). */
const MEAN_TICKETS = 2.5;

/**
 * The inventory an open-loop phase needs so that it does not sell out: every arrival of
 * `seconds` at `ratePerSecond` buying, with half again as much to spare; half seats, half GA.
 */
export function openLoopInventory(ratePerSecond: number, seconds: number) {
  const tickets = Math.ceil(ratePerSecond * seconds * MEAN_TICKETS * 1.5) + 100;
  const seats = Math.ceil(tickets / 2);
  return { seats, generalAdmission: tickets - seats };
}

/**
 * Buyers an open-loop phase has ready: enough that a purchase may take this long (hold, order,
 * confirmation) before arrivals find no buyer free. Little's law: concurrency = rate × time.
 */
export const BUYER_SECONDS = 4;

export function buyersNeeded(ratePerSecond: number): number {
  return Math.ceil(ratePerSecond * BUYER_SECONDS);
}

/** Answers other than success, sorted by what they say about overload. */
export interface OverloadAnswers {
  /** 429 or 503 with Retry-After: load shed early and cheaply, the client told when to return. */
  shedWithRetryAfter: number;
  /** 429 or 503 without Retry-After. */
  overloadWithoutRetryAfter: number;
  /** Any 5xx but a 503 with Retry-After. */
  serverErrors: number;
  /** Problem code database_unavailable (a pool that timed out: shed too late). */
  databaseUnavailable: number;
  /** No answer at all (refused, reset, timed out). */
  noAnswer: number;
}

export const NO_OVERLOAD_ANSWERS: OverloadAnswers = {
  shedWithRetryAfter: 0,
  overloadWithoutRetryAfter: 0,
  serverErrors: 0,
  databaseUnavailable: 0,
  noAnswer: 0,
};

/** Counts one answer into the overload tallies (successes and 409s count nowhere). */
export function tallyAnswer(
  tally: OverloadAnswers,
  answer: Pick<ApiAnswer, 'status' | 'code' | 'retryAfter'>,
) {
  const overload = answer.status === 429 || answer.status === 503;
  if (overload && answer.retryAfter !== undefined) tally.shedWithRetryAfter++;
  else if (overload) tally.overloadWithoutRetryAfter++;
  if (answer.status >= 500 && !(answer.status === 503 && answer.retryAfter !== undefined))
    tally.serverErrors++;
  if (answer.code === 'database_unavailable') tally.databaseUnavailable++;
  if (answer.status === 0) tally.noAnswer++;
}

export interface OpenLoopOptions {
  ratePerSecond: number;
  seconds: number;
  bestAvailableShare: number;
  /** How long to wait for the arrivals still in flight when the arrivals stop (seconds). */
  drainSeconds: number;
}

export interface OpenLoopResult {
  offeredPerSecond: number;
  seconds: number;
  /** Arrivals scheduled in the window (Poisson: about rate × seconds). */
  arrivals: number;
  /** Arrivals that found no buyer free (every buyer still busy with an earlier purchase). */
  dropped: number;
  purchases: number;
  ticketsSold: number;
  /** Confirmed purchases of the window's arrivals, per second of the window. */
  achievedPerSecond: number;
  holdConflicts: number;
  ordersFailed: number;
  answers: OverloadAnswers;
  /** Seconds after the window until the last arrival's purchase ended. */
  drainSeconds: number;
  /** Arrivals still unanswered when the drain limit passed. */
  unfinished: number;
  /** Buyers ready for the phase. */
  buyers: number;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

export async function runOpenLoop(
  api: Api,
  event: OnSaleEvent,
  buyers: Buyer[],
  recorder: RunRecorder,
  options: OpenLoopOptions,
): Promise<OpenLoopResult> {
  const board = new SeatBoard(event.map);
  let gaLeft = event.generalAdmission;
  const free = [...buyers];
  const answers = { ...NO_OVERLOAD_ANSWERS };
  const result = { dropped: 0, purchases: 0, ticketsSold: 0, holdConflicts: 0, ordersFailed: 0 };
  const schedule = poissonSchedule(options.ratePerSecond, options.seconds);
  const inFlight = new Set<Promise<void>>();

  const holdBody = (quantity: number): { body: Record<string, unknown>; seats: boolean } | undefined => {
    const seatShare = board.freeSeats() / Math.max(1, board.freeSeats() + gaLeft);
    if (board.freeSeats() >= quantity && Math.random() < seatShare) {
      if (Math.random() < options.bestAvailableShare)
        return { body: { eventId: event.id, best: { quantity } }, seats: true };
      const block = board.pickBlock(quantity);
      if (block) return { body: { eventId: event.id, seatIds: block }, seats: true };
    }
    if (gaLeft >= quantity && event.ticketTypeId)
      return {
        body: { eventId: event.id, items: [{ ticketTypeId: event.ticketTypeId, quantity }] },
        seats: false,
      };
    return undefined;
  };

  /** One buyer's purchase; every latency from `scheduledAt`, the moment the buyer arrived. */
  const purchase = async (buyer: Buyer, scheduledAt: number): Promise<void> => {
    const request = holdBody(ticketsWanted());
    if (!request) {
      recorder.error('hold', 0, 'bench_inventory_exhausted');
      return;
    }
    const hold = await api.call('POST', '/api/v1/holds', { token: buyer.token, body: request.body });
    recorder.latency('hold', performance.now() - scheduledAt);
    if (hold.status !== 201) {
      tallyAnswer(answers, hold);
      recorder.error('hold', hold.status, hold.code);
      if (hold.status === 409) {
        result.holdConflicts++;
        board.markTaken((hold.body?.unavailable ?? []).map((seat: { seatId: string }) => seat.seatId));
      }
      return;
    }
    recorder.count('holds');
    const tickets: { seatId: string | null }[] = hold.body.tickets ?? [];
    const seatIds = tickets.flatMap((ticket) => (ticket.seatId ? [ticket.seatId] : []));
    board.markTaken(seatIds);
    if (!request.seats) gaLeft -= tickets.length;
    const orderSent = performance.now();
    const order = await api.call('POST', '/api/v1/orders', {
      token: buyer.token,
      headers: { 'idempotency-key': randomUUID() },
      body: { holdId: hold.body.id, payment: { method: 'card', card: TEST_CARD } },
    });
    let confirmed = order.status === 201 && order.body?.status === 'CONFIRMED';
    if (order.status === 202) confirmed = await waitForOrder(api, buyer, order.body?.id, recorder);
    recorder.latency('order', performance.now() - orderSent);
    if (!confirmed) {
      result.ordersFailed++;
      tallyAnswer(answers, order);
      recorder.error('order', order.status, order.code ?? order.body?.status);
      const released = await api.call('DELETE', `/api/v1/holds/${hold.body.id}`, { token: buyer.token });
      if (released.status < 300) {
        board.markFree(seatIds);
        if (!request.seats) gaLeft += tickets.length;
      }
      return;
    }
    recorder.latency('purchase', performance.now() - scheduledAt);
    recorder.count('purchases');
    recorder.count('tickets', tickets.length);
    result.purchases++;
    result.ticketsSold += tickets.length;
  };

  const started = performance.now();
  for (const offset of schedule) {
    const scheduledAt = started + offset;
    const wait = scheduledAt - performance.now();
    if (wait > 0) await sleep(wait);
    recorder.count('arrivals');
    // The least recently used buyer: purchases spread over the pool, so no buyer nears its limit.
    const buyer = free.shift();
    if (!buyer) {
      result.dropped++;
      recorder.count('dropped');
      continue;
    }
    const running: Promise<void> = purchase(buyer, scheduledAt)
      .catch((error: Error) => recorder.error('purchase', 0, error.message.slice(0, 80)))
      .finally(() => {
        free.push(buyer);
        inFlight.delete(running);
      });
    inFlight.add(running);
  }
  const windowEnd = Math.max(performance.now(), started + options.seconds * 1000);
  const remaining = windowEnd - performance.now();
  if (remaining > 0) await sleep(remaining);
  // The window's last arrivals finish (or the drain limit passes); they count as the window's.
  const drainDeadline = performance.now() + options.drainSeconds * 1000;
  while (inFlight.size > 0 && performance.now() < drainDeadline)
    await Promise.race([Promise.all(inFlight), sleep(250)]);
  return {
    offeredPerSecond: options.ratePerSecond,
    seconds: options.seconds,
    arrivals: schedule.length,
    ...result,
    achievedPerSecond: result.purchases / options.seconds,
    answers,
    drainSeconds: (performance.now() - windowEnd) / 1000,
    unfinished: inFlight.size,
    buyers: buyers.length,
  };
}
