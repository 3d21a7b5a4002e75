// One contract for every CacheStore: the in-memory store always, the workers' store (the
// in-memory one in another process, over IPC) always, the Redis store whenever the run provides
// a Redis (always in test:full). Keys carry a per-run prefix so runs sharing a Redis never see
// each other's data.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { ClusterCacheStore } from '../src/cache/cluster-store.js';
import { MemoryCacheStore } from '../src/cache/memory.js';
import { RedisCacheStore } from '../src/cache/redis.js';
import type { CacheStore } from '../src/cache/types.js';
import { createLogger } from '../src/logger.js';
import { forkCacheHost } from './cluster-support.js';

const logger = createLogger('silent');
const redisUrl = inject('redisUrl');
const PREFIX = `test:platform-cache:${randomUUID()}:`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const opened: CacheStore[] = [];
function open<T extends CacheStore>(store: T): T {
  opened.push(store);
  return store;
}
// The primary process of the workers' store.
const clusterHost = await forkCacheHost();
afterAll(async () => {
  await Promise.all(opened.map((store) => store.close()));
  clusterHost.kill();
});

const stores: [string, () => CacheStore][] = [
  ['memory', () => open(new MemoryCacheStore())],
  ['cluster', () => open(new ClusterCacheStore(clusterHost))],
];
if (redisUrl) stores.push(['redis', () => open(new RedisCacheStore(redisUrl, logger, PREFIX))]);

it('runs the Redis contract in test:full (never skips it silently)', () => {
  if (process.env.TEST_FULL === '1') {
    expect(redisUrl).toBeTruthy();
    expect(stores.map(([kind]) => kind)).toEqual(['memory', 'cluster', 'redis']);
  } else {
    expect(stores.map(([kind]) => kind).slice(0, 2)).toEqual(['memory', 'cluster']);
  }
});

