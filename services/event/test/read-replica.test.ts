// Browse reads on a real streaming replica (tools/stack/postgres-replica.sh, under test:full):
// searches and event pages are answered there while it keeps up; when its replay stops (lag)
// or the replica is stopped, every answer still shows the latest change — read from the
// primary — and holds, which never read the replica, go on; reads return to it afterwards.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ReadReplicaStatus } from '@ticketing/platform';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { startTestPlatform, TEST_ADMIN, type TestPlatform } from '../../../tools/test/platform.js';
import { login, registerAndLogin } from '../../user/test/support.js';
import { EVENTUALLY, eventBody } from './support.js';

const replicaUrl = process.env.TEST_DATABASE_READ_URL;
const replicaScript = join(import.meta.dirname, '../../../tools/stack/postgres-replica.sh');
const run = promisify(execFile);

let t: TestPlatform;
let organizerToken: string;

const reads = (): ReadReplicaStatus => t.platform.services.get('event')!.db.reads.status();

async function onReplica(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: replicaUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function publicTitle(eventId: string): Promise<string> {
  const response = await call(t.gatewayUrl, 'GET', `/api/v1/events/${eventId}`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.title;
}

async function searchTitles(text: string): Promise<string[]> {
  const response = await call(t.gatewayUrl, 'GET', `/api/v1/events?q=${encodeURIComponent(text)}`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.items.map((item: { title: string }) => item.title);
}

describe.skipIf(!replicaUrl)('browse reads on a streaming replica', () => {
  beforeAll(async () => {
    t = await startTestPlatform({
      services: ['user', 'event', 'ticket', 'gateway'],
      readReplicaUrl: replicaUrl,
      env: {
        DATABASE_READ_MAX_LAG_MS: '1000',
        DATABASE_READ_CHECK_INTERVAL_MS: '100',
        // Short cache lifetimes, so the reads reach a database at all.
        EVENT_CACHE_TTL_MS: '100',
        EVENT_LISTING_CACHE_TTL_MS: '100',
        EVENT_AVAILABILITY_TIMEOUT_MS: '15000',
      },
    });
    const admin = await login(t.gatewayUrl, TEST_ADMIN.username, TEST_ADMIN.password);
    const { account, user } = await registerAndLogin(t.gatewayUrl);
    await call(t.gatewayUrl, 'PUT', `/api/v1/users/${user.id}/roles`, {
      token: admin.accessToken,
      body: { roles: ['ORGANIZER', 'USER'] },
    });
    organizerToken = (await login(t.gatewayUrl, account.username, account.password)).accessToken;
  });
  afterAll(async () => {
    // Leave the replica replaying and running for whatever runs next.
    await onReplica('SELECT pg_wal_replay_resume()').catch(() => undefined);
    await run(replicaScript, ['up']).catch(() => undefined);
    await t?.stop();
  });

  it('answers from the replica, from the primary while it lags or is down, and from it again', async () => {
    const marker = `Replica${Date.now().toString(36)}`;
    const created = await call(t.gatewayUrl, 'POST', '/api/v1/events', {
      token: organizerToken,
      body: eventBody({ title: `${marker} Quartet` }),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const eventId: string = created.body.id;
    const ticketTypeId: string = created.body.ticketTypes[0].id;
    const published = await call(t.gatewayUrl, 'POST', `/api/v1/events/${eventId}/publish`, {
      token: organizerToken,
    });
    expect(published.status, JSON.stringify(published.body)).toBe(200);

    // Current replica: the reads go there, and already show the publication.
    await expect
      .poll(async () => {
        const before = reads().reads.replica;
        expect(await searchTitles(marker)).toEqual([`${marker} Quartet`]);
        return reads().reads.replica > before;
      }, EVENTUALLY)
      .toBe(true);

    // Replay paused: the replica has the old title, but every answer shows the new one.
    await onReplica('SELECT pg_wal_replay_pause()');
    const renamed = await call(t.gatewayUrl, 'PATCH', `/api/v1/events/${eventId}`, {
      token: organizerToken,
      body: { title: `${marker} Quintet` },
    });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    const fromPrimary = reads().reads.primary;
    expect(await publicTitle(eventId)).toBe(`${marker} Quintet`);
    expect(await searchTitles(marker)).toEqual([`${marker} Quintet`]);
    expect(reads().reads.primary).toBeGreaterThan(fromPrimary);
    await expect.poll(() => reads().lagMs ?? 0, EVENTUALLY).toBeGreaterThan(1_000);
    // Seats are never decided on the replica: a hold goes through.
    const buyer = await registerAndLogin(t.gatewayUrl);
    const hold = await call(t.gatewayUrl, 'POST', '/api/v1/holds', {
      token: buyer.tokens.accessToken,
      body: { eventId, items: [{ ticketTypeId, quantity: 2 }] },
    });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);

    // Replay resumed: once it has caught up, the replica answers again, with the new title.
    await onReplica('SELECT pg_wal_replay_resume()');
    await expect
      .poll(async () => {
        const before = reads().reads.replica;
        expect(await publicTitle(eventId)).toBe(`${marker} Quintet`);
        return reads().reads.replica > before;
      }, EVENTUALLY)
      .toBe(true);

    // Replica stopped: browsing goes on from the primary, with every change.
    await run(replicaScript, ['down']);
    const moved = await call(t.gatewayUrl, 'PATCH', `/api/v1/events/${eventId}`, {
      token: organizerToken,
      body: { title: `${marker} Sextet` },
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(await publicTitle(eventId)).toBe(`${marker} Sextet`);
    expect(await searchTitles(marker)).toEqual([`${marker} Sextet`]);
    await expect.poll(() => reads().up, EVENTUALLY).toBe(false);

    // Replica back (a fresh copy of the primary): reads go to it again.
    await run(replicaScript, ['up']);
    await expect
      .poll(
        async () => {
          const before = reads().reads.replica;
          expect(await searchTitles(marker)).toEqual([`${marker} Sextet`]);
          return reads().reads.replica > before;
        },
        { timeout: 30_000, interval: 200 },
      )
      .toBe(true);
  }, 120_000);
});
