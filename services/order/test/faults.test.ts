// What a buyer sees when a service the purchase needs is down, and how the order service
// recovers once it is back. The order service is called the way the gateway calls it; the
// services that are "down" are simply not running where the order service looks for them.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, freePort } from '@ticketing/platform/testing';
import { type Platform, startPlatform } from '@ticketing/runtime';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { call, type JsonResponse } from '../../../tools/test/http.js';
import { expectInvariantsHold, expectProblem, TEST_ENV } from './support.js';

const SECRET = 'order-fault-tests-internal-token-secret-0123456789';
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

/** Some services on a shared database and secret; the others are expected at `urls` (or nowhere). */
async function start(
  databaseUrl: string,
  services: string[],
  env: Record<string, string> = {},
): Promise<Platform> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ticketing-order-faults-'));
  const platform = await startPlatform({
    services,
    seed: 'never',
    env: {
      ...TEST_ENV,
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      INTERNAL_TOKEN_SECRET: SECRET,
      ADMIN_PASSWORD: 'admin-password-for-tests-1',
      REDIS_URL: inject('redisUrl') ?? '',
      USER_PORT: '0',
      TICKET_PORT: '0',
      PAYMENT_PORT: '0',
      ORDER_PORT: '0',
      EVENT_PORT: '0',
      GATEWAY_PORT: '0',
      ORDER_PAYMENT_TIMEOUT_MS: '3000',
      ORDER_SAGA_LEASE_MS: '10000',
      ...env,
    },
  });
  let stopped = false;
  const stop = platform.stop;
  platform.stop = async () => {
    if (stopped) return;
    stopped = true;
    await stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  cleanups.push(() => platform.stop());
  return platform;
}

const nowhere = async () => `http://127.0.0.1:${await freePort()}`;
const tokens = (platform: Platform) => platform.infrastructure.tokens;
const asBuyer = async (platform: Platform, userId: string) => ({
  'x-internal-token': await tokens(platform).issue({ service: 'gateway', user: { userId, roles: ['USER'] } }),
});
const asService = async (platform: Platform) => ({
  'x-internal-token': await tokens(platform).issue({ service: 'event' }),
});

