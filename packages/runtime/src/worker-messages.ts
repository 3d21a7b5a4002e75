// What the primary of `ticketing start --workers N` and its workers say to each other over the
// cluster's IPC channel (besides the cache's own messages, see ClusterCacheStore).

/** Worker → primary: listening for its instructions. */
export interface WorkerHello {
  type: 'worker:hello';
}

/** Primary → worker: what to start on. */
export interface WorkerStart {
  type: 'worker:start';
  /** 1 … N; a restarted worker keeps the number of the one it replaces. */
  index: number;
  /** Only the first worker seeds the demo data on a first start; the others never do. */
  seed: 'first-start' | 'never';
  databaseUrl: string;
  embedded: boolean;
  /** Connections per service in this worker (DATABASE_POOL_SIZE), within the server's budget. */
  databasePoolSize: number;
}

/** Worker → primary: every service listens (their URLs are the same in every worker). */
export interface WorkerReady {
  type: 'worker:ready';
  services: { name: string; url: string }[];
}

/** Primary → worker: drain requests, stop every service and exit. */
export interface WorkerStop {
  type: 'worker:stop';
}

export type WorkerMessage = WorkerHello | WorkerStart | WorkerReady | WorkerStop;

export function isWorkerMessage<T extends WorkerMessage['type']>(
  value: unknown,
  type: T,
): value is Extract<WorkerMessage, { type: T }> {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === type;
}
