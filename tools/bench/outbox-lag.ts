// How far the events of a sale trail it: every few hundred milliseconds during a scenario, the
// events written to the services' outboxes and not yet taken by the transport (the in-process
// bus, or Kafka), and how old the oldest of them is; after the sale, how long the outboxes take
// to empty. A relay that cannot keep up shows as a growing backlog and a rising oldest age.
// Then, from the consumers' inboxes, how long each of the sale's events took from being written
// to being handled by each consumer (outbox, transport and consumer together), and how long the
// buyer's confirmation mail (QR codes and all) took from the order's confirmation to being sent.
import pg from 'pg';
import { UNTRACKED } from './statements.js';

export interface OutboxLag {
  /** Most events waiting at once, over every service's outbox. */
  peakPending: number;
  /** Age of the oldest waiting event at its worst: the longest an event waited to leave. */
  peakOldestMs: number;
  /** From the end of the sale until every outbox was empty (0 when it already was). */
  drainSecondsAfterSale: number | null;
  samples: number;
  /**
   * From an event's write to its handling, per consumer that handled it (inbox rows): the start
   * of the transaction that wrote it to the start of the one that handled it (both `now()`).
   */
  handled: HandledLatency;
  /** The same per consumer (`<schema>/<consumer>`), slowest p99 first. */
  handledBy: ({ consumer: string } & HandledLatency)[];
  /**
   * From the order-confirmed event's write (the order's confirmation) to its email's `sent_at`;
   * `unsent` counts the sale's confirmation mails not sent when the watcher stopped waiting.
   */
  confirmationMails: (HandledLatency & { unsent: number; queuedP50Ms: number; retried: number }) | undefined;
}

