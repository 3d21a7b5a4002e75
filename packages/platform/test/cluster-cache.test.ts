// The workers of `ticketing start --workers N` share one cache through their primary: what one
// worker counts, stores or publishes, every other worker sees. Real cluster workers here, with
// this test as their primary serving the in-memory store (ClusterCacheHost).
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterCacheHost } from '../src/cache/cluster-host.js';
import { CacheHostUnavailableError, ClusterCacheStore, type IpcPeer } from '../src/cache/cluster-store.js';
import { MemoryCacheStore } from '../src/cache/memory.js';
import type { RateLimitDecision } from '../src/cache/types.js';
import { CacheWorker, forkCacheHost } from './cluster-support.js';

describe('two workers on one primary', () => {
  const host = new ClusterCacheHost(new MemoryCacheStore());
  const detachers = new Map<CacheWorker, () => Promise<void>>();
  let first: CacheWorker;
  let second: CacheWorker;
  const key = (name: string) => `${name}:${randomUUID()}`;

  const start = async () => {
    const worker = await CacheWorker.fork();
    detachers.set(worker, host.attach(worker.worker as unknown as IpcPeer));
    return worker;
  };

  beforeAll(async () => {
    [first, second] = await Promise.all([start(), start()]);
  });
  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
    await host.close();
  });

  it('count every worker’s hits in one sliding window', async () => {
    const client = key('buyer');
    const decisions = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        (index % 2 === 0 ? first : second).do<RateLimitDecision>('hitSlidingWindow', client, 10, 60_000),
      ),
    );
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(10);
    expect(decisions.filter((decision) => !decision.allowed)).toHaveLength(20);
  });

  it('read what another worker stored, until its TTL has passed', async () => {
    const revoked = key('revoked-token');
    await first.do('set', revoked, '1', 300);
    expect(await second.do('get', revoked)).toBe('1');
    expect(await second.do('getMany', [key('not-before'), revoked])).toEqual([null, '1']);
    await expect.poll(() => second.do('get', revoked), { timeout: 5_000 }).toBeNull();
  });

  it('hear a seat held in one worker on a stream in the other, and in the publisher too', async () => {
    const channel = key('ticket-availability');
    await second.do('subscribe', channel);
    await first.do('subscribe', channel);
    await first.do('publish', channel, 'seat A-1 LOCKED');
    await expect
      .poll(() => second.heard.filter((heard) => heard.channel === channel).map((heard) => heard.message))
      .toEqual(['seat A-1 LOCKED']);
    await expect
      .poll(() => first.heard.filter((heard) => heard.channel === channel).map((heard) => heard.message))
      .toEqual(['seat A-1 LOCKED']);
  });

  it('keep hearing each other when a subscribed worker dies', async () => {
    const channel = key('after-a-crash');
    const doomed = await start();
    await doomed.do('subscribe', channel);
    await second.do('subscribe', channel);
    await doomed.stop();
    await detachers.get(doomed)!();
    await first.do('publish', channel, 'still here');
    await expect
      .poll(() => second.heard.filter((heard) => heard.channel === channel).map((heard) => heard.message))
      .toEqual(['still here']);
  });
});

describe('a worker whose primary is gone', () => {
  let host: ChildProcess;
  beforeAll(async () => {
    host = await forkCacheHost();
  });
  afterAll(() => {
    host?.kill();
  });

  it('fails its calls at once instead of waiting forever (callers fail open)', async () => {
    const store = new ClusterCacheStore(host);
    await store.set('seats', '120', 60_000);
    expect(await store.get('seats')).toBe('120');
    const gone = new Promise((resolve) => host.once('disconnect', resolve));
    host.kill('SIGKILL');
    await gone;
    await expect(store.get('seats')).rejects.toBeInstanceOf(CacheHostUnavailableError);
    await expect(store.hitSlidingWindow('buyer', 10, 60_000)).rejects.toBeInstanceOf(
      CacheHostUnavailableError,
    );
    await store.close();
  });
});
