// The scenarios: "onsale" (K buyers hold and buy until everything is sold), "browse" (event
// list, search, event page and seat map reads for a fixed time) and "mixed" (both at once).
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Api, ApiAnswer } from './api.js';
import type { RunRecorder } from './metrics.js';
import type { Buyer, OnSaleEvent } from './setup.js';
import { SeatBoard, type SeatMapAnswer } from './venue.js';

export const TEST_CARD = { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' };

/** How many tickets a buyer wants: mostly pairs, some singles, threes and fours. */
export function ticketsWanted(random: () => number = Math.random): number {
  const draw = random();
  return draw < 0.15 ? 1 : draw < 0.6 ? 2 : draw < 0.75 ? 3 : 4;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

export interface OnSaleOptions {
  /** Share of seat buyers who ask for "best available" instead of picking seats on the map. */
  bestAvailableShare: number;
  /** The run stops here even if tickets are left (seconds). */
  timeLimitSeconds: number;
  /** How often the crowd's picture of the seat map is refreshed (ms). */
  mapRefreshMs: number;
}

export interface OnSaleResult {
  soldOut: boolean;
  /** Seconds from the start until the last ticket was sold (or the time limit). */
  secondsToSellOut: number;
  purchases: number;
  ticketsSold: number;
  seatTicketsSold: number;
  gaTicketsSold: number;
  holds: number;
  holdAttempts: number;
  holdConflicts: number;
  ordersFailed: number;
  buyersAtLimit: number;
}

/** The crowd's shared knowledge of what is left, updated by every answer. */
class SaleState {
  seatsSoldOut: boolean;
  gaSoldOut: boolean;
  gaLeft: number;
  /** Largest block of adjacent seats best available said was left. */
  largestSeatBlock = 4;
  inFlight = 0;
  /** One buyer at a time checks the map for the end of the sale. */
  checking = false;
  finished = false;
  finishedAt = 0;

  constructor(
    readonly board: SeatBoard,
    event: OnSaleEvent,
  ) {
    this.seatsSoldOut = board.seatCount === 0;
    this.gaLeft = event.generalAdmission;
    this.gaSoldOut = event.generalAdmission === 0 || event.ticketTypeId === undefined;
  }

  apply(map: SeatMapAnswer): void {
    this.board.refresh(map);
    const available = this.board.freeSeats();
    this.seatsSoldOut = available === 0;
    if (available > 0) this.largestSeatBlock = 4;
    const ga = map.ticketTypes[0]?.available ?? 0;
    this.gaLeft = ga;
    this.gaSoldOut = ga === 0;
  }
}

/** A sale's tallies before the first buyer arrives. */
export function emptyOnSaleResult(): OnSaleResult {
  return {
    soldOut: false,
    secondsToSellOut: 0,
    purchases: 0,
    ticketsSold: 0,
    seatTicketsSold: 0,
    gaTicketsSold: 0,
    holds: 0,
    holdAttempts: 0,
    holdConflicts: 0,
    ordersFailed: 0,
    buyersAtLimit: 0,
  };
}

export async function runOnSale(
  api: Api,
  event: OnSaleEvent,
  buyers: Buyer[],
  recorder: RunRecorder,
  options: OnSaleOptions,
): Promise<OnSaleResult> {
  const state = new SaleState(new SeatBoard(event.map), event);
  const result = emptyOnSaleResult();
  const deadline = performance.now() + options.timeLimitSeconds * 1000;

  const readMap = async (): Promise<SeatMapAnswer | undefined> => {
    const answer = await api.call<SeatMapAnswer>('GET', `/api/v1/events/${event.id}/seats`);
    recorder.latency('seat map', answer.ms);
    if (answer.status !== 200) {
      recorder.error('seat map', answer.status, answer.code);
      return undefined;
    }
    return answer.body;
  };

  // What a live seat map (SSE) would show the crowd, refreshed every few seconds.
  const refresher = (async () => {
    while (!state.finished && performance.now() < deadline) {
      await sleep(options.mapRefreshMs);
      if (state.finished) break;
      const map = await readMap();
      if (map) state.apply(map);
    }
  })();

  const holdBody = (
    quantity: number,
  ): { body: Record<string, unknown>; kind: 'seats' | 'ga' } | undefined => {
    const seatShare = state.board.freeSeats() / Math.max(1, state.board.freeSeats() + state.gaLeft);
    const wantSeats = !state.seatsSoldOut && (state.gaSoldOut || Math.random() < seatShare);
    if (wantSeats) {
      const size = Math.min(quantity, state.largestSeatBlock);
      if (Math.random() < options.bestAvailableShare)
        return { body: { eventId: event.id, best: { quantity: size } }, kind: 'seats' };
      for (let tryQuantity = size; tryQuantity >= 1; tryQuantity--) {
        const block = state.board.pickBlock(tryQuantity);
        if (block) return { body: { eventId: event.id, seatIds: block }, kind: 'seats' };
      }
      // The map shows nothing free: ask the platform, whose answer says what is really left.
      return { body: { eventId: event.id, best: { quantity: 1 } }, kind: 'seats' };
    }
    if (!state.gaSoldOut && event.ticketTypeId) {
      const size = Math.max(1, Math.min(quantity, state.gaLeft));
      return {
        body: { eventId: event.id, items: [{ ticketTypeId: event.ticketTypeId, quantity: size }] },
        kind: 'ga',
      };
    }
    return undefined;
  };

  /** Learns from a refused hold; false when this buyer should stop. */
  const learn = (answer: ApiAnswer): boolean => {
    const body = answer.body ?? {};
    switch (answer.code) {
      case 'seats_unavailable':
        state.board.markTaken((body.unavailable ?? []).map((seat: { seatId: string }) => seat.seatId));
        if (body.available === 0) state.seatsSoldOut = true;
        return true;
      case 'no_adjacent_seats':
        if (body.available === 0) state.seatsSoldOut = true;
        else state.largestSeatBlock = Math.max(1, body.largestBlock ?? 1);
        return true;
      case 'not_enough_tickets':
        state.gaLeft = body.available ?? 0;
        if (state.gaLeft === 0) state.gaSoldOut = true;
        return true;
      case 'ticket_limit_reached':
      case 'ticket_limit_exceeded':
        result.buyersAtLimit++;
        return false;
      default:
        return true;
    }
  };

  const buy = async (buyer: Buyer): Promise<void> => {
    let purchaseStarted = performance.now();
    // After a 5xx or no answer, a client waits longer each time (jittered, up to 5 s), as
    // browsers and apps do; without it a crowd turns an overload into a collapse.
    let failuresInARow = 0;
    const backOff = () => sleep(Math.min(5_000, 100 * 2 ** failuresInARow++) * (0.5 + Math.random()));
    while (!state.finished && performance.now() < deadline) {
      if (state.seatsSoldOut && state.gaSoldOut) {
        // Everything looks gone; once no purchase is in flight, one look at the map decides.
        if (state.inFlight === 0 && !state.checking) {
          state.checking = true;
          const map = await readMap();
          if (map) state.apply(map);
          if (state.seatsSoldOut && state.gaSoldOut && state.inFlight === 0 && !state.finished) {
            state.finished = true;
            state.finishedAt = performance.now();
          }
          state.checking = false;
        } else await sleep(20);
        continue;
      }
      const request = holdBody(ticketsWanted());
      if (!request) continue;
      state.inFlight++;
      try {
        result.holdAttempts++;
        const hold = await api.call('POST', '/api/v1/holds', { token: buyer.token, body: request.body });
        recorder.latency('hold', hold.ms);
        if (hold.status !== 201) {
          if (hold.status === 409) {
            result.holdConflicts++;
            recorder.count('hold conflicts');
          }
          recorder.error('hold', hold.status, hold.code);
          if (!learn(hold)) return;
          if (hold.status >= 500 || hold.status === 0) await backOff();
          else if (hold.status !== 409) await sleep(50);
          continue;
        }
        failuresInARow = 0;
        result.holds++;
        recorder.count('holds');
        const tickets: { seatId: string | null }[] = hold.body.tickets ?? [];
        state.board.markTaken(tickets.flatMap((ticket) => (ticket.seatId ? [ticket.seatId] : [])));
        if (request.kind === 'ga') state.gaLeft = Math.max(0, state.gaLeft - tickets.length);

        const order = await api.call('POST', '/api/v1/orders', {
          token: buyer.token,
          headers: { 'idempotency-key': randomUUID() },
          body: { holdId: hold.body.id, payment: { method: 'card', card: TEST_CARD } },
        });
        recorder.latency('order', order.ms);
        let confirmed = order.status === 201 && order.body?.status === 'CONFIRMED';
        if (order.status === 202) confirmed = await waitForOrder(api, buyer, order.body?.id, recorder);
        if (!confirmed) {
          result.ordersFailed++;
          recorder.error('order', order.status, order.code ?? order.body?.status);
          // Give the tickets back so the sale can still sell out.
          const released = await api.call('DELETE', `/api/v1/holds/${hold.body.id}`, { token: buyer.token });
          recorder.latency('release', released.ms);
          if (order.status >= 500 || order.status === 0) await backOff();
          continue;
        }
        recorder.latency('purchase', performance.now() - purchaseStarted);
        recorder.count('purchases');
        recorder.count('tickets', tickets.length);
        result.purchases++;
        result.ticketsSold += tickets.length;
        if (request.kind === 'ga') result.gaTicketsSold += tickets.length;
        else result.seatTicketsSold += tickets.length;
        purchaseStarted = performance.now();
      } finally {
        state.inFlight--;
      }
    }
  };

  await Promise.all(buyers.map((buyer) => buy(buyer)));
  if (!state.finished) state.finishedAt = performance.now();
  state.finished = true;
  await refresher;
  result.soldOut = state.seatsSoldOut && state.gaSoldOut;
  result.secondsToSellOut = (state.finishedAt - recorder.startedAt) / 1000;
  return result;
}

export async function waitForOrder(
  api: Api,
  buyer: Buyer,
  orderId: string | undefined,
  recorder: RunRecorder,
): Promise<boolean> {
  if (!orderId) return false;
  recorder.count('orders pending');
  for (let attempt = 0; attempt < 150; attempt++) {
    await sleep(200);
    const answer = await api.call('GET', `/api/v1/orders/${orderId}`, { token: buyer.token });
    if (answer.body?.status === 'CONFIRMED') return true;
    if (answer.body?.status === 'FAILED' || answer.body?.status === 'CANCELLED') return false;
  }
  return false;
}

export interface BrowseResult {
  requests: number;
  failures: number;
  seconds: number;
}

/**
 * Readers: the event list, a search, an event page and its seat map, in a loop, until
 * `shouldStop` says so. Anonymous and signed-in readers alike go through the gateway.
 */
export async function runBrowse(
  api: Api,
  readers: Buyer[],
  eventIds: string[],
  searchWords: string[],
  recorder: RunRecorder,
  shouldStop: () => boolean,
): Promise<BrowseResult> {
  const result: BrowseResult = { requests: 0, failures: 0, seconds: 0 };
  const started = performance.now();
  const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)]!;
  const read = async (reader: Buyer) => {
    while (!shouldStop()) {
      const draw = Math.random();
      const [step, path] =
        draw < 0.3
          ? ['events list', '/api/v1/events?limit=20']
          : draw < 0.55
            ? ['search', `/api/v1/events?q=${encodeURIComponent(pick(searchWords))}&limit=20`]
            : draw < 0.8
              ? ['event page', `/api/v1/events/${pick(eventIds)}`]
              : ['seat map', `/api/v1/events/${pick(eventIds)}/seats`];
      const answer = await api.call('GET', path, { token: reader.token });
      recorder.latency(step, answer.ms);
      recorder.count('reads');
      result.requests++;
      if (answer.status !== 200) {
        result.failures++;
        recorder.error(step, answer.status, answer.code);
      }
    }
  };
  await Promise.all(readers.map((reader) => read(reader)));
  result.seconds = (performance.now() - started) / 1000;
  return result;
}
