// Rate limits per client and per route class, with sliding-window counters in the cache
// store (in memory embedded, one Lua script in Redis when distributed, so every gateway
// instance counts against the same window).
import type { CacheStore, Identity, Logger } from '@ticketing/platform';
import type { FastifyReply } from 'fastify';
import type { RateLimitClass, RateLimitPolicy } from './config.js';
import { RateLimitedError } from './errors.js';
import { withTimeout } from './with-timeout.js';

export interface RateLimiterDeps {
  cache: CacheStore;
  policies: Record<RateLimitClass, RateLimitPolicy | undefined>;
  logger: Logger;
  /** How long a hit may wait for the store before the request is let through. */
  storeTimeoutMs?: number;
}

export interface RateLimitOutcome {
  limitClass: RateLimitClass;
  limit: number;
  remaining: number;
  resetSeconds: number;
  windowSeconds: number;
}

export class RateLimiter {
  constructor(private readonly deps: RateLimiterDeps) {}

  /**
   * Counts one request of the client against the class's window. Sets the RateLimit headers
   * and throws RateLimitedError (429 with Retry-After) when the client is over the limit.
   * When the store does not answer, the request passes: a cache outage must not close the site.
   */
  async hit(
    limitClass: RateLimitClass,
    client: { identity: Identity | undefined; ip: string },
    reply: FastifyReply,
  ): Promise<RateLimitOutcome | undefined> {
    const policy = this.deps.policies[limitClass];
    if (!policy) return undefined;
    const key =
      policy.by === 'client' && client.identity
        ? `${limitClass}:user:${client.identity.userId}`
        : `${limitClass}:ip:${client.ip}`;
    let decision: Awaited<ReturnType<CacheStore['hitSlidingWindow']>>;
    try {
      decision = await withTimeout(
        this.deps.cache.hitSlidingWindow(key, policy.limit, policy.windowMs),
        this.deps.storeTimeoutMs ?? 500,
      );
    } catch (error) {
      this.deps.logger.warn({ err: error, limitClass }, 'rate-limit store unavailable; request let through');
      return undefined;
    }
    const waitMs = decision.remaining > 0 ? decision.resetMs : decision.retryAfterMs || decision.resetMs;
    const outcome: RateLimitOutcome = {
      limitClass,
      limit: decision.limit,
      remaining: decision.remaining,
      resetSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
      windowSeconds: Math.ceil(policy.windowMs / 1000),
    };
    // The IETF draft's RateLimit fields, in the widely used separate-header form.
    reply.header('ratelimit-limit', String(outcome.limit));
    reply.header('ratelimit-remaining', String(outcome.remaining));
    reply.header('ratelimit-reset', String(outcome.resetSeconds));
    reply.header('ratelimit-policy', `${outcome.limit};w=${outcome.windowSeconds}`);
    if (!decision.allowed) {
      throw new RateLimitedError(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)), limitClass);
    }
    return outcome;
  }
}
