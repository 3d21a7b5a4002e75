// `ticketing start --workers 2` end to end, as a user runs it: a primary with the embedded
// PostgreSQL and two workers behind the same ports. A buyer's purchase in one worker shows on
// live-availability streams held by either worker and mails the buyer; a worker that dies is
// replaced; a stop ends the workers first, then PostgreSQL, and leaves nothing behind.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@ticketing/platform/testing';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectInvariantsHold } from '../../../services/order/test/support.js';
import { call } from '../../../tools/test/http.js';

const ADMIN = { username: 'workers-admin', password: `Workers-${randomUUID()}` };
const CARD = { number: '4242424242424242', expMonth: 12, expYear: 2035, cvc: '123' };

let dataDir = '';
let child: ChildProcess;
let exited: Promise<number | null>;
let output = '';
let gateway = '';
let databaseUrl = '';

/** Pids of the processes whose command line says `name` and whose parent is `parent`. */
function childrenOf(parent: number, name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' || Number(fields[1]) !== parent) continue; // exited, or someone else's
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(name)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

const workerPids = () => childrenOf(child.pid!, 'runtime/src/worker.ts');

/** Pids of PostgreSQL servers running on the given data directory. */
function postgresOn(pgDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (commandLine.includes('postgres') && commandLine.includes(pgDir)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** A browser's EventSource on an event's availability, each on its own connection. */
async function openStream(eventId: string) {
  const response = await request(`${gateway}/api/v1/events/${eventId}/availability/stream`, {
    headers: { accept: 'text/event-stream' },
  });
  const events: { event: string; data: any }[] = [];
  let buffer = '';
  const reading = (async () => {
    try {
      for await (const chunk of response.body) {
        buffer += chunk.toString();
        for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1] ?? 'message';
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (data) events.push({ event, data: JSON.parse(data) });
        }
      }
    } catch {
      // closed by the test
    }
  })();
  return {
    status: response.statusCode,
    events,
    async close() {
      response.body.destroy();
      await reading;
    },
  };
}

type Stream = Awaited<ReturnType<typeof openStream>>;

async function login(username: string, password: string): Promise<string> {
  const answer = await call(gateway, 'POST', '/api/v1/auth/login', { body: { username, password } });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.accessToken;
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ticketing-workers-'));
  await chmod(dataDir, 0o755); // as root, PostgreSQL runs as another user
  const ports: Record<string, string> = {};
  for (const name of ['GATEWAY', 'USER', 'EVENT', 'TICKET', 'ORDER', 'PAYMENT', 'NOTIFICATION'])
    ports[`${name}_PORT`] = String(await freePort());
  const postgresPort = await freePort();
  gateway = `http://127.0.0.1:${ports.GATEWAY_PORT}`;
  child = spawn(
    process.execPath,
    ['--conditions=@ticketing/source', '--import', 'tsx', 'bin/ticketing.js', 'start', '--workers', '2'],
    {
      env: {
        ...process.env,
        DATABASE_URL: '',
        REDIS_URL: '',
        KAFKA_BROKERS: '',
        DATA_DIR: dataDir,
        EMBEDDED_POSTGRES_PORT: String(postgresPort),
        LOG_LEVEL: 'warn',
        NODE_ENV: 'development',
        ADMIN_USERNAME: ADMIN.username,
        ADMIN_EMAIL: 'workers-admin@example.com',
        ADMIN_PASSWORD: ADMIN.password,
        TICKET_LIVE_COALESCE_MS: '100',
        MANAGEMENT_PORT: '0',
        ...ports,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  await vi.waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`the platform exited with ${child.exitCode}:\n${output}`);
      expect(output).toContain('Ticketing platform is running (embedded mode, 2 workers)');
    },
    { timeout: 170_000, interval: 250 },
  );
  const { postgresPassword } = JSON.parse(await readFile(join(dataDir, 'dev-secrets.json'), 'utf8'));
  databaseUrl = `postgres://postgres:${encodeURIComponent(postgresPassword)}@127.0.0.1:${postgresPort}/ticketing`;
}, 180_000);

