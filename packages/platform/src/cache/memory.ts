// In-memory CacheStore for the embedded mode (one process, so one memory).
import type { CacheStore, MessageListener, RateLimitDecision } from './types.js';

interface Entry {
  value: string;
  expiresAt: number;
}

export class MemoryCacheStore implements CacheStore {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, Entry>();
  private readonly windows = new Map<string, number[]>();
  private readonly listeners = new Map<string, Set<MessageListener>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    // Expired keys are dropped lazily on read and by a periodic sweep, so memory stays bounded.
    this.sweeper = setInterval(() => this.sweep(), 30_000);
    this.sweeper.unref();
  }

  async get(key: string): Promise<string | null> {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return null;
    }
    return entry.value;
  }

  async getMany(keys: string[]): Promise<(string | null)[]> {
    return Promise.all(keys.map((key) => this.get(key)));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
  }

  async delete(...keys: string[]): Promise<void> {
    for (const key of keys) this.entries.delete(key);
  }

  async hitSlidingWindow(key: string, limit: number, windowMs: number): Promise<RateLimitDecision> {
    const now = this.now();
    const hits = (this.windows.get(key) ?? []).filter((at) => at > now - windowMs);
    let allowed = false;
    if (hits.length < limit) {
      hits.push(now);
      allowed = true;
    }
    this.windows.set(key, hits);
    const oldest = hits[0] ?? now;
    return {
      allowed,
      limit,
      remaining: Math.max(0, limit - hits.length),
      retryAfterMs: allowed ? 0 : Math.max(1, oldest + windowMs - now),
      resetMs: Math.max(0, (hits[hits.length - 1] ?? now) + windowMs - now),
    };
  }

  async publish(channel: string, message: string): Promise<void> {
    for (const listener of this.listeners.get(channel) ?? []) {
      queueMicrotask(() => listener(message));
    }
  }

  async subscribe(channel: string, listener: MessageListener): Promise<() => Promise<void>> {
    // Wrap so one listener function can subscribe twice and unsubscribe each separately.
    const wrapped: MessageListener = (message) => listener(message);
    const set = this.listeners.get(channel) ?? new Set();
    set.add(wrapped);
    this.listeners.set(channel, set);
    return async () => {
      set.delete(wrapped);
    };
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.listeners.clear();
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    for (const [key, hits] of this.windows) {
      if ((hits[hits.length - 1] ?? 0) < now - 3_600_000) this.windows.delete(key);
    }
  }
}
