// TypeBox schemas of the gateway's own API: the route table an admin reads and replaces,
// and the state of the upstream instances. One schema validates, types and documents.
import { RoleSchema } from '@ticketing/contracts';
import { type Static, Type } from 'typebox';
import { RATE_LIMIT_CLASSES } from './config.js';

export const ROUTABLE_SERVICES = ['user', 'event', 'ticket', 'order', 'payment', 'notification'] as const;
export const ROUTE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export const RouteAccessSchema = Type.Union([
  Type.Literal('public'),
  Type.Literal('authenticated'),
  Type.Object(
    { roles: Type.Array(RoleSchema, { minItems: 1, uniqueItems: true }) },
    { additionalProperties: false },
  ),
]);

export const RouteRuleSchema = Type.Object(
  {
    path: Type.String({
      minLength: 5,
      maxLength: 300,
      description: 'Starts with /api/; `:name` matches one segment, a final `*` any number of segments',
      examples: ['/api/v1/events/:id/seats', '/api/v1/holds/*'],
    }),
    methods: Type.Optional(
      Type.Array(Type.Enum(ROUTE_METHODS), {
        minItems: 1,
        uniqueItems: true,
        description: 'All when absent',
      }),
    ),
    service: Type.Enum(ROUTABLE_SERVICES),
    access: RouteAccessSchema,
    rateLimit: Type.Optional(Type.Enum(RATE_LIMIT_CLASSES)),
    timeoutMs: Type.Optional(
      Type.Integer({ minimum: 100, maximum: 600_000, description: 'Overrides GATEWAY_UPSTREAM_TIMEOUT_MS' }),
    ),
    streaming: Type.Optional(
      Type.Boolean({
        description: 'A long-lived answer (Server-Sent Events): only the wait for headers is limited',
      }),
    ),
  },
  { additionalProperties: false },
);
export type RouteRule = Static<typeof RouteRuleSchema>;

const UpstreamUrls = Type.Array(Type.String({ minLength: 8, maxLength: 300 }), { minItems: 1, maxItems: 64 });

export const UpstreamsSchema = Type.Object(
  Object.fromEntries(ROUTABLE_SERVICES.map((service) => [service, Type.Optional(UpstreamUrls)])) as Record<
    (typeof ROUTABLE_SERVICES)[number],
    Type.TOptional<typeof UpstreamUrls>
  >,
  {
    additionalProperties: false,
    description:
      'Instances per service, replacing the configured <SERVICE>_SERVICE_URL while this table is in force',
  },
);
export type Upstreams = Static<typeof UpstreamsSchema>;

export const RouteTableBody = Type.Object(
  {
    routes: Type.Array(RouteRuleSchema, { minItems: 1, maxItems: 1_000 }),
    upstreams: Type.Optional(UpstreamsSchema),
    expectedVersion: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'Refuse the change (409) when the table in force has another version',
      }),
    ),
  },
  { additionalProperties: false },
);
export type RouteTableBody = Static<typeof RouteTableBody>;

export const RouteTableView = Type.Object({
  version: Type.Integer(),
  origin: Type.Union([Type.Literal('defaults'), Type.Literal('admin')]),
  updatedAt: Type.String({ format: 'date-time' }),
  updatedBy: Type.Union([Type.String(), Type.Null()]),
  routes: Type.Array(RouteRuleSchema),
  upstreams: UpstreamsSchema,
});
export type RouteTableView = Static<typeof RouteTableView>;

const Circuit = Type.Union([Type.Literal('closed'), Type.Literal('open'), Type.Literal('half-open')], {
  description: 'open: cut off, answering 503 at once; half-open: one probe request let through',
});

export const UpstreamStatusView = Type.Object({
  services: Type.Array(
    Type.Object({
      service: Type.String(),
      circuit: Circuit,
      instances: Type.Array(
        Type.Object({
          url: Type.String(),
          healthy: Type.Boolean(),
          circuit: Circuit,
          lastCheckedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
          lastError: Type.Union([Type.String(), Type.Null()]),
        }),
      ),
    }),
  ),
});
export type UpstreamStatusView = Static<typeof UpstreamStatusView>;
