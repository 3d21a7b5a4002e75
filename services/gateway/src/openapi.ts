// One OpenAPI document for the whole platform: every running service serves its own at
// /openapi.json; the gateway fetches them from healthy instances, merges them with its own
// and serves the result at /api/openapi.json and, through Swagger UI (bundled, no CDN), at /api/docs.

import swaggerUi from '@fastify/swagger-ui';
import type { HttpApp, ServiceName } from '@ticketing/platform';
import { Agent, request } from 'undici';
import type { UpstreamRegistry } from './upstreams.js';

type Json = Record<string, unknown>;
type OpenApiDocument = Json & {
  paths?: Record<string, Json>;
  components?: Record<string, Record<string, unknown>>;
};

export interface OpenApiAggregatorDeps {
  registry: UpstreamRegistry;
  /** The services the route table sends requests to. */
  services(): ServiceName[];
  /** The gateway's own document (its admin routes). */
  own(): OpenApiDocument;
  reachable: Reachable;
  /** How long a merged document is served before the services are asked again. */
  maxAgeMs?: number;
  timeoutMs?: number;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Rewrites `#/components/<kind>/<name>` references of one service's document to renamed components. */
function renameRefs(value: unknown, renames: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => renameRefs(item, renames));
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, nested]) => [
      key,
      key === '$ref' && typeof nested === 'string' && renames.has(nested)
        ? renames.get(nested)
        : renameRefs(nested, renames),
    ]),
  );
}

/** Whether clients can reach this operation of this service through the gateway. */
export type Reachable = (service: string, method: string, path: string) => boolean;

/**
 * Merges service documents: the operations clients can reach through the gateway (a service's
 * internal routes, or routes the table sends elsewhere, are left out), side by side, and
 * components by name (renamed `<service>.<name>` on a clash).
 */
export function mergeOpenApi(
  parts: { service: string; document: OpenApiDocument }[],
  unavailable: string[],
  reachable: Reachable = () => true,
): OpenApiDocument {
  const paths: Record<string, Json> = {};
  const components: Record<string, Record<string, unknown>> = {};
  const tags = new Map<string, Json>();
  for (const { service, document } of parts) {
    const renames = new Map<string, string>();
    for (const [kind, entries] of Object.entries(document.components ?? {})) {
      for (const [name, definition] of Object.entries(entries ?? {})) {
        const existing = components[kind]?.[name];
        if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(definition))
          renames.set(`#/components/${kind}/${name}`, `#/components/${kind}/${service}.${name}`);
      }
    }
    const renamed = renameRefs(document, renames) as OpenApiDocument;
    for (const [kind, entries] of Object.entries(renamed.components ?? {})) {
      components[kind] ??= {};
      for (const [name, definition] of Object.entries(entries ?? {})) {
        const target = renames.has(`#/components/${kind}/${name}`) ? `${service}.${name}` : name;
        components[kind][target] = definition;
      }
    }
    for (const [path, item] of Object.entries(renamed.paths ?? {})) {
      if (!path.startsWith('/api/') && !path.startsWith('/.well-known/')) continue;
      const operations = Object.entries(item).flatMap(([method, operation]) => {
        if (!HTTP_METHODS.includes(method) || !operation || typeof operation !== 'object') return [];
        if (!reachable(service, method.toUpperCase(), path)) return [];
        return [[method, { ...(operation as Json), 'x-service': service }]];
      });
      if (operations.length > 0) paths[path] = { ...paths[path], ...Object.fromEntries(operations) };
    }
    for (const tag of (renamed.tags as Json[] | undefined) ?? []) tags.set(String(tag.name), tag);
  }
  const sortedPaths = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b)));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Ticketing platform API',
      version: '1',
      description:
        'Every service behind the gateway, merged. Call it through the gateway; send the access token from ' +
        '`POST /api/v1/auth/login` as `Authorization: Bearer <token>`.' +
        (unavailable.length > 0 ? `\n\nNot running now, so not listed: ${unavailable.join(', ')}.` : ''),
    },
    servers: [{ url: '/' }],
    paths: sortedPaths,
    components,
    ...(tags.size > 0 ? { tags: [...tags.values()] } : {}),
  };
}

export class OpenApiAggregator {
  private latest: OpenApiDocument | undefined;
  private builtAt = 0;
  private building: Promise<OpenApiDocument> | undefined;
  private readonly agent = new Agent({ connections: 8, keepAliveTimeout: 5_000 });

  constructor(private readonly deps: OpenApiAggregatorDeps) {}

  /** The merged document, rebuilt when older than maxAge. */
  async document(): Promise<OpenApiDocument> {
    if (this.latest && Date.now() - this.builtAt < (this.deps.maxAgeMs ?? 10_000)) return this.latest;
    this.building ??= this.build().finally(() => {
      this.building = undefined;
    });
    return this.building;
  }

  /** The last merged document, for callers that cannot wait (Swagger UI's transform hook). */
  cached(): OpenApiDocument {
    return this.latest ?? mergeOpenApi([{ service: 'gateway', document: this.deps.own() }], []);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async build(): Promise<OpenApiDocument> {
    const services = [...new Set(this.deps.services())].sort();
    const fetched = await Promise.all(
      services.map(async (service) => ({ service, document: await this.fetch(service) })),
    );
    const parts = fetched.filter(
      (part): part is { service: ServiceName; document: OpenApiDocument } => !!part.document,
    );
    const unavailable = fetched.filter((part) => !part.document).map((part) => part.service);
    this.latest = mergeOpenApi(
      [...parts, { service: 'gateway', document: this.deps.own() }],
      unavailable,
      this.deps.reachable,
    );
    this.builtAt = Date.now();
    return this.latest;
  }

  private async fetch(service: ServiceName): Promise<OpenApiDocument | undefined> {
    const pool = this.deps.registry.pool(service);
    const tried = new Set<string>();
    for (let attempt = 0; attempt < 2; attempt++) {
      const instance = pool.pick(tried);
      if (!instance) return undefined;
      tried.add(instance.url);
      const timeout = this.deps.timeoutMs ?? 2_000;
      try {
        const response = await request(`${instance.url}/openapi.json`, {
          dispatcher: this.agent,
          headersTimeout: timeout,
          bodyTimeout: timeout,
          signal: AbortSignal.timeout(timeout),
        });
        if (response.statusCode !== 200) {
          await response.body.dump();
          continue;
        }
        return (await response.body.json()) as OpenApiDocument;
      } catch {
        // try the next instance
      }
    }
    return undefined;
  }
}

/** Serves /api/openapi.json and Swagger UI at /api/docs (its assets come from the package, not a CDN). */
export async function registerApiDocs(app: HttpApp, aggregator: OpenApiAggregator): Promise<void> {
  app.get(
    '/api/openapi.json',
    { config: { access: 'public' }, schema: { hide: true } },
    async (_request, reply) => {
      reply.header('cache-control', 'no-cache');
      return aggregator.document();
    },
  );
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    uiConfig: {
      deepLinking: true,
      persistAuthorization: true,
      displayRequestDuration: true,
      tryItOutEnabled: true,
    },
    uiHooks: {
      // Swagger UI reads ./json synchronously from transformSpecification: refresh the merge first.
      onRequest: async (request) => {
        if (/\/(json|yaml)$/.test(request.url.split('?')[0]!)) await aggregator.document();
      },
    },
    transformSpecification: () => aggregator.cached(),
    transformSpecificationClone: false,
  });
}
