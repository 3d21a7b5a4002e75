// Before the clock starts: the organizer's event (created and published through the API, as an
// organizer would), and K buyers, each registered and logged in.
import { performance } from 'node:perf_hooks';
import { type Api, expectStatus } from './api.js';
import { eventBody, type SeatMapAnswer } from './venue.js';

export interface OnSaleEvent {
  id: string;
  /** Tickets as the ticket service created them. */
  seatCount: number;
  generalAdmission: number;
  ticketTypeId: string | undefined;
  map: SeatMapAnswer;
  createMs: number;
  publishMs: number;
}

export interface Buyer {
  index: number;
  token: string;
}

export async function login(api: Api, username: string, password: string): Promise<string> {
  const body = expectStatus(
    await api.call('POST', '/api/v1/auth/login', { body: { username, password } }),
    `login ${username}`,
    200,
  );
  return body.accessToken;
}

/** Creates and publishes an event; publishing creates its inventory in the ticket service. */
export async function createOnSaleEvent(
  api: Api,
  organizerToken: string,
  title: string,
  seats: number,
  generalAdmission: number,
  /** More fields of the event, e.g. its `waitingRoom`. */
  extra: Record<string, unknown> = {},
): Promise<OnSaleEvent> {
  let started = performance.now();
  const created = expectStatus(
    await api.call('POST', '/api/v1/events', {
      token: organizerToken,
      body: { ...eventBody(title, seats, generalAdmission), ...extra },
    }),
    'create the event',
    201,
  );
  const createMs = performance.now() - started;
  started = performance.now();
  expectStatus(
    await api.call('POST', `/api/v1/events/${created.id}/publish`, { token: organizerToken, body: {} }),
    'publish the event',
    200,
    201,
  );
  const publishMs = performance.now() - started;
  const map = expectStatus<SeatMapAnswer>(
    await api.call('GET', `/api/v1/events/${created.id}/seats`),
    'read the seat map',
    200,
  );
  const seatCount = map.sections.reduce(
    (sum, section) => sum + section.rows.reduce((rows, row) => rows + row.seats.length, 0),
    0,
  );
  const ticketType = map.ticketTypes[0];
  return {
    id: created.id,
    seatCount,
    generalAdmission: ticketType?.available ?? 0,
    ticketTypeId: ticketType?.id,
    map,
    createMs,
    publishMs,
  };
}

/** Runs `task` over `items` with at most `concurrency` at a time. */
export async function inBatches<T, R>(
  items: T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/**
 * Registers and logs in `count` buyers (argon2id makes each a few tens of milliseconds of
 * server CPU, which is why this happens before timing starts).
 */
export async function createBuyers(
  api: Api,
  runId: string,
  count: number,
  concurrency = 8,
): Promise<Buyer[]> {
  const indexes = Array.from({ length: count }, (_, index) => index);
  return inBatches(indexes, concurrency, async (index) => {
    const username = `b${runId}x${index}`;
    const password = `Bench-buyer-${runId}-${index}!`;
    expectStatus(
      await api.call('POST', '/api/v1/auth/register', {
        body: {
          username,
          email: `${username}@bench.ticketing.local`,
          password,
          firstName: 'Bench',
          lastName: `Buyer ${index}`,
        },
      }),
      `register ${username}`,
      201,
    );
    return { index, token: await login(api, username, password) };
  });
}
