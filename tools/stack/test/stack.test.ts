// The distributed mode as `tools/stack/stack.sh up --replica` runs it — PostgreSQL with a
// streaming replica, Redis, Kafka, every service its own process, two ticket and two order
// instances — and the faults it must survive: a ticket instance killed during a burst of holds,
// Redis restarted (with buyers in a waiting room's line, and the gateway restarted too), Kafka
// stopped for a minute. After each, the invariants checker finds nothing wrong, no place in line
// is lost and nothing the outboxes held is lost.
//
// Slow (it starts ~12 processes), so it runs only with TEST_STACK=1: test:full runs it as its
// own phase after the other tests (tools/stack/test-full.sh), on its own ports and folder.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectInvariantsHold } from '../../../services/order/test/support.js';
import { followPlace, joinQueue } from '../../../services/ticket/test/queue-support.js';
import { call } from '../../test/http.js';

const run = promisify(execFile);
const SCRIPTS = join(import.meta.dirname, '..');
const GATEWAY = 'http://127.0.0.1:8080';
const ADMIN = { username: 'stackadmin', password: 'stack-test-admin-password-1' };
const CARD = { number: '4242424242424242', expMonth: 12, expYear: 2099, cvc: '123' };

// Its own folder and ports, apart from test:full's servers and the benchmark's stack.
const STACK_ENV: Record<string, string> = {
  STACK_DIR: '/tmp/ticketing-stack-test',
  PG_PORT: '55472',
  PG_REPLICA_PORT: '55473',
  REDIS_PORT: '56419',
  KAFKA_PORT: '59292',
  KAFKA_CONTROLLER_PORT: '59293',
  STACK_SEED: '0',
  ADMIN_USERNAME: ADMIN.username,
  ADMIN_EMAIL: 'stack-admin@example.com',
  ADMIN_PASSWORD: ADMIN.password,
  // One machine is every buyer here: limits per IP or per user would stop the burst, not the faults.
  RATE_LIMIT_AUTH: 'off',
  RATE_LIMIT_HOLDS: 'off',
  RATE_LIMIT_ORDERS: 'off',
  RATE_LIMIT_DEFAULT: 'off',
  PAYMENT_FRAUD_MAX_PER_USER: '0',
  PAYMENT_FRAUD_MAX_PER_CARD: '0',
  PAYMENT_FRAUD_MAX_PER_IP: '0',
  PAYMENT_FRAUD_MAX_CARDS_PER_USER: '0',
  PAYMENT_MAX_TICKETS_PER_CARD: '0',
  ORDER_MAX_TICKETS_PER_IP_RANGE: '0',
  LOG_LEVEL: 'info',
};
const DATABASE_URL = `postgres://postgres@127.0.0.1:${STACK_ENV.PG_PORT}/postgres`;

const stack = (
  component: string,
  command: string,
  extra: Record<string, string> = {},
  ...options: string[]
) =>
  run('bash', [join(SCRIPTS, `${component}.sh`), command, ...options], {
    env: { ...process.env, ...STACK_ENV, ...extra },
    maxBuffer: 16 * 1024 * 1024,
  });

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

interface Buyer {
  token: string;
}

let adminToken: string;
let sql: pg.Pool;
let eventId: string;
let standingTypeId: string;
let buyerCount = 0;

async function login(username: string, password: string): Promise<string> {
  const answer = await call(GATEWAY, 'POST', '/api/v1/auth/login', { body: { username, password } });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.accessToken;
}

async function newBuyer(): Promise<Buyer> {
  const username = `stackbuyer${Date.now().toString(36)}${buyerCount++}`;
  const password = 'stack-buyer-password-1';
  const registered = await call(GATEWAY, 'POST', '/api/v1/auth/register', {
    body: { username, email: `${username}@example.com`, password, firstName: 'Stack', lastName: 'Buyer' },
  });
  expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  return { token: await login(username, password) };
}

function hold(buyer: Buyer, quantity = 1) {
  return call(GATEWAY, 'POST', '/api/v1/holds', {
    token: buyer.token,
    body: { eventId, items: [{ ticketTypeId: standingTypeId, quantity }] },
  });
}

