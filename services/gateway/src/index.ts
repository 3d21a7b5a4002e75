// The gateway as the runtime sees it.
import { fileURLToPath } from 'node:url';
import type { ServiceModule } from '@ticketing/platform';
import { buildGateway } from './app.js';

export { DEFAULT_ROUTES, matchRoute, type RouteEntry } from './routes.js';

export const gatewayService: ServiceModule = {
  name: 'gateway',
  schema: 'gateway',
  migrationsDir: fileURLToPath(new URL('../migrations/', import.meta.url)),
  build: (context) => buildGateway(context),
};
