// Transactional outbox: events are written in the same transaction as the state
// change they announce, and a relay publishes them afterwards, marking each row
// sent only once the transport has accepted it. An event that cannot be taken (its
// handler or its serialization fails) is charged an attempt and parked after
// maxAttempts; while the transport itself is down nothing is charged: the outbox
// grows, the relay retries with backoff, and everything drains when it returns.
import { sql } from 'drizzle-orm';
import type pg from 'pg';
import { newId } from '../clock.js';
import type { Database, Executor } from '../database/pool.js';
import type { Logger } from '../logger.js';
import { injectTraceContext, outsideAnyTrace } from '../tracing.js';
import { publishTraced } from '../tracing-bus.js';
import { type DomainEvent, type EventTransport, TransportUnavailableError } from './types.js';

export interface NewEvent<Payload = unknown> {
  type: string;
  key: string;
  payload: Payload;
  headers?: Record<string, string>;
}

/** Writes events into the service's outbox inside the caller's transaction. */
export async function appendToOutbox(tx: Executor, schema: string, events: NewEvent[]): Promise<string[]> {
  const ids: string[] = [];
  for (const event of events) {
    const id = newId();
    ids.push(id);
    // The writing request's trace context, so the event's publish and handling join its trace.
    const headers = { ...event.headers };
    injectTraceContext(headers);
    await tx.execute(sql`
      INSERT INTO ${sql.identifier(schema)}.outbox (id, topic, message_key, payload, headers)
      VALUES (${id}, ${event.type}, ${event.key}, ${JSON.stringify(event.payload)}::jsonb,
              ${JSON.stringify(headers)}::jsonb)`);
  }
  return ids;
}

type OutboxRow = {
  id: string;
  seq: string;
  topic: string;
  message_key: string;
  payload: unknown;
  headers: Record<string, string>;
  created_at: Date;
  attempts: number;
};

/** The first key of the relays' advisory lock (the second is the schema's hash). */
const OUTBOX_LOCK_CLASS = 7_200_301;

/** Orders bigint sequence numbers given as text (shorter first, then by digits). */
const compareSequence = (a: string, b: string) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

/** A Postgres array literal of ids (Drizzle would spread a JS array into a list of parameters). */
const uuidArray = (ids: string[]) => `{${ids.join(',')}}`;

export interface OutboxRelayOptions {
  db: Database;
  schema: string;
  source: string;
  transport: EventTransport;
  logger: Logger;
  /** Fallback polling period when no notification arrives. */
  pollIntervalMs?: number;
  batchSize?: number;
  /** After this many failed attempts an event is parked (dead_at set) and reported. */
  maxAttempts?: number;
  /** First wait after finding the transport down; doubles on each failed retry. */
  outageRetryMs?: number;
  /** Longest wait between retries while the transport is down. */
  maxOutageRetryMs?: number;
}

