// How consumers handle messages concurrently without reordering an aggregate's events: tasks of
// different keys run side by side, up to a bound; tasks of one key run one after the other, in
// the order they were submitted. When a key's task fails, the tasks already queued behind it
// for that key are not run (they fail too): an aggregate's later event must not take effect
// before the earlier one that is going to be delivered again. Both transports use it (the
// in-process bus per subscription, Kafka per consumer group).

/** A task that was not run because an earlier task of its key failed. */
export class EarlierTaskFailedError extends Error {
  constructor(key: string, options: { cause: unknown }) {
    super(`not handled: an earlier event of key ${key} failed`, options);
    this.name = 'EarlierTaskFailedError';
  }
}

export class KeyOrderedRunner {
  /** The last task of each key that is queued or running: the next one of that key waits for it. */
  private readonly tails = new Map<string, Promise<void>>();
  /** Tasks submitted and not settled yet (running or waiting behind their key). */
  private pending = 0;
  /** Submitters waiting for a free place, in arrival order. */
  private readonly waiting: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`limit must be a positive integer: ${limit}`);
  }

  /** Tasks running or waiting behind their key. */
  get size(): number {
    return this.pending;
  }

  /**
   * Waits until fewer than `limit` tasks are pending, then queues the task behind its key's
   * earlier ones. Resolves with the task's outcome (`done`) once it is admitted, so a caller
   * reading messages reads the next one only when there is room for it.
   */
  async submit(key: string, task: () => Promise<void>): Promise<{ done: Promise<void> }> {
    while (this.pending >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.pending++;
    const previous = this.tails.get(key);
    const done = (previous ?? Promise.resolve()).then(task, (error: unknown) => {
      throw error instanceof EarlierTaskFailedError
        ? error
        : new EarlierTaskFailedError(key, { cause: error });
    });
    this.tails.set(key, done);
    const settle = () => {
      if (this.tails.get(key) === done) this.tails.delete(key);
      this.pending--;
      this.waiting.shift()?.();
      if (this.pending === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    };
    done.then(settle, settle);
    return { done };
  }

  /** Resolves when no task is pending. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
