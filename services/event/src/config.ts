// The event service's settings, read once from the environment and validated: cache lifetimes,
// how long to wait for the ticket service, and how forgiving typo-tolerant search is.
import { readInteger } from '@ticketing/platform';
import type { CacheTtls } from './catalogue-cache.js';

export interface EventServiceConfig {
  cacheTtls: CacheTtls;
  /** Creating an inventory may take a while for a big venue; availability must be quick. */
  ticketTimeouts: { inventoryMs: number; availabilityMs: number };
  /** Word similarity (0–1) above which a query word matches a word a typo away. */
  searchSimilarity: number;
}

export function eventServiceConfig(env: Record<string, string | undefined>): EventServiceConfig {
  return {
    cacheTtls: {
      eventMs: readInteger(env, 'EVENT_CACHE_TTL_MS', 60_000, 100, 3_600_000),
      listingMs: readInteger(env, 'EVENT_LISTING_CACHE_TTL_MS', 30_000, 100, 3_600_000),
      availabilityMs: readInteger(env, 'EVENT_AVAILABILITY_CACHE_TTL_MS', 5_000, 100, 600_000),
    },
    ticketTimeouts: {
      inventoryMs: readInteger(env, 'EVENT_INVENTORY_TIMEOUT_MS', 10_000, 100, 120_000),
      availabilityMs: readInteger(env, 'EVENT_AVAILABILITY_TIMEOUT_MS', 1_000, 50, 30_000),
    },
    searchSimilarity: readInteger(env, 'EVENT_SEARCH_SIMILARITY_PERCENT', 40, 10, 100) / 100,
  };
}