/** Holds two tickets and pays for them; the order's answer. */
async function purchase(buyer: Buyer) {
  const held = await hold(buyer, 2);
  expect(held.status, JSON.stringify(held.body)).toBe(201);
  const order = await call(GATEWAY, 'POST', '/api/v1/orders', {
    token: buyer.token,
    headers: { 'idempotency-key': crypto.randomUUID() },
    body: { holdId: held.body.id, payment: { method: 'card', card: CARD } },
  });
  expect([201, 202], JSON.stringify(order.body)).toContain(order.status);
  return order.body as { id: string; status: string };
}

async function orderConfirmed(buyer: Buyer, orderId: string): Promise<void> {
  await expect
    .poll(
      async () =>
        (await call(GATEWAY, 'GET', `/api/v1/orders/${orderId}`, { token: buyer.token })).body?.status,
      { timeout: 60_000, interval: 250 },
    )
    .toBe('CONFIRMED');
}

/** The buyer was told of the order: order-confirmed went through an outbox and Kafka to the notification service. */
async function buyerNotified(buyer: Buyer, timeout = 60_000): Promise<void> {
  await expect
    .poll(
      async () => {
        const mail = await call(GATEWAY, 'GET', '/api/v1/notifications', { token: buyer.token });
        return (mail.body?.items ?? []).some(
          (item: { type: string; status: string }) =>
            item.type === 'order-confirmed' && item.status === 'SENT',
        );
      },
      { timeout, interval: 500 },
    )
    .toBe(true);
}

/** Events written to the outboxes and not yet acknowledged by the broker, over every service. */
async function unsentEvents(): Promise<number> {
  const { rows: tables } = await sql.query<{ schema: string }>(
    "SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = 'outbox'",
  );
  let unsent = 0;
  for (const { schema } of tables) {
    const { rows } = await sql.query<{ n: string }>(
      `SELECT count(*) AS n FROM "${schema}".outbox WHERE published_at IS NULL`,
    );
    unsent += Number(rows[0]!.n);
  }
  return unsent;
}

