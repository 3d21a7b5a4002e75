// Redis CacheStore for the distributed mode. The sliding window is one Lua script,
// so concurrent gateways count hits atomically.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { inSpan, isTracing, SpanKind, startSpan } from '../tracing.js';
import type { CacheStore, MessageListener, RateLimitDecision } from './types.js';

// KEYS[1] window key; ARGV: now ms, window ms, limit, unique member.
// Returns {allowed, count, oldest score}.
const SLIDING_WINDOW = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local allowed = 0
if count < limit then
  redis.call('ZADD', key, now, ARGV[4])
  count = count + 1
  allowed = 1
end
redis.call('PEXPIRE', key, window)
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local newest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
return {allowed, count, oldest[2] or now, newest[2] or now}
`;

export class RedisCacheStore implements CacheStore {
  readonly kind = 'redis' as const;
  private readonly client: Redis;
  private subscriber: Redis | undefined;
  private closed = false;
  private readonly listeners = new Map<string, Set<MessageListener>>();
  private readonly subscribing = new Map<string, Promise<void>>();
  /** server.address and server.port of command spans. */
  private readonly server: { 'server.address': string; 'server.port': number };

  constructor(
    url: string,
    private readonly logger: Logger,
    private readonly prefix = 'ticketing:',
  ) {
    const parsed = new URL(url);
    this.server = { 'server.address': parsed.hostname, 'server.port': Number(parsed.port) || 6379 };
    this.client = new Redis(url, {
      lazyConnect: false,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: true,
      connectTimeout: 2_000,
      // A command waits at most this long, also while reconnecting: callers treat a failure as a
      // cache miss or let the request through, which beats hanging every request during an outage.
      commandTimeout: 1_000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
    this.client.on('error', (error) => this.logger.debug({ err: error }, 'redis connection error'));
    this.client.defineCommand('slidingWindow', { numberOfKeys: 1, lua: SLIDING_WINDOW });
  }

  /** A client span of one command, when inside a trace. */
  private traced<T>(operation: string, command: () => Promise<T>): Promise<T> {
    if (!isTracing()) return command();
    const started = startSpan(operation, {
      kind: SpanKind.CLIENT,
      requireParent: true,
      attributes: {
        'db.system.name': 'redis',
        'db.system': 'redis',
        'db.operation.name': operation.split(' ')[0],
        ...this.server,
      },
    });
    return inSpan(started, command);
  }

  async get(key: string): Promise<string | null> {
    return this.traced('GET', () => this.client.get(this.prefix + key));
  }

  async getMany(keys: string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    return this.traced('MGET', () => this.client.mget(...keys.map((key) => this.prefix + key)));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.traced('SET', () =>
      this.client.set(this.prefix + key, value, 'PX', Math.max(1, Math.trunc(ttlMs))),
    );
  }

  async delete(...keys: string[]): Promise<void> {
    if (keys.length > 0)
      await this.traced('DEL', () => this.client.del(...keys.map((key) => this.prefix + key)));
  }

  async hitSlidingWindow(key: string, limit: number, windowMs: number): Promise<RateLimitDecision> {
    const now = Date.now();
    const client = this.client as unknown as {
      slidingWindow(...args: (string | number)[]): Promise<[number, number, string, string]>;
    };
    const [allowed, count, oldest, newest] = (await this.traced('EVALSHA slidingWindow', () =>
      client.slidingWindow(`${this.prefix}rl:${key}`, now, windowMs, limit, `${now}-${randomUUID()}`),
    )) as [number, number, string, string];
    return {
      allowed: allowed === 1,
      limit,
      remaining: Math.max(0, limit - count),
      retryAfterMs: allowed === 1 ? 0 : Math.max(1, Number(oldest) + windowMs - now),
      resetMs: Math.max(0, Number(newest) + windowMs - now),
    };
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.traced('PUBLISH', () => this.client.publish(this.prefix + channel, message));
  }

  async subscribe(channel: string, listener: MessageListener): Promise<() => Promise<void>> {
    const subscriber = this.ensureSubscriber();
    const fullChannel = this.prefix + channel;
    const wrapped: MessageListener = (message) => listener(message);
    let set = this.listeners.get(fullChannel);
    if (!set) {
      set = new Set();
      this.listeners.set(fullChannel, set);
      this.subscribing.set(fullChannel, this.subscribeUntilDone(subscriber, fullChannel));
    }
    set.add(wrapped);
    // A second subscriber to a new channel waits for Redis to confirm it too.
    await this.subscribing.get(fullChannel);
    return async () => {
      set.delete(wrapped);
      if (set.size === 0) {
        this.listeners.delete(fullChannel);
        this.subscribing.delete(fullChannel);
        await subscriber.unsubscribe(fullChannel).catch(() => undefined);
      }
    };
  }

  async ping(): Promise<void> {
    const answer = await this.client.ping();
    if (answer !== 'PONG') throw new Error(`unexpected PING answer ${answer}`);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([this.client.quit(), this.subscriber?.quit()]);
  }

  /**
   * Resolves once Redis confirmed the subscription — or at once when Redis cannot be reached,
   * retrying in the background until it can (ioredis resubscribes after later reconnects): a
   * service starting while Redis is down works, and hears messages once it is back.
   */
  private async subscribeUntilDone(subscriber: Redis, channel: string): Promise<void> {
    const attempt = () => subscriber.subscribe(channel).then(() => true);
    if (await attempt().catch(() => false)) return;
    this.logger.warn({ channel }, 'redis unreachable: subscribing again in the background');
    const retry = () => {
      const timer = setTimeout(async () => {
        if (this.closed || !this.listeners.has(channel)) return;
        if (!(await attempt().catch(() => false))) retry();
        else this.logger.info({ channel }, 'redis subscription made');
      }, 2_000);
      timer.unref();
    };
    retry();
  }

  private ensureSubscriber(): Redis {
    if (!this.subscriber) {
      // A connection in subscriber mode can do nothing else; ioredis resubscribes after reconnecting.
      this.subscriber = this.client.duplicate();
      this.subscriber.on('error', (error) => this.logger.debug({ err: error }, 'redis subscriber error'));
      this.subscriber.on('message', (channel: string, message: string) => {
        for (const listener of this.listeners.get(channel) ?? []) listener(message);
      });
    }
    return this.subscriber;
  }
}
