// HTTP adapters of the gateway's own API (ADMIN only): read and replace the route table,
// and see the state of every upstream instance and circuit. The proxied routes are not
// here: the route table decides those.
import { Problem } from '@ticketing/contracts';
import { type HttpApp, requireIdentity } from '@ticketing/platform';
import type { RouteTableStore } from './route-table-store.js';
import { RouteTableBody, RouteTableView, UpstreamStatusView } from './schema.js';
import { circuitOf, type UpstreamRegistry } from './upstreams.js';

const problems = { 400: Problem, 401: Problem, 403: Problem, 409: Problem, 429: Problem };
const bearer = [{ bearerAuth: [] }];

export interface AdminRouteDeps {
  routeTable: RouteTableStore;
  registry: UpstreamRegistry;
}

export function registerAdminRoutes(app: HttpApp, deps: AdminRouteDeps): void {
  app.get(
    '/api/v1/gateway/routes',
    {
      config: { access: { roles: ['ADMIN'] } },
      schema: {
        tags: ['gateway'],
        summary: 'The route table in force (admin)',
        security: bearer,
        response: { 200: RouteTableView, ...problems },
      },
    },
    async () => deps.routeTable.current.view,
  );

  app.put(
    '/api/v1/gateway/routes',
    {
      config: { access: { roles: ['ADMIN'] } },
      schema: {
        tags: ['gateway'],
        summary: 'Replace the route table on every gateway instance, without a restart (admin)',
        description:
          'The whole table is validated first; a bad one is refused with 400 and the table in force stays. ' +
          'Send expectedVersion to refuse the change (409) when someone else changed the table meanwhile.',
        security: bearer,
        body: RouteTableBody,
        response: { 200: RouteTableView, ...problems },
      },
    },
    async (request) => deps.routeTable.replace(request.body, requireIdentity(request).userId),
  );

  app.post(
    '/api/v1/gateway/routes/reset',
    {
      config: { access: { roles: ['ADMIN'] } },
      schema: {
        tags: ['gateway'],
        summary: "Put the code's default route table back in force (admin)",
        security: bearer,
        response: { 200: RouteTableView, ...problems },
      },
    },
    async (request) => deps.routeTable.resetToDefaults(requireIdentity(request).userId),
  );

  app.get(
    '/api/v1/gateway/upstreams',
    {
      config: { access: { roles: ['ADMIN'] } },
      schema: {
        tags: ['gateway'],
        summary: 'Instances of every service, their health and circuit (admin)',
        security: bearer,
        response: { 200: UpstreamStatusView, ...problems },
      },
    },
    async () => ({
      services: deps.registry.all().map((pool) => ({
        service: pool.service,
        circuit: pool.circuit,
        instances: pool.instances.map((instance) => ({
          url: instance.url,
          healthy: instance.healthy,
          circuit: circuitOf(instance),
          lastCheckedAt: instance.lastCheckedAt?.toISOString() ?? null,
          lastError: instance.lastError ?? null,
        })),
      })),
    }),
  );
}