/** A published concert with seats and 1,000 standing tickets, on sale now; its id. */
async function publishedEvent(title: string): Promise<string> {
  const startsAt = new Date(Date.now() + 30 * 86_400_000);
  const created = await call(GATEWAY, 'POST', '/api/v1/events', {
    token: adminToken,
    body: {
      title,
      description: 'Every service its own process.',
      location: 'Hall 9',
      eventType: 'CONCERT',
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 3 * 3_600_000).toISOString(),
      currency: 'EUR',
      basePrice: 3000,
      venue: { sections: [{ name: 'Stalls', rows: 2, seatsPerRow: 5, category: 'STANDARD', price: 4000 }] },
      ticketTypes: [{ name: 'Standing', price: 2500, quantity: 1_000 }],
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const published = await call(GATEWAY, 'POST', `/api/v1/events/${created.body.id}/publish`, {
    token: adminToken,
  });
  expect(published.status, JSON.stringify(published.body)).toBe(200);
  return created.body.id;
}

async function instancePid(name: string): Promise<number> {
  return Number((await readFile(join(STACK_ENV.STACK_DIR!, 'services', `${name}.pid`), 'utf8')).trim());
}

describe.skipIf(process.env.TEST_STACK !== '1')('the distributed stack (tools/stack/stack.sh)', () => {
  beforeAll(async () => {
    await stack('stack', 'down').catch(() => undefined);
    await stack('stack', 'up', {}, '--replica').catch(async (error) => {
      throw new Error(`stack.sh up failed: ${error.stderr?.slice(-3000) ?? error}`);
    });
    sql = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    adminToken = await login(ADMIN.username, ADMIN.password);
    eventId = await publishedEvent('Stack Night');
    const seats = await call(GATEWAY, 'GET', `/api/v1/events/${eventId}/seats`);
    standingTypeId = seats.body.ticketTypes[0].id;
  }, 600_000);

  afterAll(async () => {
    await sql?.end();
    if (process.env.TEST_STACK_KEEP !== '1') await stack('stack', 'down').catch(() => undefined);
  }, 180_000);

  it('reports every component and process running', async () => {
    const { stdout } = await stack('stack', 'status');
    for (const name of ['user-1', 'ticket-1', 'ticket-2', 'event-1', 'payment-1', 'order-1', 'order-2'])
      expect(stdout).toMatch(new RegExp(`${name}: running`));
    expect(stdout).toMatch(/notification-1: running/);
    expect(stdout).toMatch(/gateway-1: running/);
    expect(stdout).toMatch(/kafka: running/);
    const health = await call(GATEWAY, 'GET', '/actuator/health');
    expect(health.status, JSON.stringify(health.body)).toBe(200);
  });

  it('sells tickets across processes and tells the buyer over Kafka', async () => {
    const buyer = await newBuyer();
    const order = await purchase(buyer);
    await orderConfirmed(buyer, order.id);
    await buyerNotified(buyer);
  }, 120_000);

  it('fails over when a ticket instance is killed during a burst of holds', async () => {
    const buyers = await Promise.all(Array.from({ length: 20 }, () => newBuyer()));
    const answers: { status: number; code?: string; afterKill: boolean }[] = [];
    let killedAt = 0;
    const burst = buyers.map(async (buyer) => {
      for (let i = 0; i < 4; i++) {
        const sent = Date.now();
        const answer = await hold(buyer).catch(() => ({ status: 0, body: undefined }));
        answers.push({
          status: answer.status,
          code: answer.body?.code,
          afterKill: killedAt > 0 && sent > killedAt + 2_000,
        });
        await sleep(250);
      }
    });
    await sleep(400);
    process.kill(await instancePid('ticket-1'), 'SIGKILL');
    killedAt = Date.now();
    await Promise.all(burst);

    // Every answer is a hold or a clean refusal (503/502 with problem+json), never a 500 or none.
    expect(answers.filter((a) => a.status === 0 || a.status === 500)).toEqual([]);
    expect(answers.filter((a) => a.status === 201).length).toBeGreaterThan(answers.length / 2);
    // Once the gateway has seen the instance go, the other instance takes every hold.
    const late = answers.filter((a) => a.afterKill);
    expect(late.filter((a) => a.status !== 201)).toEqual([]);
    await expectInvariantsHold(DATABASE_URL, { timeoutMs: 30_000 });

    // Back up: `stack.sh up` starts what is missing and leaves the rest running.
    await stack('stack', 'up');
    const buyer = await newBuyer();
    await orderConfirmed(buyer, (await purchase(buyer)).id);
  }, 300_000);

  it('keeps selling while Redis restarts, and its rate limits and caches come back', async () => {
    const browse = () => call(GATEWAY, 'GET', `/api/v1/events/${eventId}`);
    expect((await browse()).headers['ratelimit-remaining']).toBeDefined();

    await stack('redis', 'down');
    let during: Buyer;
    try {
      during = await newBuyer();
      const order = await purchase(during);
      await orderConfirmed(during, order.id);
      const page = await browse();
      expect(page.status).toBe(200);
      // The limiter lets requests through while its store is away (and says nothing about limits).
      expect(page.headers['ratelimit-remaining']).toBeUndefined();
    } finally {
      await stack('redis', 'up');
    }
    await expect
      .poll(async () => (await browse()).headers['ratelimit-remaining'], { timeout: 30_000 })
      .toBeDefined();
    const after = await newBuyer();
    await orderConfirmed(after, (await purchase(after)).id);
    await buyerNotified(during!);
    await expectInvariantsHold(DATABASE_URL, { timeoutMs: 30_000 });
  }, 300_000);

  it('keeps every place in line through a Redis restart and a gateway restart, and streams on after', async () => {
    // A queued event of its own, one admission a minute: nobody is let in before the end.
    const queued = await publishedEvent('Stack Queue Night');
    const switched = await call(GATEWAY, 'PUT', `/api/v1/events/${queued}/waiting-room`, {
      token: adminToken,
      body: { enabled: true, admitPerMinute: 1, reason: 'stack test: a line to keep' },
    });
    expect(switched.status, JSON.stringify(switched.body)).toBe(200);
    const buyers = await Promise.all(Array.from({ length: 4 }, () => newBuyer()));
    const places: { id: string; number: number }[] = [];
    for (const buyer of buyers) {
      const joined = await joinQueue(GATEWAY, buyer.token, queued);
      expect(joined.status, JSON.stringify(joined.body)).toBe(201);
      places.push({ id: joined.body.id, number: joined.body.number });
    }
    // Arrival order: each later buyer stands behind the one before.
    expect(places.map((place) => place.number)).toEqual(
      [...places.map((place) => place.number)].sort((a, b) => a - b),
    );
    expect(new Set(places.map((place) => place.number)).size).toBe(4);
    const standing = async () =>
      Promise.all(
        buyers.map(async (buyer, index) => {
          const answer = await call(GATEWAY, 'GET', `/api/v1/queue/${places[index]!.id}`, {
            token: buyer.token,
          });
          expect(answer.status, JSON.stringify(answer.body)).toBe(200);
          // Still in line, or let in by the room's one admission a minute on a slow machine.
          expect(['WAITING', 'ADMITTED']).toContain(answer.body.status);
          return { id: answer.body.id, number: answer.body.number };
        }),
      );
    const before = await standing();

    await stack('redis', 'down');
    try {
      expect(await standing()).toEqual(before);
    } finally {
      await stack('redis', 'up');
    }
    // The gateway restarts (a deploy, a crash): it keeps nothing of the line either.
    const gatewayPid = await instancePid('gateway-1');
    process.kill(gatewayPid, 'SIGTERM');
    await expect
      .poll(
        () => {
          try {
            process.kill(gatewayPid, 0);
            return 'running';
          } catch {
            return 'gone';
          }
        },
        { timeout: 30_000, interval: 200 },
      )
      .toBe('gone');
    await stack('stack', 'up');
    expect(await standing()).toEqual(before);
    // Joining again finds the same place, without a new challenge.
    const again = await call(GATEWAY, 'POST', `/api/v1/events/${queued}/queue`, { token: buyers[3]!.token });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body).toMatchObject({ id: places[3]!.id, number: places[3]!.number });

    // Live updates came back with Redis: switching the room off (on whichever ticket instance)
    // admits everyone, and the stream (on whichever instance) says so and ends.
    const stream = await followPlace(GATEWAY, buyers[3]!.token, places[3]!.id);
    try {
      await expect.poll(() => stream.messages.length, { timeout: 10_000 }).toBeGreaterThan(0);
      expect(stream.messages[0]).toMatchObject({ status: 'WAITING' });
      const off = await call(GATEWAY, 'PUT', `/api/v1/events/${queued}/waiting-room`, {
        token: adminToken,
        body: { enabled: false, reason: 'stack test: the line is kept' },
      });
      expect(off.status, JSON.stringify(off.body)).toBe(200);
      // Everyone still waiting: the four, bar any the room let in meanwhile (one a minute).
      expect(off.body.admittedAtOnce).toBeGreaterThanOrEqual(1);
      await expect
        .poll(() => stream.messages.at(-1)?.status, { timeout: 15_000, interval: 100 })
        .toBe('ADMITTED');
      expect(stream.messages.at(-1)?.admissionToken).toEqual(expect.any(String));
    } finally {
      stream.close();
      await stream.ended;
    }
  }, 300_000);

  it('loses nothing while Kafka is stopped for a minute', async () => {
    // The broker keeps its log across the restart, as a real one does.
    await stack('kafka', 'down', { STACK_KEEP_DATA: '1' });
    const orders: { buyer: Buyer; order: { id: string } }[] = [];
    try {
      const stoppedAt = Date.now();
      const buyers = await Promise.all(Array.from({ length: 5 }, () => newBuyer()));
      for (const buyer of buyers) orders.push({ buyer, order: await purchase(buyer) });
      for (const { buyer, order } of orders) await orderConfirmed(buyer, order.id);
      // The events of those sales wait in the outboxes.
      await expect.poll(unsentEvents, { timeout: 30_000 }).toBeGreaterThanOrEqual(orders.length);
      await sleep(Math.max(0, 60_000 - (Date.now() - stoppedAt)));
      expect(await unsentEvents()).toBeGreaterThanOrEqual(orders.length);
    } finally {
      await stack('kafka', 'up', { STACK_KEEP_DATA: '1' });
    }
    await expect.poll(unsentEvents, { timeout: 120_000, interval: 1_000 }).toBe(0);
    for (const { buyer } of orders) await buyerNotified(buyer, 120_000);
    await expectInvariantsHold(DATABASE_URL, { timeoutMs: 30_000 });
  }, 420_000);
});
