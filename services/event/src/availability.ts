// Live availability shown with events: counts per event, seat category and ticket type from
// the ticket service, cached briefly and dropped when a ticket event says they changed.
// When the ticket service cannot answer, events are shown without counts rather than failing.
import type { Availability } from '@ticketing/contracts';
import type { Logger } from '@ticketing/platform';
import type { CatalogueCache } from './catalogue-cache.js';
import type { TicketService } from './ticket-service.js';

export interface AvailabilityDeps {
  cache: CatalogueCache;
  tickets: TicketService;
  logger: Logger;
}

let lastWarnedAt = 0;

/** Availability of each event the ticket service knows; events missing from the map have none. */
export async function availabilityOf(
  deps: AvailabilityDeps,
  eventIds: string[],
): Promise<Map<string, Availability>> {
  const unique = [...new Set(eventIds)];
  const found = new Map<string, Availability>();
  if (unique.length === 0) return found;
  const cached = await deps.cache.availability(unique);
  for (const [eventId, value] of cached) found.set(eventId, JSON.parse(value) as Availability);
  const missing = unique.filter((eventId) => !found.has(eventId));
  if (missing.length === 0) return found;
  try {
    for (const availability of await deps.tickets.availability(missing)) {
      if (!missing.includes(availability.eventId)) continue;
      found.set(availability.eventId, availability);
      await deps.cache.storeAvailability(availability.eventId, JSON.stringify(availability));
    }
  } catch (error) {
    // Once a minute is enough to say the ticket service is away; every listing would flood the log.
    const level = Date.now() - lastWarnedAt > 60_000 ? 'warn' : 'debug';
    if (level === 'warn') lastWarnedAt = Date.now();
    deps.logger[level]({ err: error }, 'availability unavailable; showing events without live counts');
  }
  return found;
}

/** Called for every ticket event: the next reader fetches fresh counts. */
export async function availabilityChanged(
  deps: Pick<AvailabilityDeps, 'cache'>,
  eventId: string,
): Promise<void> {
  await deps.cache.availabilityChanged(eventId);
}