describe.each(stores)('%s cache store', (kind, create) => {
  const store = create();
  const key = (name: string) => `${name}:${randomUUID()}`;

  it(`says what it is (${kind}) and answers a ping`, async () => {
    expect(store.kind).toBe(kind);
    await expect(store.ping()).resolves.toBeUndefined();
  });

  describe('get / set / delete', () => {
    it('returns what was set, null for what was not', async () => {
      const seats = key('seat-count');
      expect(await store.get(seats)).toBeNull();
      await store.set(seats, '120', 60_000);
      expect(await store.get(seats)).toBe('120');
      await store.set(seats, '119', 60_000);
      expect(await store.get(seats)).toBe('119');
    });

    it('reads several keys in one round trip, in the order asked, null for the missing', async () => {
      const [token, cutoff] = [key('revoked-token'), key('not-before')];
      await store.set(cutoff, '1767225600000', 60_000);
      expect(await store.getMany([token, cutoff, token])).toEqual([null, '1767225600000', null]);
      expect(await store.getMany([])).toEqual([]);
    });

    it('deletes one or several keys, and ignores absent ones', async () => {
      const [a, b, c] = [key('a'), key('b'), key('c')];
      await store.set(a, '1', 60_000);
      await store.set(b, '2', 60_000);
      await store.set(c, '3', 60_000);
      await store.delete(a, b, key('never-set'));
      expect(await store.get(a)).toBeNull();
      expect(await store.get(b)).toBeNull();
      expect(await store.get(c)).toBe('3');
      await expect(store.delete()).resolves.toBeUndefined();
    });

    it('forgets a value once its TTL has passed', async () => {
      const shortLived = key('short');
      const longLived = key('long');
      await store.set(shortLived, 'soon gone', 150);
      await store.set(longLived, 'still here', 60_000);
      expect(await store.get(shortLived)).toBe('soon gone');
      await sleep(400);
      expect(await store.get(shortLived)).toBeNull();
      expect(await store.get(longLived)).toBe('still here');
    });
  });

  describe('hitSlidingWindow', () => {
    it('lets exactly `limit` of 50 concurrent hits through', async () => {
      const client = key('client');
      const decisions = await Promise.all(
        Array.from({ length: 50 }, () => store.hitSlidingWindow(client, 10, 60_000)),
      );
      const allowed = decisions.filter((decision) => decision.allowed);
      const refused = decisions.filter((decision) => !decision.allowed);
      expect(allowed).toHaveLength(10);
      expect(refused).toHaveLength(40);
      expect(allowed.map((decision) => decision.retryAfterMs)).toEqual(Array(10).fill(0));
      expect(allowed.map((decision) => decision.remaining).sort((x, y) => x - y)).toEqual([
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
      ]);
      for (const decision of refused) {
        expect(decision).toMatchObject({ allowed: false, limit: 10, remaining: 0 });
        expect(decision.retryAfterMs).toBeGreaterThan(0);
        expect(decision.retryAfterMs).toBeLessThanOrEqual(60_000);
      }
    });

    it('counts each key on its own', async () => {
      const [alice, bob] = [key('alice'), key('bob')];
      for (let hit = 0; hit < 3; hit++) await store.hitSlidingWindow(alice, 3, 60_000);
      expect((await store.hitSlidingWindow(alice, 3, 60_000)).allowed).toBe(false);
      expect((await store.hitSlidingWindow(bob, 3, 60_000)).allowed).toBe(true);
    });

    it('slides: hits leave the window one by one as they age', async () => {
      const client = key('sliding');
      const windowMs = 800;
      const hit = () => store.hitSlidingWindow(client, 10, windowMs);
      const burst = async (count: number) =>
        (await Promise.all(Array.from({ length: count }, hit))).filter((d) => d.allowed).length;

      expect(await burst(5)).toBe(5); // early hits
      await sleep(400);
      expect(await burst(5)).toBe(5); // later hits: the window is full
      const refused = await hit();
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(windowMs - 400);

      // Once the early hits aged out, only their places are free again: the later ones still count.
      await sleep(refused.retryAfterMs + 50);
      expect(await burst(8)).toBe(5);

      // And after a whole quiet window, the full limit is back.
      await sleep(windowMs + 50);
      expect(await burst(12)).toBe(10);
    });
  });

  describe('publish / subscribe', () => {
    it('delivers to every subscriber and stops after unsubscribe', async () => {
      const channel = key('availability');
      const first: string[] = [];
      const second: string[] = [];
      const unsubscribeFirst = await store.subscribe(channel, (message) => first.push(message));
      const unsubscribeSecond = await store.subscribe(channel, (message) => second.push(message));

      await store.publish(channel, 'seat A-1 held');
      await vi.waitFor(() => {
        expect(first).toEqual(['seat A-1 held']);
        expect(second).toEqual(['seat A-1 held']);
      });

      await unsubscribeFirst();
      await store.publish(channel, 'seat A-2 held');
      await vi.waitFor(() => expect(second).toEqual(['seat A-1 held', 'seat A-2 held']));
      expect(first).toEqual(['seat A-1 held']);

      await unsubscribeSecond();
      const other = key('other-channel');
      const sentinel: string[] = [];
      const unsubscribeSentinel = await store.subscribe(other, (message) => sentinel.push(message));
      await store.publish(channel, 'seat A-3 held');
      await store.publish(other, 'after');
      await vi.waitFor(() => expect(sentinel).toEqual(['after']));
      expect(second).toEqual(['seat A-1 held', 'seat A-2 held']);
      await unsubscribeSentinel();
    });

    it('lets one listener subscribe twice and leave each subscription separately', async () => {
      const channel = key('twice');
      const received: string[] = [];
      const listener = (message: string) => received.push(message);
      const leaveOnce = await store.subscribe(channel, listener);
      const leaveTwice = await store.subscribe(channel, listener);
      await store.publish(channel, 'one');
      await vi.waitFor(() => expect(received).toEqual(['one', 'one']));
      await leaveOnce();
      await store.publish(channel, 'two');
      await vi.waitFor(() => expect(received).toEqual(['one', 'one', 'two']));
      await leaveTwice();
    });

    it('does not deliver messages of other channels', async () => {
      const [mine, theirs] = [key('mine'), key('theirs')];
      const received: string[] = [];
      const leave = await store.subscribe(mine, (message) => received.push(message));
      await store.publish(theirs, 'not for me');
      await store.publish(mine, 'for me');
      await vi.waitFor(() => expect(received).toContain('for me'));
      expect(received).toEqual(['for me']);
      await leave();
    });
  });
});

describe.skipIf(!redisUrl)('redis cache store across instances', () => {
  const create = () => open(new RedisCacheStore(redisUrl!, logger, PREFIX));

  it('shares one sliding window between two gateways', async () => {
    const [gatewayA, gatewayB] = [create(), create()];
    const client = `shared:${randomUUID()}`;
    const decisions = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        (index % 2 === 0 ? gatewayA : gatewayB).hitSlidingWindow(client, 10, 60_000),
      ),
    );
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(10);
  });

  it('fans a message out to subscribers on other instances', async () => {
    const [publisher, subscriber] = [create(), create()];
    const channel = `fanout:${randomUUID()}`;
    const received: string[] = [];
    const leave = await subscriber.subscribe(channel, (message) => received.push(message));
    await publisher.publish(channel, 'event 7 sold out');
    await vi.waitFor(() => expect(received).toEqual(['event 7 sold out']));
    await leave();
  });

  it('keeps its keys under its prefix, with the TTL it was given', async () => {
    const store = create();
    const raw = new Redis(redisUrl!);
    try {
      await store.set('prefixed', 'yes', 30_000);
      expect(await raw.get(`${PREFIX}prefixed`)).toBe('yes');
      expect(await raw.get('prefixed')).toBeNull();
      const ttl = await raw.pttl(`${PREFIX}prefixed`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(30_000);
    } finally {
      await raw.quit();
    }
  });
});
