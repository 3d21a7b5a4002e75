// The order service as the runtime sees it, and the invariants checker other tools reuse.
import { fileURLToPath } from 'node:url';
import type { ServiceModule } from '@ticketing/platform';
import { buildOrderService } from './app.js';
import { ORDER_SCHEMA } from './tables.js';

export { formatReport, type InvariantReport, type Queryable, verifyInvariants } from './verify.js';

export const orderService: ServiceModule = {
  name: 'order',
  schema: ORDER_SCHEMA,
  migrationsDir: fileURLToPath(new URL('../migrations/', import.meta.url)),
  build: buildOrderService,
};
