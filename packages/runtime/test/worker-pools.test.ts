// Workers share one PostgreSQL server: their pools together must leave it connections to spare.
import { expect, it } from 'vitest';
import { defaultWorkers, poolSizePerWorker } from '../src/cluster.js';
import { StartupError } from '../src/infrastructure.js';

// The embedded server: max_connections 300, 3 reserved for superusers.
const embedded = { services: 7, availableConnections: 297, configured: undefined };

it('keeps ten connections per service for two workers, and fewer for more workers', () => {
  expect(poolSizePerWorker({ ...embedded, workers: 2 })).toBe(10);
  expect(poolSizePerWorker({ ...embedded, workers: 4 })).toBe(9);
  expect(poolSizePerWorker({ ...embedded, workers: 8 })).toBe(4);
  for (const workers of [2, 4, 8, 13])
    expect(poolSizePerWorker({ ...embedded, workers }) * 7 * workers).toBeLessThanOrEqual(297 - 20);
});

it('refuses more workers than the server has connections for, saying how many fit', () => {
  expect(() => poolSizePerWorker({ ...embedded, workers: 14 })).toThrow(StartupError);
  expect(() => poolSizePerWorker({ ...embedded, workers: 14 })).toThrow(/at most 13 workers/);
});

it('keeps an explicit DATABASE_POOL_SIZE that fits, and refuses one that does not', () => {
  expect(poolSizePerWorker({ ...embedded, workers: 2, configured: 15 })).toBe(15);
  expect(() => poolSizePerWorker({ ...embedded, workers: 4, configured: 15 })).toThrow(
    /DATABASE_POOL_SIZE=15 × 7 services × 4 workers needs 420 connections; .* use at most 9/,
  );
});

it('takes a core per worker with --workers auto, at most four, leaving one to an embedded PostgreSQL', () => {
  expect([1, 2, 4, 16].map((cores) => defaultWorkers(cores, true))).toEqual([1, 1, 3, 4]);
  expect([1, 2, 4, 16].map((cores) => defaultWorkers(cores, false))).toEqual([1, 2, 4, 4]);
});
