// The gateway as the runtime sees it.
import { fileURLToPath } from 'node:url';
import type { ServiceModule } from '@ticketing/platform';
import { buildGateway } from './app.js';

export { buildGateway, type GatewayOptions } from './app.js';
export { type GatewayConfig, readGatewayConfig } from './config.js';
export { DEFAULT_ROUTES, lookupRoute, type RouteRule, validateRouteTable } from './route-table.js';

export const gatewayService: ServiceModule = {
  name: 'gateway',
  schema: 'gateway',
  migrationsDir: fileURLToPath(new URL('../migrations/', import.meta.url)),
  build: (context) => buildGateway(context),
};
