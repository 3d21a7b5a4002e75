// The ticket service as the runtime sees it.
import { fileURLToPath } from 'node:url';
import type { ServiceModule } from '@ticketing/platform';
import { buildTicketService } from './app.js';
import { TICKET_SCHEMA } from './tables.js';

export { type SweeperDeps, sweepExpiredHolds } from './sweeper.js';

export const ticketService: ServiceModule = {
  name: 'ticket',
  schema: TICKET_SCHEMA,
  migrationsDir: fileURLToPath(new URL('../migrations/', import.meta.url)),
  build: buildTicketService,
};
/** The proof-of-work check, for clients that solve challenges outside a browser (the benchmark). */
export { isSolution } from './proof-of-work.js';
