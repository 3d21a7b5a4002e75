// What the order service knows of an event: its title and start, copied onto the order at
// purchase (the refund policy counts back from the start). Read from the event service and
// kept for a minute in memory, so an on-sale does not ask once per order; best effort — a
// purchase never fails because the catalogue is slow.
import type { ServiceClient } from '@ticketing/platform';

export interface EventFacts {
  title: string;
  startsAt: Date;
}

export interface EventCatalogue {
  facts(eventId: string): Promise<EventFacts | undefined>;
}

const TTL_MS = 60_000;

export function eventCatalogueOver(client: ServiceClient, timeoutMs: number): EventCatalogue {
  const known = new Map<string, { facts: EventFacts; until: number }>();
  return {
    async facts(eventId) {
      const cached = known.get(eventId);
      if (cached && cached.until > Date.now()) return cached.facts;
      try {
        const response = await client.call<{ title?: string; startsAt?: string }>({
          method: 'GET',
          path: `/api/v1/events/${eventId}`,
          idempotent: false,
          timeoutMs,
        });
        if (response.status !== 200 || !response.body?.startsAt) return undefined;
        const facts = { title: response.body.title ?? '', startsAt: new Date(response.body.startsAt) };
        if (known.size > 10_000) known.clear();
        known.set(eventId, { facts, until: Date.now() + TTL_MS });
        return facts;
      } catch {
        return undefined;
      }
    },
  };
}
