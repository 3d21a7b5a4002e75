// The event service as the runtime sees it.
import { fileURLToPath } from 'node:url';
import type { ServiceModule } from '@ticketing/platform';
import { buildEventService } from './app.js';
import { EVENT_SCHEMA } from './catalogue.js';
import { seedEvents } from './seed.js';

export const eventService: ServiceModule = {
  name: 'event',
  schema: EVENT_SCHEMA,
  migrationsDir: fileURLToPath(new URL('../migrations/', import.meta.url)),
  build: buildEventService,
  seed: seedEvents,
};
