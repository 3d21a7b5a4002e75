// A background job run every interval, never twice at once in one instance, warning
// once per outage rather than once per run; stop() waits for a run in progress.
import type { Logger } from './logger.js';

export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private failing = false;

  constructor(
    /** Names the job in its log lines, e.g. "hold sweeper". */
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly run: () => Promise<void>,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    // The next run is timed from the end of this one, so a slow run never overlaps the next.
    this.timer = setTimeout(() => {
      this.running = this.runOnce().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, this.intervalMs);
    this.timer.unref();
  }

  private async runOnce(): Promise<void> {
    try {
      await this.run();
      if (this.failing) this.logger.info(`${this.name} recovered`);
      this.failing = false;
    } catch (error) {
      // Warn once per outage; the next interval tries again.
      if (!this.failing) this.logger.warn({ err: error }, `${this.name} failing; will keep retrying`);
      this.failing = true;
    }
  }
}
