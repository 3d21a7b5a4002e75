// buildApp for the event service: wires its dependencies into a Fastify app and subscribes
// to the ticket service's events. Nothing listens here.
import { createServiceApp, type RunningService, type ServiceContext } from '@ticketing/platform';
import type { Registry } from 'prom-client';
import { CatalogueCache } from './catalogue-cache.js';
import { eventServiceConfig } from './config.js';
import { CONSUMER_GROUP, CONSUMES, ticketEventHandler } from './events.js';
import { findCacheNamespace, findTrigramSchema } from './repository.js';
import { registerRoutes } from './routes.js';
import type { SearchDeps } from './search.js';
import { ticketServiceOver } from './ticket-service.js';

export type EventServiceDeps = SearchDeps;

/** The service's dependencies, shared by the app and the seed. */
export async function eventServiceDeps(
  context: ServiceContext,
  metrics: Registry,
): Promise<EventServiceDeps> {
  const settings = eventServiceConfig(context.env ?? process.env);
  const logger = context.logger.child({ service: 'event' });
  const trigramSchema = await findTrigramSchema(context.db.orm);
  if (!trigramSchema) logger.warn('pg_trgm is not installed: event search works without typo tolerance');
  return {
    db: context.db,
    clock: context.clock,
    logger,
    cache: new CatalogueCache(
      context.cache,
      await findCacheNamespace(context.db.orm),
      settings.cacheTtls,
      logger,
      metrics,
      () => context.db.reads.position(),
    ),
    tickets: ticketServiceOver(() => context.client('ticket'), settings.ticketTimeouts),
    search: { trigramSchema, similarity: settings.searchSimilarity },
  };
}

export async function buildEventService(context: ServiceContext): Promise<RunningService> {
  const app = await createServiceApp(context, 'event', {
    description: 'Events, venues and seat maps, search, availability and sales analytics',
  });
  const deps = await eventServiceDeps(context, app.metrics);
  registerRoutes(app, deps);
  return {
    app,
    async startWorkers() {
      await context.bus.subscribe({
        group: CONSUMER_GROUP,
        topics: [...CONSUMES],
        handle: ticketEventHandler(deps),
      });
    },
  };
}