export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  /** The connection held for LISTEN, and how to give it back exactly once. */
  private listener: { client: pg.PoolClient; release: (destroy?: boolean) => void } | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private failing = false;
  /** While the transport is down: no publishing before this time, then the next wait. */
  private pausedUntil = 0;
  private outageDelayMs = 0;
  private outageTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: OutboxRelayOptions) {}

  async start(): Promise<void> {
    this.stopped = false;
    await this.listen();
    if (this.stopped) return; // stopped while it connected
    this.schedule();
    this.kick();
  }

  /** Publish pending events now (also called on NOTIFY from a committing transaction). */
  kick(): void {
    if (this.stopped) return;
    // Commits keep notifying during an outage; the backoff timer decides when to try again.
    if (Date.now() < this.pausedUntil) return;
    if (this.running) {
      this.again = true;
      return;
    }
    // Kicked from a NOTIFY or a timer, whose context may be a past request's: the relay's own
    // queries belong to no trace; each event's send span continues the event's trace instead.
    this.running = outsideAnyTrace(() => this.drain())
      .then(() => {
        if (this.failing) this.options.logger.info({ schema: this.options.schema }, 'outbox relay recovered');
        this.failing = false;
        this.outageDelayMs = 0;
        this.pausedUntil = 0;
      })
      .catch((error) => {
        const outage = error instanceof TransportUnavailableError;
        // Warn once per outage, not once per poll.
        if (!this.failing)
          this.options.logger.warn(
            { err: error, schema: this.options.schema },
            outage
              ? 'event transport unavailable; events stay in the outbox until it returns'
              : 'outbox relay failing; will keep retrying',
          );
        this.failing = true;
        if (outage) this.backOff();
      })
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private backOff(): void {
    const first = this.options.outageRetryMs ?? 500;
    const longest = this.options.maxOutageRetryMs ?? 15_000;
    this.outageDelayMs = Math.min(longest, this.outageDelayMs === 0 ? first : this.outageDelayMs * 2);
    this.pausedUntil = Date.now() + this.outageDelayMs;
    if (this.outageTimer) clearTimeout(this.outageTimer);
    this.outageTimer = setTimeout(() => {
      this.outageTimer = undefined;
      this.pausedUntil = 0;
      this.kick();
    }, this.outageDelayMs);
    this.outageTimer.unref();
  }

  /** Is this publish failure the transport's (down, closed) rather than the events'? */
  private async isOutage(error: unknown): Promise<boolean> {
    if (error instanceof TransportUnavailableError) return true;
    // An adapter may not recognise every way a broker can be gone; ask it directly.
    return this.options.transport.check().then(
      () => false,
      () => true,
    );
  }

  /**
   * Publishes until nothing is pending. Exposed for tests and shutdown. Rejects with a
   * TransportUnavailableError when the transport is down; the events stay pending, uncharged.
   */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const published = await this.publishBatch();
      total += published;
      if (published < (this.options.batchSize ?? 100)) return total;
    }
  }

  private async publishBatch(): Promise<number> {
    const { db, schema, transport, source } = this.options;
    const batchSize = this.options.batchSize ?? 100;
    const maxAttempts = this.options.maxAttempts ?? 10;
    let failure: unknown;
    let outage = false;
    const published = await db.transaction(async (tx) => {
      // One relay at a time per outbox. Two relays taking neighbouring batches at once could
      // publish an order's later event before its earlier one; the one that finds the lock
      // taken leaves the work to the holder, which drains until empty (and hears every NOTIFY).
      // The turn and the batch in one statement: the lock is tried once (a volatile function
      // keeps the CTE from being inlined), and no row is locked unless the turn is ours.
      // The row locks stay: should two relays ever overlap (an older version during a rolling
      // deploy), they still never take the same row.
      // The batch is marked published in the same statement, before it is sent: nothing is
      // committed until the transport took it (a crash rolls the mark back, and the batch goes
      // again), and what it did not take is unmarked below — one round trip fewer per batch.
      const result = await tx.execute<OutboxRow>(sql`
        WITH turn AS (SELECT pg_try_advisory_xact_lock(${OUTBOX_LOCK_CLASS}, hashtext(${schema})) AS mine),
        batch AS (
          SELECT o.id FROM turn, ${sql.identifier(schema)}.outbox o
          WHERE turn.mine AND o.published_at IS NULL AND o.dead_at IS NULL
          ORDER BY o.seq
          LIMIT ${batchSize}
          FOR UPDATE OF o SKIP LOCKED)
        UPDATE ${sql.identifier(schema)}.outbox o SET published_at = now()
        FROM batch WHERE o.id = batch.id
        RETURNING o.id, o.seq::text AS seq, o.topic, o.message_key, o.payload, o.headers, o.created_at, o.attempts`);
      // RETURNING keeps no order: the outbox's order is its sequence.
      const rows = result.rows.sort((a, b) => compareSequence(a.seq, b.seq));
      if (rows.length === 0) return 0;
      const events: DomainEvent[] = rows.map((row) => ({
        id: row.id,
        type: row.topic,
        key: row.message_key,
        occurredAt: new Date(row.created_at).toISOString(),
        source,
        payload: row.payload,
        headers: row.headers ?? {},
      }));
      // One failing event must neither hold back nor park its neighbours: when the batch
      // fails, publish it again one event at a time, in order, up to the first failure, and
      // charge the attempt to that event only. Events after it wait, so order is kept until
      // it succeeds or is parked. A transport outage is charged to no event.
      let delivered = rows;
      let failed: OutboxRow | undefined;
      try {
        await publishTraced(transport, source, events);
      } catch (error) {
        delivered = [];
        failure = error;
        if (await this.isOutage(error)) {
          outage = true;
        } else if (rows.length === 1) {
          failed = rows[0];
        } else {
          failure = undefined;
          for (const [index, event] of events.entries()) {
            try {
              await publishTraced(transport, source, [event]);
              delivered.push(rows[index]!);
            } catch (eventError) {
              failure = eventError;
              if (await this.isOutage(eventError)) outage = true;
              else failed = rows[index];
              break;
            }
          }
        }
      }
      if (delivered.length < rows.length) {
        const taken = new Set(delivered.map((row) => row.id));
        const ids = rows.filter((row) => !taken.has(row.id)).map((row) => row.id);
        await tx.execute(sql`
          UPDATE ${sql.identifier(schema)}.outbox SET published_at = NULL WHERE id = ANY(${uuidArray(ids)}::uuid[])`);
      }
      if (failed) {
        const message = failure instanceof Error ? failure.message : String(failure);
        await tx.execute(sql`
          UPDATE ${sql.identifier(schema)}.outbox
          SET attempts = attempts + 1, last_error = ${message},
              dead_at = CASE WHEN attempts + 1 >= ${maxAttempts} THEN now() END
          WHERE id = ${failed.id}`);
        if (failed.attempts + 1 >= maxAttempts) {
          this.options.logger.error(
            { ids: [failed.id], err: failure },
            'outbox events parked after repeated failures',
          );
        }
      }
      // Commit the progress and the attempt count, then report the failure outside the transaction.
      return delivered.length;
    });
    if (outage) {
      throw failure instanceof TransportUnavailableError
        ? failure
        : new TransportUnavailableError(failure instanceof Error ? failure.message : String(failure), {
            cause: failure,
          });
    }
    if (failure !== undefined) throw failure;
    return published;
  }

  private schedule(): void {
    const period = this.options.pollIntervalMs ?? 1_000;
    this.timer = setInterval(() => this.kick(), period);
    this.timer.unref();
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    try {
      const client = await this.options.db.pool.connect();
      // stop() may have run while we waited for the connection: a client kept now would never
      // be released, and closing the pool waits for every client.
      if (this.stopped) {
        client.release();
        return;
      }
      // pg may emit 'error' more than once for one broken connection, and stop() may be releasing
      // it at the same moment: a second release() throws inside pg-pool, so only the first counts.
      let released = false;
      const release = (destroy?: boolean): void => {
        if (released) return;
        released = true;
        client.release(destroy);
      };
      const listener = { client, release };
      this.listener = listener;
      client.on('notification', () => this.kick());
      client.on('error', () => {
        if (released) return; // a later report of the same failure, or an error after stop()
        // The polling timer keeps events moving; try to listen again later.
        if (this.listener === listener) this.listener = undefined;
        release(true);
        setTimeout(() => {
          if (!this.stopped) void this.listen();
        }, 2_000).unref();
      });
      await client.query(`LISTEN "${this.options.schema}_outbox"`);
    } catch (error) {
      // A connection that could not LISTEN is no use: give it back before trying again.
      const failed = this.listener;
      this.listener = undefined;
      failed?.release(true);
      this.options.logger.debug({ err: error }, 'outbox relay could not LISTEN; polling only');
      if (!this.stopped) setTimeout(() => void this.listen(), 2_000).unref();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.outageTimer) clearTimeout(this.outageTimer);
    await this.running;
    if (this.listener) {
      const listener = this.listener;
      this.listener = undefined;
      await listener.client.query(`UNLISTEN *`).catch(() => undefined);
      listener.release();
    }
  }
}
