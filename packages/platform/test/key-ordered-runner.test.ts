// The scheduling both transports use to handle events concurrently: different keys side by side
// up to a bound, one key's events one after the other in order, and a key's later events not
// run after an earlier one failed; plus which Kafka offset may be committed when messages
// finish out of order.
import { describe, expect, it } from 'vitest';
import { CommitTracker } from '../src/bus/commit-tracker.js';
import { EarlierTaskFailedError, KeyOrderedRunner } from '../src/bus/key-ordered-runner.js';

/** A task the test finishes (or fails) by hand, recording when it started. */
function gate(log: string[], name: string) {
  let finish!: () => void;
  let fail!: (error: Error) => void;
  const settled = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return {
    task: () => {
      log.push(`start ${name}`);
      return settled;
    },
    finish,
    fail,
  };
}

/** Lets every queued promise callback run. */
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyOrderedRunner', () => {
  it('runs events of different keys at once, and one key’s events one after the other in order', async () => {
    const log: string[] = [];
    const runner = new KeyOrderedRunner(10);
    const a1 = gate(log, 'a1');
    const a2 = gate(log, 'a2');
    const b1 = gate(log, 'b1');
    await runner.submit('a', a1.task);
    const second = await runner.submit('a', a2.task);
    await runner.submit('b', b1.task);
    await flush();
    expect(log).toEqual(['start a1', 'start b1']);
    b1.finish();
    await flush();
    expect(log).toEqual(['start a1', 'start b1']);
    a1.finish();
    await flush();
    expect(log).toEqual(['start a1', 'start b1', 'start a2']);
    a2.finish();
    await second.done;
    await runner.idle();
    expect(runner.size).toBe(0);
  });

  it('admits no more than its bound: the next submit waits until one finishes', async () => {
    const log: string[] = [];
    const runner = new KeyOrderedRunner(2);
    const first = gate(log, 'a');
    const second = gate(log, 'b');
    await runner.submit('a', first.task);
    await runner.submit('b', second.task);
    let admitted = false;
    const third = runner.submit('c', async () => {
      log.push('start c');
    });
    void third.then(() => {
      admitted = true;
    });
    await flush();
    expect(admitted).toBe(false);
    expect(runner.size).toBe(2);
    second.finish();
    await (await third).done;
    expect(admitted).toBe(true);
    expect(log).toEqual(['start a', 'start b', 'start c']);
    first.finish();
    await runner.idle();
  });

  it('a failed event’s later events of the same key are not run; other keys go on, and the key starts afresh', async () => {
    const log: string[] = [];
    const runner = new KeyOrderedRunner(10);
    const a1 = gate(log, 'a1');
    const first = await runner.submit('a', a1.task);
    const second = await runner.submit('a', async () => {
      log.push('start a2');
    });
    const other = await runner.submit('b', async () => {
      log.push('start b1');
    });
    await other.done;
    a1.fail(new Error('database said no'));
    await expect(first.done).rejects.toThrow('database said no');
    const skipped = await second.done.catch((error: unknown) => error);
    expect(skipped).toBeInstanceOf(EarlierTaskFailedError);
    expect((skipped as Error).cause).toBeInstanceOf(Error);
    expect(log).toEqual(['start a1', 'start b1']);
    await runner.idle();
    // Redelivered later, the key's events run again.
    await (
      await runner.submit('a', async () => {
        log.push('start a1 again');
      })
    ).done;
    expect(log).toEqual(['start a1', 'start b1', 'start a1 again']);
  });
});

describe('CommitTracker', () => {
  it('commits a partition only up to its lowest unfinished message', () => {
    const offsets = new CommitTracker<number>();
    for (const offset of [10, 11, 12]) offsets.track('orders:0', offset);
    offsets.track('orders:1', 7);
    expect(offsets.finish('orders:0', 11)).toBeUndefined();
    expect(offsets.finish('orders:0', 12)).toBeUndefined();
    expect(offsets.finish('orders:1', 7)).toBe(7);
    expect(offsets.finish('orders:0', 10)).toBe(12);
    expect(offsets.size).toBe(0);
  });

  it('keeps later messages uncommitted while an earlier one never finishes', () => {
    const offsets = new CommitTracker<number>();
    for (const offset of [1, 2, 3]) offsets.track('p', offset);
    expect(offsets.finish('p', 2)).toBeUndefined();
    expect(offsets.finish('p', 3)).toBeUndefined();
    expect(offsets.size).toBe(3);
    offsets.track('p', 4);
    expect(offsets.finish('p', 1)).toBe(3);
    expect(offsets.size).toBe(1);
  });
});
