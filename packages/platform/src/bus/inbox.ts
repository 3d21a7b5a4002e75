// Idempotent consumption: the event id is recorded in the consumer's inbox in the
// same transaction as the handler's effects, so a redelivered event changes nothing.
import { sql } from 'drizzle-orm';
import type { Database, Executor } from '../database/pool.js';
import type { DomainEvent } from './types.js';

/** Runs handle(tx) once per (event, consumer); returns false when it was already processed. */
export async function consumeOnce(
  db: Database,
  schema: string,
  consumer: string,
  event: DomainEvent,
  handle: (tx: Executor) => Promise<void>,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const inserted = await tx.execute(sql`
      INSERT INTO ${sql.identifier(schema)}.inbox (event_id, consumer, topic)
      VALUES (${event.id}, ${consumer}, ${event.type})
      ON CONFLICT DO NOTHING
      RETURNING event_id`);
    if (inserted.rows.length === 0) return false;
    await handle(tx);
    return true;
  });
}