afterAll(async () => {
  // After a failed test: nothing of this run may stay behind.
  if (child && child.exitCode === null) {
    for (const pid of workerPids()) process.kill(pid, 'SIGKILL');
    child.kill('SIGKILL');
  }
  if (dataDir) {
    for (const pid of postgresOn(join(dataDir, 'pg'))) process.kill(pid, 'SIGINT');
    await vi.waitFor(() => expect(postgresOn(join(dataDir, 'pg'))).toEqual([]), { timeout: 30_000 });
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

describe('ticketing start --workers 2', { timeout: 180_000 }, () => {
  it('runs two workers behind the shared ports, healthy', async () => {
    expect(workerPids()).toHaveLength(2);
    for (let attempt = 0; attempt < 4; attempt++) {
      const health = await call(gateway, 'GET', '/actuator/health');
      expect(health.status, JSON.stringify(health.body)).toBe(200);
    }
    // The demo data was seeded once, by the first worker.
    const events = await call(gateway, 'GET', '/api/v1/events');
    const titles = events.body.items.map((event: { title: string }) => event.title);
    expect(titles.length).toBeGreaterThan(0);
    expect(new Set(titles).size).toBe(titles.length);
  });

  it('shows a purchase on availability streams in either worker, and mails the buyer', async () => {
    const admin = await login(ADMIN.username, ADMIN.password);
    const startsAt = new Date(Date.now() + 30 * 86_400_000);
    const created = await call(gateway, 'POST', '/api/v1/events', {
      token: admin,
      body: {
        title: 'Two Workers Night',
        description: 'Every core sells.',
        location: 'Hall 2',
        eventType: 'CONCERT',
        startsAt: startsAt.toISOString(),
        endsAt: new Date(startsAt.getTime() + 3 * 3_600_000).toISOString(),
        currency: 'EUR',
        basePrice: 3000,
        venue: { sections: [{ name: 'Stalls', rows: 2, seatsPerRow: 5, category: 'STANDARD', price: 4000 }] },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const eventId = created.body.id;
    const published = await call(gateway, 'POST', `/api/v1/events/${eventId}/publish`, { token: admin });
    expect(published.status, JSON.stringify(published.body)).toBe(200);

    const username = `workersbuyer${Date.now().toString(36)}`;
    const registered = await call(gateway, 'POST', '/api/v1/auth/register', {
      body: {
        username,
        email: `${username}@example.com`,
        password: 'workers-buyer-1',
        firstName: 'W',
        lastName: 'B',
      },
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    const buyer = await login(username, 'workers-buyer-1');

    // Four streams on four connections: the primary hands new connections to the workers in
    // turn, so the streams are held by both workers, whichever of them takes the hold.
    const streams: Stream[] = [];
    for (let index = 0; index < 4; index++) streams.push(await openStream(eventId));
    try {
      for (const stream of streams) {
        expect(stream.status).toBe(200);
        await expect.poll(() => stream.events[0]?.event, { timeout: 10_000 }).toBe('snapshot');
      }
      const seatMap = await call(gateway, 'GET', `/api/v1/events/${eventId}/seats`);
      const seatId = seatMap.body.sections[0].rows[0].seats[0].id as string;
      const held = await call(gateway, 'POST', '/api/v1/holds', {
        token: buyer,
        body: { eventId, seatIds: [seatId] },
      });
      expect(held.status, JSON.stringify(held.body)).toBe(201);
      const order = await call(gateway, 'POST', '/api/v1/orders', {
        token: buyer,
        headers: { 'idempotency-key': randomUUID() },
        body: { holdId: held.body.id, payment: { method: 'card', card: CARD } },
      });
      expect([201, 202], JSON.stringify(order.body)).toContain(order.status);

      const statusesOf = (stream: Stream) =>
        stream.events
          .filter((event) => event.event === 'availability')
          .flatMap((event) => event.data.changes as { seatId: string; status: string }[])
          .filter((change) => change.seatId === seatId)
          .map((change) => change.status);
      for (const stream of streams)
        await expect.poll(() => statusesOf(stream), { timeout: 15_000 }).toContain('SOLD');

      await expect
        .poll(
          async () =>
            (await call(gateway, 'GET', `/api/v1/orders/${order.body.id}`, { token: buyer })).body?.status,
          { timeout: 30_000, interval: 250 },
        )
        .toBe('CONFIRMED');
      // order-confirmed left the order service's outbox in one worker's relay and reached the
      // notification service's consumer there, once.
      await expect
        .poll(
          async () => {
            const mail = await call(gateway, 'GET', '/api/v1/notifications', { token: buyer });
            return (mail.body?.items ?? []).filter(
              (item: { type: string; status: string }) =>
                item.type === 'order-confirmed' && item.status === 'SENT',
            ).length;
          },
          { timeout: 60_000, interval: 500 },
        )
        .toBe(1);
    } finally {
      for (const stream of streams) await stream.close();
    }
    await expectInvariantsHold(databaseUrl);
  });

  it('replaces a worker that dies, and keeps answering meanwhile', async () => {
    const [victim, survivor] = workerPids();
    process.kill(victim!, 'SIGKILL');
    await expect
      .poll(
        () => {
          const now = workerPids();
          return now.length === 2 && now.includes(survivor!) && !now.includes(victim!);
        },
        { timeout: 60_000, interval: 250 },
      )
      .toBe(true);
    expect(output).toMatch(/worker \d died; starting another in its place/);
    await expect
      .poll(() => output, { timeout: 90_000 })
      .toMatch(/worker \d replaced: its 7 services are up again/);
    const health = await call(gateway, 'GET', '/actuator/health');
    expect(health.status).toBe(200);
  });

  it('stops the workers, then PostgreSQL, on SIGTERM, leaving nothing running', async () => {
    const workers = workerPids();
    expect(postgresOn(join(dataDir, 'pg')).length).toBeGreaterThan(0);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow();
    await expect.poll(() => postgresOn(join(dataDir, 'pg')), { timeout: 15_000 }).toEqual([]);
  });
});