export interface HandledLatency {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** One query over every service's schema: `perSchema` for each, joined with UNION ALL. */
const overSchemas = (schemas: string[], perSchema: (schema: string) => string) =>
  schemas.map(perSchema).join(' UNION ALL ');

/** Write-to-handled latency of the events written since `since`, overall and per consumer. */
async function handledLatency(client: pg.Client, schemas: string[], since: Date) {
  if (schemas.length === 0) return { overall: NO_LATENCY, byConsumer: [] };
  const written = overSchemas(
    schemas,
    (schema) => `SELECT id, created_at FROM "${schema}".outbox WHERE created_at >= $1`,
  );
  const handled = overSchemas(
    schemas,
    (schema) =>
      `SELECT '${schema}/' || consumer AS consumer, event_id, processed_at FROM "${schema}".inbox WHERE processed_at >= $1`,
  );
  const { rows } = await client.query<{
    consumer: string | null;
    count: string;
    p50: number;
    p99: number;
    max: number;
  }>(
    `SELECT consumer, count(*) AS count,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99,
            max(ms) AS max
     FROM (SELECT h.consumer, extract(epoch FROM h.processed_at - w.created_at) * 1000 AS ms
           FROM (${handled}) AS h JOIN (${written}) AS w ON w.id = h.event_id) AS latencies
     GROUP BY GROUPING SETS ((), (consumer))`,
    [since],
  );
  const latency = (row: (typeof rows)[number]): HandledLatency => ({
    count: Number(row.count),
    p50Ms: Number(row.p50),
    p99Ms: Number(row.p99),
    maxMs: Number(row.max),
  });
  const overallRow = rows.find((row) => row.consumer === null);
  return {
    overall: overallRow && Number(overallRow.count) > 0 ? latency(overallRow) : NO_LATENCY,
    byConsumer: rows
      .filter((row) => row.consumer !== null)
      .map((row) => ({ consumer: row.consumer!, ...latency(row) }))
      .sort((a, b) => b.p99Ms - a.p99Ms),
  };
}

const NO_LATENCY: HandledLatency = { count: 0, p50Ms: 0, p99Ms: 0, maxMs: 0 };

/** The sale's confirmation mails: confirmation to sent, and how many are not sent (yet). */
async function confirmationMailLatency(client: pg.Client, since: Date) {
  const { rows: present } = await client.query<{ ok: boolean }>(
    "SELECT to_regclass('notifications.notifications') IS NOT NULL AND to_regclass('orders.outbox') IS NOT NULL AS ok",
  );
  if (!present[0]?.ok) return undefined;
  const { rows } = await client.query<{
    count: string;
    unsent: string;
    retried: string;
    p50: number;
    p99: number;
    max: number;
    queued_p50: number;
  }>(
    `SELECT count(n.sent_at) AS count, count(*) - count(n.sent_at) AS unsent,
            count(*) FILTER (WHERE n.attempts > 1) AS retried,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99,
            max(ms) AS max,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY queued_ms) AS queued_p50
     FROM (SELECT n.sent_at, n.attempts, extract(epoch FROM n.sent_at - o.created_at) * 1000 AS ms,
                  extract(epoch FROM n.created_at - o.created_at) * 1000 AS queued_ms
           FROM notifications.notifications AS n JOIN orders.outbox AS o ON o.id = n.source_event_id
           WHERE n.type = 'order-confirmed' AND n.channel = 'email' AND o.created_at >= $1) AS n`,
    [since],
  );
  const row = rows[0];
  return {
    count: Number(row?.count ?? 0),
    unsent: Number(row?.unsent ?? 0),
    retried: Number(row?.retried ?? 0),
    queuedP50Ms: Number(row?.queued_p50 ?? 0),
    p50Ms: Number(row?.p50 ?? 0),
    p99Ms: Number(row?.p99 ?? 0),
    maxMs: Number(row?.max ?? 0),
  };
}

/** Inbox rows written since `since`, over every schema. */
async function handledCount(client: pg.Client, schemas: string[], since: Date): Promise<number> {
  if (schemas.length === 0) return 0;
  const inboxes = overSchemas(
    schemas,
    (schema) => `SELECT count(*) AS n FROM "${schema}".inbox WHERE processed_at >= $1`,
  );
  const { rows } = await client.query<{ n: string }>(`SELECT sum(n) AS n FROM (${inboxes}) AS inboxes`, [
    since,
  ]);
  return Number(rows[0]?.n ?? 0);
}

/** A sample of every outbox in one statement: waiting events and the oldest one's age. */
async function sampleOutboxes(client: pg.Client, schemas: string[]) {
  if (schemas.length === 0) return { pending: 0, oldestMs: 0 };
  const outboxes = overSchemas(
    schemas,
    (schema) =>
      `SELECT count(*) AS pending, min(created_at) AS oldest FROM "${schema}".outbox WHERE published_at IS NULL AND dead_at IS NULL`,
  );
  const { rows } = await client.query<{ pending: string; oldest_ms: string | null }>(
    `SELECT sum(pending) AS pending, extract(epoch FROM now() - min(oldest)) * 1000 AS oldest_ms
     FROM (${outboxes}) AS outboxes`,
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
  private startedAt = new Date();
  /** Queries (each its own transaction) this watcher ran, for the statement counts to leave out. */
  queries = 0;

  constructor(
    private readonly databaseUrl: string,
    private readonly intervalMs = 250,
  ) {}

  async start(): Promise<void> {
    this.client = new pg.Client({
      connectionString: this.databaseUrl,
      application_name: 'bench-outbox-lag',
      options: UNTRACKED,
    });
    await this.client.connect();
    this.queries += 2;
    const { rows } = await this.client.query<{ schema: string }>(
      "SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = 'outbox' ORDER BY 1",
    );
    this.schemas = rows.map((row) => row.schema);
    this.startedAt = new Date((await this.client.query<{ now: Date }>('SELECT now()')).rows[0]!.now);
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
    this.queries++;
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
    // The consumers may still be handling what was sent last: wait until their inboxes stop growing.
    let handledBefore = -1;
    for (let waited = 0; waited < limitSeconds * 1000; waited += 1_000) {
      this.queries++;
      const handledNow = await handledCount(this.client!, this.schemas, this.startedAt);
      if (handledNow === handledBefore) break;
      handledBefore = handledNow;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    this.queries++;
    const { overall, byConsumer } = await handledLatency(this.client!, this.schemas, this.startedAt);
    // And the mails queued by those handlings: wait (as long) until none is left to send.
    let mails = await confirmationMailLatency(this.client!, this.startedAt);
    for (let waited = 0; mails && mails.unsent > 0 && waited < limitSeconds * 1000; waited += 500) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      mails = await confirmationMailLatency(this.client!, this.startedAt);
    }
    await this.client?.end();
    return {
      peakPending: this.peakPending,
      peakOldestMs: this.peakOldestMs,
      drainSecondsAfterSale: drained,
      samples: this.samples,
      handled: overall,
      handledBy: byConsumer,
      confirmationMails: mails,
    };
  }
}
