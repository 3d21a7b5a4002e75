// Which offset a consumer may commit when it handles a partition's messages out of order: only
// up to the lowest message not finished yet, so a crash never skips one. Messages are tracked
// in the order they were read; finishing one returns the last message of the finished prefix
// of its partition (the one to commit), or nothing when an earlier message is still running.

export class CommitTracker<Message> {
  /** Per partition, the messages read and not yet committable, oldest first. */
  private readonly partitions = new Map<string, { message: Message; finished: boolean }[]>();

  /** Notes a message just read from `partition` (its offset higher than every earlier one's). */
  track(partition: string, message: Message): void {
    let queue = this.partitions.get(partition);
    if (!queue) {
      queue = [];
      this.partitions.set(partition, queue);
    }
    queue.push({ message, finished: false });
  }

  /** Marks the message finished; returns the message whose offset may now be committed, if any. */
  finish(partition: string, message: Message): Message | undefined {
    const queue = this.partitions.get(partition);
    const entry = queue?.find((candidate) => candidate.message === message);
    if (!queue || !entry) throw new Error('finishing a message that is not tracked');
    entry.finished = true;
    let committable: Message | undefined;
    while (queue[0]?.finished) committable = queue.shift()!.message;
    if (queue.length === 0) this.partitions.delete(partition);
    return committable;
  }

  /** Messages read and not yet committable, over every partition. */
  get size(): number {
    let total = 0;
    for (const queue of this.partitions.values()) total += queue.length;
    return total;
  }
}
