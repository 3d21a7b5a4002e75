// How far the events of a sale trail it: every few hundred milliseconds during a scenario, the
// events written to the services' outboxes and not yet taken by the transport (the in-process
// bus, or Kafka), and how old the oldest of them is; after the sale, how long the outboxes take
// to empty. A relay that cannot keep up shows as a growing backlog and a rising oldest age.
import pg from 'pg';

export interface OutboxLag {
  /** Most events waiting at once, over every service's outbox. */
  peakPending: number;
  /** Age of the oldest waiting event at its worst: the longest an event waited to leave. */
  peakOldestMs: number;
  /** From the end of the sale until every outbox was empty (0 when it already was). */
  drainSecondsAfterSale: number | null;
  samples: number;
}

/** A sample of every outbox in one statement: waiting events and the oldest one's age. */
async function sampleOutboxes(client: pg.Client, schemas: string[]) {
  if (schemas.length === 0) return { pending: 0, oldestMs: 0 };
  const parts = schemas.map(
    (schema) =>
      `SELECT count(*) AS pending, min(created_at) AS oldest FROM "${schema}".outbox WHERE published_at IS NULL AND dead_at IS NULL`,
  );
  const { rows } = await client.query<{ pending: string; oldest_ms: string | null }>(
    `SELECT sum(pending) AS pending, extract(epoch FROM now() - min(oldest)) * 1000 AS oldest_ms
     FROM (${parts.join(' UNION ALL ')}) AS outboxes`,
  );
  return { pending: Number(rows[0]?.pending ?? 0), oldestMs: Number(rows[0]?.oldest_ms ?? 0) };
}

export class OutboxLagWatcher {
  private client: pg.Client | undefined;
  private schemas: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> = Promise.resolve();
  private peakPending = 0;
  private peakOldestMs = 0;
  private samples = 0;

  constructor(
    private readonly databaseUrl: string,
    private readonly intervalMs = 250,
  ) {}

  async start(): Promise<void> {
    this.client = new pg.Client({ connectionString: this.databaseUrl, application_name: 'bench-outbox-lag' });
    await this.client.connect();
    const { rows } = await this.client.query<{ schema: string }>(
      "SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = 'outbox' ORDER BY 1",
    );
    this.schemas = rows.map((row) => row.schema);
    this.timer = setInterval(() => {
      this.sampling = this.sampling
        .then(() => this.sample())
        .then(
          () => undefined,
          () => undefined, // a missed sample is only a missed sample
        );
    }, this.intervalMs);
  }

  private async sample(): Promise<number> {
    const { pending, oldestMs } = await sampleOutboxes(this.client!, this.schemas);
    this.samples++;
    this.peakPending = Math.max(this.peakPending, pending);
    this.peakOldestMs = Math.max(this.peakOldestMs, oldestMs);
    return pending;
  }

  /** Call when the sale is over: waits (at most `limitSeconds`) for the outboxes to empty. */
  async stop(limitSeconds = 120): Promise<OutboxLag> {
    clearInterval(this.timer);
    await this.sampling;
    const saleOver = performance.now();
    let drained: number | null = null;
    while ((performance.now() - saleOver) / 1000 < limitSeconds) {
      if ((await this.sample()) === 0) {
        drained = (performance.now() - saleOver) / 1000;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, this.intervalMs));
    }
    await this.client?.end();
    return {
      peakPending: this.peakPending,
      peakOldestMs: this.peakOldestMs,
      drainSecondsAfterSale: drained,
      samples: this.samples,
    };
  }
}
