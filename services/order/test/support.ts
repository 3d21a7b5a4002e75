// Shared steps of the order service's stories: the whole platform in one process, an event
// published through the event service, buyers holding seats and buying them through the gateway.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, type DomainEvent, type Logger, SERVICE_NAMES } from '@ticketing/platform';
import { freePort } from '@ticketing/platform/testing';
import { startPlatform } from '@ticketing/runtime';
import pg from 'pg';
import { expect, inject } from 'vitest';
import { call, type JsonResponse } from '../../../tools/test/http.js';
import { startTestPlatform, TEST_ADMIN, type TestPlatform } from '../../../tools/test/platform.js';
import { login, registerAndLogin } from '../../user/test/support.js';
import { verifyInvariants } from '../src/verify.js';

export { expectProblem } from '../../user/test/support.js';

export const ALL_SERVICES = ['user', 'event', 'ticket', 'payment', 'order', 'gateway'];

export const CARDS = {
  success: '4242424242424242',
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
  processingError: '4000000000000119',
  slow: '4000000000006553',
} as const;

/** Settings every order test runs with: no rate limits, quick workers. */
export const TEST_ENV: Record<string, string> = {
  RATE_LIMIT_AUTH: 'off',
  RATE_LIMIT_HOLDS: 'off',
  RATE_LIMIT_BROWSE: 'off',
  RATE_LIMIT_DEFAULT: 'off',
  RATE_LIMIT_ORDERS: 'off',
  PAYMENT_FRAUD_MAX_PER_USER: '0',
  PAYMENT_FRAUD_MAX_PER_CARD: '0',
  PAYMENT_FRAUD_MAX_PER_IP: '0',
  PAYMENT_FRAUD_MAX_CARDS_PER_USER: '0',
  // Every story buys with the same card from 127.0.0.1; purchase-caps.test.ts turns the caps on.
  PAYMENT_MAX_TICKETS_PER_CARD: '0',
  ORDER_MAX_TICKETS_PER_IP_RANGE: '0',
  ORDER_RECOVERY_INTERVAL_MS: '200',
  TICKET_SWEEP_INTERVAL_MS: '500',
};

export interface OrderPlatform {
  t: TestPlatform;
  gateway: string;
  adminToken: string;
  sql: pg.Pool;
  events: DomainEvent[];
  stop(): Promise<void>;
}

export async function startOrderPlatform(
  options: {
    env?: Record<string, string>;
    services?: string[];
    clock?: Clock;
    databaseUrl?: string;
    /** Where the services log (a test reading the log passes one). */
    logger?: Logger;
  } = {},
): Promise<OrderPlatform> {
  const t = options.databaseUrl
    ? await restartOn(
        options.databaseUrl,
        { ...TEST_ENV, TICKET_PORT: String(await freePort()), ...options.env },
        options.services,
      )
    : await startTestPlatform({
        services: options.services ?? ALL_SERVICES,
        clock: options.clock,
        logger: options.logger,
        // The event service starts before the ticket service and builds its client then: with port 0
        // it would call port 0, so the ticket service gets a free port chosen up front.
        env: { ...TEST_ENV, TICKET_PORT: String(await freePort()), ...options.env },
      });
  const events: DomainEvent[] = [];
  await t.platform.infrastructure.bus.subscribe({
    group: `order-test-${randomUUID()}`,
    topics: ['order-created', 'order-confirmed', 'order-cancelled', 'order-failed', 'payment-refunded'],
    handle: async (event) => {
      events.push(event);
    },
  });
  const admin = t.gatewayUrl
    ? await login(t.gatewayUrl, TEST_ADMIN.username, TEST_ADMIN.password)
    : undefined;
  const sql = new pg.Pool({ connectionString: t.databaseUrl, max: 3 });
  return {
    t,
    gateway: t.gatewayUrl,
    adminToken: admin?.accessToken ?? '',
    sql,
    events,
    async stop() {
      await sql.end();
      await t.stop();
    },
  };
}