/** A general-admission event straight in the ticket service, as the event service creates it on publish. */
async function inventory(ticket: Platform) {
  const eventId = randomUUID();
  const ticketTypeId = randomUUID();
  const response = await call(ticket.url('ticket'), 'PUT', `/api/v1/internal/inventory/${eventId}`, {
    headers: await asService(ticket),
    body: {
      currency: 'EUR',
      salesStartAt: null,
      salesEndAt: null,
      seats: [],
      ticketTypes: [{ ticketTypeId, name: 'Standing', price: 3_000, quantity: 50 }],
    },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return { eventId, ticketTypeId };
}

async function registerBuyer(user: Platform): Promise<string> {
  const suffix = randomUUID().slice(0, 8);
  const response = await call(user.url('user'), 'POST', '/api/v1/auth/register', {
    headers: await asService(user),
    body: {
      username: `buyer_${suffix}`,
      email: `buyer_${suffix}@example.com`,
      password: 'a-Sturdy-passphrase-42',
      firstName: 'Bea',
      lastName: 'Buyer',
    },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id;
}

async function hold(ticket: Platform, userId: string, stock: { eventId: string; ticketTypeId: string }) {
  const response = await call(ticket.url('ticket'), 'POST', '/api/v1/holds', {
    headers: await asBuyer(ticket, userId),
    body: { eventId: stock.eventId, items: [{ ticketTypeId: stock.ticketTypeId, quantity: 2 }] },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id as string;
}

async function purchase(
  order: Platform,
  userId: string,
  holdId: string,
  card = '4242424242424242',
): Promise<JsonResponse> {
  return call(order.url('order'), 'POST', '/api/v1/orders', {
    headers: { ...(await asBuyer(order, userId)), 'idempotency-key': randomUUID() },
    body: {
      holdId,
      payment: { method: 'card', card: { number: card, expMonth: 12, expYear: 2099, cvc: '123' } },
    },
  });
}

async function sqlOn(databaseUrl: string) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  cleanups.push(() => pool.end());
  return pool;
}

describe('when the user service is down', () => {
  it('a buyer who is already signed in still buys: the purchase needs the token, not the user service', async () => {
    const databaseUrl = await createTestDatabase(inject('databaseAdminUrl'));
    const platform = await start(databaseUrl, ['ticket', 'payment', 'order'], {
      USER_SERVICE_URL: await nowhere(),
    });
    const stock = await inventory(platform);
    const userId = randomUUID();
    const holdId = await hold(platform, userId, stock);
    const answer = await purchase(platform, userId, holdId);
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body.status).toBe('CONFIRMED');
    const sql = await sqlOn(databaseUrl);
    expect((await sql.query('SELECT status FROM tickets.holds WHERE id = $1', [holdId])).rows[0].status).toBe(
      'SOLD',
    );
  });
});

describe('when the ticket service is down', () => {
  it('answers 503 ticket_service_unavailable before recording anything', async () => {
    const databaseUrl = await createTestDatabase(inject('databaseAdminUrl'));
    const platform = await start(databaseUrl, ['user', 'payment', 'order'], {
      TICKET_SERVICE_URL: await nowhere(),
    });
    const userId = await registerBuyer(platform);
    expectProblem(await purchase(platform, userId, randomUUID()), 503, 'ticket_service_unavailable');
    const sql = await sqlOn(databaseUrl);
    expect((await sql.query('SELECT count(*)::int AS n FROM orders.orders')).rows[0].n).toBe(0);
  });

  it('during the sale: the paid order waits, and is confirmed once the ticket service is back', async () => {
    const databaseUrl = await createTestDatabase(inject('databaseAdminUrl'));
    const ticketPort = String(await freePort());
    let tickets = await start(databaseUrl, ['ticket'], { TICKET_PORT: ticketPort });
    const platform = await start(databaseUrl, ['user', 'payment', 'order'], {
      TICKET_SERVICE_URL: `http://127.0.0.1:${ticketPort}`,
      PAYMENT_GATEWAY_TIMEOUT_MS: '500',
      PAYMENT_SANDBOX_SLOW_MS: '2500',
      PAYMENT_PENDING_LEASE_MS: '3000',
    });
    const stock = await inventory(tickets);
    const userId = await registerBuyer(platform);
    const holdId = await hold(tickets, userId, stock);
    // The slow card leaves the order waiting for its payment; meanwhile the ticket service dies.
    const answer = await purchase(platform, userId, holdId, '4000000000006553');
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    await tickets.stop();
    const sql = await sqlOn(databaseUrl);
    const state = async () =>
      (await sql.query('SELECT status, saga_step FROM orders.orders WHERE id = $1', [answer.body.id]))
        .rows[0];
    await expect.poll(state, { timeout: 15_000 }).toEqual({ status: 'PENDING', saga_step: 'SELL' });
    tickets = await start(databaseUrl, ['ticket'], { TICKET_PORT: ticketPort });
    await expect
      .poll(state, { timeout: 30_000, interval: 250 })
      .toEqual({ status: 'CONFIRMED', saga_step: 'DONE' });
    await expectInvariantsHold(databaseUrl);
  }, 90_000);
});

describe('when the payment service is down', () => {
  it('fails the order cleanly (503), keeps the hold for another try, and settles once it is back', async () => {
    const databaseUrl = await createTestDatabase(inject('databaseAdminUrl'));
    const paymentPort = String(await freePort());
    const platform = await start(databaseUrl, ['user', 'ticket', 'order'], {
      PAYMENT_SERVICE_URL: `http://127.0.0.1:${paymentPort}`,
    });
    const stock = await inventory(platform);
    const userId = await registerBuyer(platform);
    const holdId = await hold(platform, userId, stock);
    const failed = await purchase(platform, userId, holdId);
    expectProblem(failed, 503, 'payment_unavailable');
    expect(failed.body.orderId).toEqual(expect.any(String));
    const sql = await sqlOn(databaseUrl);
    const order = async () =>
      (
        await sql.query('SELECT status, saga_step, failure_code FROM orders.orders WHERE id = $1', [
          failed.body.orderId,
        ])
      ).rows[0];
    expect(await order()).toEqual({
      status: 'FAILED',
      saga_step: 'VERIFY_PAYMENT',
      failure_code: 'payment_unavailable',
    });
    expect((await sql.query('SELECT status FROM tickets.holds WHERE id = $1', [holdId])).rows[0].status).toBe(
      'ACTIVE',
    );

    // Back again: the failed order is checked (nothing was charged), and the buyer's retry goes through.
    await start(databaseUrl, ['payment'], { PAYMENT_PORT: paymentPort });
    await expect.poll(order, { timeout: 30_000, interval: 250 }).toMatchObject({ saga_step: 'DONE' });
    await expect
      .poll(async () => (await purchase(platform, userId, holdId)).status, { timeout: 15_000, interval: 500 })
      .toBe(201);
    await expectInvariantsHold(databaseUrl);
  }, 90_000);
});
