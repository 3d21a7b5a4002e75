// CacheStore of a worker of `ticketing start --workers N`: every call goes over the IPC channel
// to the primary process, which keeps the one in-memory store of all workers (ClusterCacheHost).
// So rate limits count every worker's hits in one window, a cached entry or a revoked token is
// seen by every worker, and a message published in one worker reaches subscribers in all.
import { randomUUID } from 'node:crypto';
import type { CacheStore, MessageListener, RateLimitDecision } from './types.js';

/** One end of an IPC channel: a worker's `process`, or the primary's `cluster.Worker` / ChildProcess. */
export interface IpcPeer {
  send(message: unknown, callback?: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'disconnect', listener: () => void): unknown;
}

export type CacheOperation =
  | 'get'
  | 'getMany'
  | 'set'
  | 'delete'
  | 'hitSlidingWindow'
  | 'publish'
  | 'subscribe'
  | 'unsubscribe'
  | 'ping';

/** What a worker's store sends; `store` tells apart several stores on one channel. */
export interface CacheRequest {
  type: 'cache:request';
  store: string;
  id: number;
  operation: CacheOperation;
  args: unknown[];
}

/** The primary's answer to one request: its value, or the error's message. */
export interface CacheReply {
  type: 'cache:reply';
  store: string;
  id: number;
  value?: unknown;
  error?: string;
}

/** A message published on a channel the store subscribed to. */
export interface CacheMessage {
  type: 'cache:message';
  store: string;
  channel: string;
  message: string;
}

export class CacheHostUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CacheHostUnavailableError';
  }
}

const isReplyOrMessage = (value: unknown, store: string): value is CacheReply | CacheMessage => {
  const candidate = value as Partial<CacheReply | CacheMessage> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    candidate.store === store &&
    (candidate.type === 'cache:reply' || candidate.type === 'cache:message')
  );
};

export class ClusterCacheStore implements CacheStore {
  readonly kind = 'cluster' as const;
  private readonly store = randomUUID();
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private readonly listeners = new Map<string, Set<MessageListener>>();
  /** The host's confirmation of a channel's subscription, which every listener of it awaits. */
  private readonly subscribing = new Map<string, Promise<unknown>>();
  private closed: string | undefined;

  constructor(private readonly peer: IpcPeer = workerChannel()) {
    peer.on('message', this.receive);
    peer.on('disconnect', this.hostGone);
  }

  async get(key: string): Promise<string | null> {
    return (await this.request('get', [key])) as string | null;
  }

  async getMany(keys: string[]): Promise<(string | null)[]> {
    return (await this.request('getMany', keys)) as (string | null)[];
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.request('set', [key, value, ttlMs]);
  }

  async delete(...keys: string[]): Promise<void> {
    if (keys.length > 0) await this.request('delete', keys);
  }

  async hitSlidingWindow(key: string, limit: number, windowMs: number): Promise<RateLimitDecision> {
    return (await this.request('hitSlidingWindow', [key, limit, windowMs])) as RateLimitDecision;
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.request('publish', [channel, message]);
  }

  async subscribe(channel: string, listener: MessageListener): Promise<() => Promise<void>> {
    // Wrapped so one listener function can subscribe twice and leave each subscription separately.
    const wrapped: MessageListener = (message) => listener(message);
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      // One subscription at the host per channel, however many listeners this worker has.
      this.subscribing.set(channel, this.request('subscribe', [channel]));
    }
    set.add(wrapped);
    try {
      await this.subscribing.get(channel);
    } catch (error) {
      set.delete(wrapped);
      throw error;
    }
    const listeners = set;
    return async () => {
      listeners.delete(wrapped);
      if (listeners.size > 0 || this.listeners.get(channel) !== listeners) return;
      this.listeners.delete(channel);
      this.subscribing.delete(channel);
      await this.request('unsubscribe', [channel]).catch(() => undefined);
    };
  }

  async ping(): Promise<void> {
    await this.request('ping', []);
  }

  async close(): Promise<void> {
    this.stop('the cluster cache store is closed');
  }

  private request(operation: CacheOperation, args: unknown[]): Promise<unknown> {
    if (this.closed) return Promise.reject(new CacheHostUnavailableError(this.closed));
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const request: CacheRequest = { type: 'cache:request', store: this.store, id, operation, args };
      this.peer.send(request, (error) => {
        if (!error) return;
        this.pending.delete(id);
        reject(
          new CacheHostUnavailableError(`the primary process did not take the request: ${error.message}`),
        );
      });
    });
  }

  private readonly receive = (value: unknown): void => {
    if (!isReplyOrMessage(value, this.store)) return;
    if (value.type === 'cache:message') {
      for (const listener of this.listeners.get(value.channel) ?? []) listener(value.message);
      return;
    }
    const waiting = this.pending.get(value.id);
    if (!waiting) return;
    this.pending.delete(value.id);
    if (value.error !== undefined) waiting.reject(new Error(value.error));
    else waiting.resolve(value.value ?? null);
  };

  private readonly hostGone = (): void => this.stop('the primary process is gone');

  private stop(reason: string): void {
    if (this.closed) return;
    this.closed = reason;
    this.peer.off('message', this.receive);
    this.peer.off('disconnect', this.hostGone);
    for (const waiting of this.pending.values()) waiting.reject(new CacheHostUnavailableError(reason));
    this.pending.clear();
    this.listeners.clear();
    this.subscribing.clear();
  }
}

/** This process's channel to its parent: present only in a process forked with IPC (a cluster worker). */
function workerChannel(): IpcPeer {
  if (typeof process.send !== 'function')
    throw new Error(
      'ClusterCacheStore needs an IPC channel to the primary process (run it in a cluster worker)',
    );
  return process as unknown as IpcPeer;
}
