// The sweeper: returns expired holds' tickets to AVAILABLE. Safe with any number of instances
// sweeping at once (each batch locks its holds with FOR UPDATE SKIP LOCKED, so two sweepers
// never release the same hold), and driven by the injected clock so tests control time.
import { appendToOutbox, type Clock, type Database, type Logger, PeriodicTask } from '@ticketing/platform';
import { changesOf } from './availability.js';
import { ticketReleased } from './events.js';
import type { ChangeAnnouncer } from './live-availability.js';
import * as repository from './repository.js';
import { TICKET_SCHEMA } from './tables.js';

export interface SweeperDeps {
  db: Database;
  clock: Clock;
  live: ChangeAnnouncer;
  batchSize: number;
}

/** Expires every hold past its expiry at the clock's now; returns how many this call expired. */
export async function sweepExpiredHolds(deps: SweeperDeps): Promise<number> {
  let expired = 0;
  for (;;) {
    const batch = await deps.db.transaction(async (tx) => {
      const now = deps.clock.now();
      const holds = await repository.lockExpiredHolds(tx, now, deps.batchSize);
      if (holds.length === 0) return { holds, tickets: [] };
      const ids = holds.map((hold) => hold.id);
      const tickets = await repository.releaseTicketsOfHolds(tx, ids, now);
      await repository.endHolds(tx, ids, 'EXPIRED', 'expired', now);
      await appendToOutbox(
        tx,
        TICKET_SCHEMA,
        holds.map((hold) =>
          ticketReleased(
            hold.eventId,
            hold.id,
            tickets.filter((ticket) => ticket.releasedFrom === hold.id),
            'expired',
          ),
        ),
      );
      return { holds, tickets };
    });
    for (const eventId of new Set(batch.holds.map((hold) => hold.eventId))) {
      deps.live.announce(eventId, changesOf(batch.tickets.filter((ticket) => ticket.eventId === eventId)));
    }
    expired += batch.holds.length;
    if (batch.holds.length < deps.batchSize) return expired;
  }
}

/** Runs sweepExpiredHolds every interval, never two runs of one instance at once. */
export function holdSweeper(
  deps: SweeperDeps,
  intervalMs: number,
  logger: Logger,
  onSwept: (expired: number) => void = () => undefined,
): PeriodicTask {
  return new PeriodicTask('hold sweeper', intervalMs, logger, async () => {
    const expired = await sweepExpiredHolds(deps);
    if (expired > 0) onSwept(expired);
  });
}
