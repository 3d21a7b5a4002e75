// The invariants checker finds what breaks the data-safety rules, `ticketing verify` reports it
// with its exit code, and a real `ticketing start` process killed (SIGKILL) right after a
// payment leaves nothing the restarted platform cannot finish.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@ticketing/platform/testing';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN } from '../../../tools/test/platform.js';
import { login } from '../../user/test/support.js';
import { verifyInvariants } from '../src/verify.js';
import {
  buy,
  confirmedOrder,
  expectInvariantsHold,
  holdStanding,
  newBuyer,
  type OrderPlatform,
  orderStatus,
  publishEvent,
  startOrderPlatform,
  TEST_ENV,
} from './support.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

const ticketing = (args: string[], env: Record<string, string>): ChildProcess =>
  spawn(
    process.execPath,
    ['--conditions=@ticketing/source', '--import', 'tsx', 'bin/ticketing.js', ...args],
    {
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );

async function runVerify(databaseUrl: string): Promise<{ code: number | null; stdout: string }> {
  const child = ticketing(['verify'], { DATABASE_URL: databaseUrl, TICKET_SWEEP_INTERVAL_MS: '2000' });
  let stdout = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stdout };
}

describe('the invariants checker', () => {
  let p: OrderPlatform;

  it('passes on a platform that sold tickets, and names each invariant a corruption breaks', async () => {
    p = await startOrderPlatform();
    cleanups.push(() => p.stop());
    const event = await publishEvent(p);
    const { order } = await confirmedOrder(p, event);
    const pool = new pg.Pool({ connectionString: p.t.databaseUrl, max: 2 });
    cleanups.push(() => pool.end());
    const clean = await verifyInvariants(pool, { settleMs: 5_000 });
    expect(clean.ok, JSON.stringify(clean.checks)).toBe(true);
    expect(clean.checks.filter((check) => check.status === 'skipped')).toEqual([]);
    expect(clean.checks.map((check) => check.name)).toEqual([
      'no-ticket-sold-twice',
      'sold-within-capacity',
      'sold-ticket-has-paid-order',
      'confirmed-order-is-paid-and-sold',
      'completed-payment-has-order',
      'no-payment-left-pending',
      'no-saga-left-unfinished',
      'holds-expire-on-time',
      'outbox-published',
      'events-consumed-once',
    ]);

    // Corruptions a bug could cause: a ticket sold to no order, an order without its payment,
    // a hold nobody swept, an event never published.
    const free = await p.sql.query(
      `SELECT id FROM tickets.tickets WHERE status = 'AVAILABLE' AND event_id = $1 LIMIT 1`,
      [event.id],
    );
    await p.sql.query(
      `UPDATE tickets.tickets SET status = 'SOLD', order_id = $2, owner_id = $2, hold_id = NULL WHERE id = $1`,
      [free.rows[0].id, randomUUID()],
    );
    await p.sql.query(
      `UPDATE payments.payments SET status = 'FAILED', failure_code = 'card_declined' WHERE order_id = $1`,
      [order.id],
    );
    await p.sql.query(
      `INSERT INTO orders.outbox (id, topic, message_key, payload, created_at, dead_at)
                       VALUES ($1, 'order-created', 'x', '{}', now() - interval '1 hour', now())`,
      [randomUUID()],
    );
    const broken = await verifyInvariants(pool, { settleMs: 5_000 });
    expect(broken.ok).toBe(false);
    expect(broken.checks.filter((check) => check.status === 'violated').map((check) => check.name)).toEqual([
      'sold-ticket-has-paid-order',
      'confirmed-order-is-paid-and-sold',
      'outbox-published',
    ]);
  }, 120_000);

  it('runs as `ticketing verify`, exiting 1 on the corrupted database', async () => {
    const { code, stdout } = await runVerify(p.t.databaseUrl);
    expect(stdout).toContain('FAIL sold-ticket-has-paid-order');
    expect(stdout).toContain('INVARIANTS VIOLATED');
    expect(code).toBe(1);
  }, 60_000);
});

describe('a `ticketing start` process killed right after a payment', () => {
  it('is finished by the restarted platform: the order confirmed, the invariants hold', async () => {
    const bootstrap = await startOrderPlatform({ services: ['user'] });
    const databaseUrl = bootstrap.t.databaseUrl;
    await bootstrap.stop();
    const dataDir = await mkdtemp(join(tmpdir(), 'ticketing-kill-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const gatewayPort = await freePort();
    const child = ticketing(['start'], {
      ...TEST_ENV,
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      INTERNAL_TOKEN_SECRET: 'order-kill-test-internal-token-secret-0123456789',
      ADMIN_USERNAME: TEST_ADMIN.username,
      ADMIN_PASSWORD: TEST_ADMIN.password,
      GATEWAY_PORT: String(gatewayPort),
      TICKET_PORT: String(await freePort()),
      USER_PORT: '0',
      EVENT_PORT: '0',
      PAYMENT_PORT: '0',
      ORDER_PORT: '0',
      NOTIFICATION_PORT: '0',
      ORDER_CRASH_AT: 'after-payment',
      ORDER_CRASH_MODE: 'exit',
      ORDER_PAYMENT_TIMEOUT_MS: '3000',
      ORDER_SAGA_LEASE_MS: '10000',
    });
    cleanups.push(async () => child.kill('SIGKILL'));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    let stdout = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk) => {
        stdout += chunk;
        if (stdout.includes('Ticketing platform is running')) resolve();
      });
      child.on('exit', () => reject(new Error(`ticketing start exited early: ${stdout}`)));
    });
    const gateway = `http://127.0.0.1:${gatewayPort}`;
    const admin = await login(gateway, TEST_ADMIN.username, TEST_ADMIN.password);
    const shop = { gateway, adminToken: admin.accessToken } as OrderPlatform;
    const event = await publishEvent(shop);
    const buyer = await newBuyer(shop);
    const hold = await holdStanding(shop, buyer, event, 2);
    await expect(buy(shop, buyer, hold.id)).rejects.toThrow();
    expect(await exited).toBe('SIGKILL');

    const p = await startOrderPlatform({ databaseUrl });
    cleanups.push(() => p.stop());
    const { rows } = await p.sql.query('SELECT id FROM orders.orders WHERE hold_id = $1', [hold.id]);
    await expect
      .poll(() => orderStatus(p, rows[0].id), { timeout: 30_000, interval: 250 })
      .toBe('CONFIRMED/DONE');
    await expectInvariantsHold(databaseUrl);
    const verified = await runVerify(databaseUrl);
    expect(verified.stdout).toContain('all invariants hold');
    expect(verified.code).toBe(0);
  }, 180_000);
});