/** The platform started again on an existing database, as after a crash (same data, fresh process state). */
async function restartOn(
  databaseUrl: string,
  env: Record<string, string>,
  services = ALL_SERVICES,
): Promise<TestPlatform> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ticketing-restart-'));
  const ports = Object.fromEntries(SERVICE_NAMES.map((name) => [`${name.toUpperCase()}_PORT`, '0']));
  const platform = await startPlatform({
    services,
    seed: 'never',
    env: {
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ADMIN_USERNAME: TEST_ADMIN.username,
      ADMIN_EMAIL: 'admin@example.com',
      ADMIN_PASSWORD: TEST_ADMIN.password,
      REDIS_URL: inject('redisUrl') ?? '',
      ...ports,
      ...env,
    },
  });
  return {
    platform,
    gatewayUrl: platform.services.has('gateway') ? platform.url('gateway') : '',
    databaseUrl,
    async stop() {
      await platform.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Buyer {
  id: string;
  token: string;
}

export async function newBuyer(p: OrderPlatform): Promise<Buyer> {
  const { user, tokens } = await registerAndLogin(p.gateway);
  return { id: user.id, token: tokens.accessToken };
}

const inDays = (days: number, hours = 0) =>
  new Date(Date.now() + days * 86_400_000 + hours * 3_600_000).toISOString();

export interface PublishedEvent {
  id: string;
  standingTypeId: string;
  startsAt: string;
}

/** An event with a small seated hall and a standing area, published by the admin. */
export async function publishEvent(
  p: OrderPlatform,
  overrides: { startsInDays?: number; standing?: number; price?: number } = {},
): Promise<PublishedEvent> {
  const startsAt = inDays(overrides.startsInDays ?? 30);
  const created = await call(p.gateway, 'POST', '/api/v1/events', {
    token: p.adminToken,
    body: {
      title: 'Night of the Strings',
      description: 'A chamber orchestra plays Vivaldi.',
      location: 'Konzerthaus',
      eventType: 'CONCERT',
      startsAt,
      endsAt: new Date(new Date(startsAt).getTime() + 3 * 3_600_000).toISOString(),
      currency: 'EUR',
      basePrice: 3000,
      venue: { sections: [{ name: 'Stalls', rows: 2, seatsPerRow: 5, category: 'STANDARD', price: 4000 }] },
      ticketTypes: [{ name: 'Standing', price: overrides.price ?? 2500, quantity: overrides.standing ?? 40 }],
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const published = await call(p.gateway, 'POST', `/api/v1/events/${created.body.id}/publish`, {
    token: p.adminToken,
  });
  expect(published.status, JSON.stringify(published.body)).toBe(200);
  const seats = await call(p.gateway, 'GET', `/api/v1/events/${created.body.id}/seats`);
  expect(seats.status, JSON.stringify(seats.body)).toBe(200);
  const standing = seats.body.ticketTypes.find((type: { name: string }) => type.name === 'Standing');
  return { id: created.body.id, standingTypeId: standing.id, startsAt };
}

export async function holdStanding(p: OrderPlatform, buyer: Buyer, event: PublishedEvent, quantity = 2) {
  const response = await call(p.gateway, 'POST', '/api/v1/holds', {
    token: buyer.token,
    body: { eventId: event.id, items: [{ ticketTypeId: event.standingTypeId, quantity }] },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as { id: string; expiresAt: string; tickets: { id: string; price: number }[] };
}

export const cardPayment = (number: string = CARDS.success) => ({
  method: 'card',
  card: { number, expMonth: 12, expYear: 2099, cvc: '123' },
});

export function buy(
  p: OrderPlatform,
  buyer: Buyer,
  holdId: string,
  options: { card?: string; key?: string | null; body?: Record<string, unknown> } = {},
): Promise<JsonResponse> {
  const key = options.key === undefined ? randomUUID() : options.key;
  return call(p.gateway, 'POST', '/api/v1/orders', {
    token: buyer.token,
    body: options.body ?? { holdId, payment: cardPayment(options.card) },
    headers: key === null ? {} : { 'idempotency-key': key },
  });
}

/** A buyer holding two standing tickets and buying them with a card that works. */
export async function confirmedOrder(p: OrderPlatform, event: PublishedEvent, buyer?: Buyer) {
  const who = buyer ?? (await newBuyer(p));
  const hold = await holdStanding(p, who, event);
  const response = await buy(p, who, hold.id);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return { buyer: who, hold, order: response.body };
}

export async function orderStatus(p: OrderPlatform, orderId: string) {
  const { rows } = await p.sql.query(
    'SELECT status, saga_step, last_error FROM orders.orders WHERE id = $1',
    [orderId],
  );
  if (process.env.DEBUG_ORDERS && rows[0]?.last_error) console.log(orderId, rows[0].last_error);
  return rows[0] ? `${rows[0].status}/${rows[0].saga_step}` : undefined;
}

/** The doc's invariants hold once everything settled (relays published, workers finished). */
export async function expectInvariantsHold(databaseUrl: string, options: { timeoutMs?: number } = {}) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  try {
    let report = await verifyInvariants(pool, { sweepIntervalMs: 2_000, settleMs: 3_000 });
    const deadline = Date.now() + (options.timeoutMs ?? 15_000);
    while (!report.ok && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      report = await verifyInvariants(pool, { sweepIntervalMs: 2_000, settleMs: 3_000 });
    }
    const broken = report.checks.filter((check) => check.status === 'violated');
    expect(broken, JSON.stringify(broken, null, 2)).toEqual([]);
    return report;
  } finally {
    await pool.end();
  }
}
