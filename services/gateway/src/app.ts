// buildApp for the gateway: the single entry point on 8080. It authenticates the
// caller, authorizes by route, and proxies to the service that owns the path with
// a fresh internal token carrying the verified identity.
import replyFrom from '@fastify/reply-from';
import {
  checkAccess,
  createServiceApp,
  INTERNAL_TOKEN_HEADER,
  type RunningService,
  type ServiceContext,
  type ServiceName,
  sendProblem,
} from '@ticketing/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccessTokenVerifier } from './authentication.js';
import { DEFAULT_ROUTES, matchRoute, type RouteEntry } from './routes.js';

export async function buildGateway(
  context: ServiceContext,
  routes: RouteEntry[] = DEFAULT_ROUTES,
): Promise<RunningService> {
  const app = await createServiceApp(context, 'gateway', {
    description: 'The single entry point in front of every service',
    requireInternalToken: false,
  });
  const upstreams = new Map<ServiceName, { urls: string[]; next: number }>();
  const upstreamFor = (service: ServiceName) => {
    let entry = upstreams.get(service);
    if (!entry) {
      entry = { urls: context.config.serviceUrls[service], next: 0 };
      upstreams.set(service, entry);
    }
    const url = entry.urls[entry.next % entry.urls.length]!;
    entry.next++;
    return url;
  };
  const verifier = new AccessTokenVerifier(
    `${context.config.serviceUrls.user[0]}/.well-known/jwks.json`,
    context.cache,
  );

  await app.register(replyFrom, {
    undici: {
      connections: 128,
      pipelining: 1,
      keepAliveTimeout: 10_000,
      headersTimeout: 15_000,
      bodyTimeout: 15_000,
    },
  });

  const proxy = async (request: FastifyRequest, reply: FastifyReply) => {
    const route = matchRoute(routes, request.url);
    if (!route)
      return sendProblem(
        reply,
        request,
        404,
        'route_not_found',
        `No route for ${request.method} ${request.url.split('?')[0]}`,
      );
    const authorization = request.headers.authorization;
    try {
      request.identity = await verifier.identify(authorization);
    } catch (error) {
      // A stale token must not stop someone from logging in again on a public route.
      if (route.access !== 'public') throw error;
      request.identity = undefined;
    }
    request.caller = undefined;
    checkAccess(route.access, request);
    const token = await context.tokens.issue(
      request.identity ? { service: 'gateway', user: request.identity } : { service: 'gateway' },
    );
    return reply.from(`${upstreamFor(route.service)}${request.url}`, {
      rewriteRequestHeaders: (_original, headers) => {
        const forwarded = { ...headers };
        delete forwarded.authorization; // services trust only the internal token
        forwarded[INTERNAL_TOKEN_HEADER] = token;
        forwarded['x-request-id'] = request.id;
        forwarded['x-forwarded-for'] = request.ip;
        return forwarded;
      },
      onError: (proxyReply, { error }) => {
        request.log.warn({ err: error, upstream: route.service }, 'upstream request failed');
        const timedOut = /timeout/i.test(String((error as Error)?.message ?? error));
        void sendProblem(
          proxyReply as FastifyReply,
          request,
          timedOut ? 504 : 503,
          timedOut ? 'upstream_timeout' : 'upstream_unavailable',
          `The ${route.service} service ${timedOut ? 'did not answer in time' : 'is unavailable'}; try again shortly`,
        );
      },
    });
  };

  for (const prefix of new Set(routes.map((route) => route.prefix))) {
    app.all(prefix, { config: { access: 'public' }, schema: { hide: true } }, proxy);
    app.all(`${prefix}/*`, { config: { access: 'public' }, schema: { hide: true } }, proxy);
  }
  app.get('/.well-known/jwks.json', { schema: { hide: true } }, (_request, reply) =>
    reply.from(`${upstreamFor('user')}/.well-known/jwks.json`),
  );
  return { app };
}
