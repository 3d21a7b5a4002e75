// Reminders: shortly before an event (NOTIFICATION_REMINDER_LEAD_HOURS) its ticket holders get a
// reminder. A scheduler driven by the injected clock looks for events starting within the lead
// time whose reminder is not queued yet; it locks each event's row (SKIP LOCKED, so instances
// share the work), queues the reminders and marks the event reminded in one transaction.
import { type Clock, type Database, type Logger, PeriodicTask } from '@ticketing/platform';
import { queueNotifications } from './notifications.js';
import * as repository from './repository.js';

export interface ReminderDeps {
  db: Database;
  clock: Clock;
  leadHours: number;
  maxAttempts: number;
}

const EVENTS_PER_TRANSACTION = 20;

/** Queues the reminders of every event now within the lead time; returns how many messages it queued. */
export async function queueDueReminders(deps: ReminderDeps): Promise<number> {
  let queued = 0;
  for (;;) {
    const round = await deps.db.transaction(async (tx) => {
      const now = deps.clock.now();
      const until = new Date(now.getTime() + deps.leadHours * 3_600_000);
      const events = await repository.lockEventsDueForReminder(tx, now, until, EVENTS_PER_TRANSACTION);
      let messages = 0;
      for (const event of events) {
        const holders = await repository.findTicketHolderIds(tx, event.eventId);
        messages += await queueNotifications(
          tx,
          {
            type: 'event-reminder',
            userIds: holders,
            facts: {
              eventId: event.eventId,
              eventTitle: event.title,
              startsAt: event.startsAt.toISOString(),
              endsAt: event.endsAt?.toISOString() ?? null,
              timeZone: event.timeZone,
              location: event.location,
            },
            sourceEventId: null,
            bulk: true,
            // One reminder per event, user and channel, even if the event is re-armed by a new start time.
            dedupeKey: (userId, channel) =>
              `reminder:${event.eventId}:${event.startsAt.toISOString()}:${userId}:${channel}`,
          },
          { maxAttempts: deps.maxAttempts, now },
        );
        await repository.markEventReminded(tx, event.eventId, now);
      }
      return { events: events.length, messages };
    });
    queued += round.messages;
    if (round.events < EVENTS_PER_TRANSACTION) return queued;
  }
}

/** Runs queueDueReminders every interval. */
export function reminderScheduler(
  deps: ReminderDeps,
  intervalMs: number,
  logger: Logger,
  onQueued: () => void,
): PeriodicTask {
  return new PeriodicTask('reminder scheduler', intervalMs, logger, async () => {
    if ((await queueDueReminders(deps)) > 0) onQueued();
  });
}
