// One port for the cache, the rate-limit store and pub/sub for live updates.
// In memory for the embedded mode (in the primary process, reached over IPC, when it runs
// several workers), Redis when distributed. Never used to decide who gets a seat: that is
// PostgreSQL's job.

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until a request would be allowed again (0 when allowed). */
  retryAfterMs: number;
  /** Milliseconds until the window is entirely free again. */
  resetMs: number;
}

export type MessageListener = (message: string) => void;

export interface CacheStore {
  readonly kind: 'memory' | 'redis' | 'cluster';
  get(key: string): Promise<string | null>;
  /** Several keys in one round trip (Redis MGET), in the order asked; null for each missing one. */
  getMany(keys: string[]): Promise<(string | null)[]>;
  /** ttlMs is required: nothing lives in the cache forever. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  delete(...keys: string[]): Promise<void>;
  /** Atomically counts a hit in a sliding window of windowMs and says whether it is within limit. */
  hitSlidingWindow(key: string, limit: number, windowMs: number): Promise<RateLimitDecision>;
  publish(channel: string, message: string): Promise<void>;
  /** Returns a function that unsubscribes. */
  subscribe(channel: string, listener: MessageListener): Promise<() => Promise<void>>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
