// buildApp for the gateway: the single entry point on 8080. It looks the request up in the
// route table, authenticates the caller, authorizes by route and role, rate-limits, and
// proxies to a healthy instance of the service that owns the path with a fresh internal
// token carrying the verified identity. Nothing listens here.
import type { ServerResponse } from 'node:http';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import replyFrom from '@fastify/reply-from';
import { type AccessTokenRevocation, accessTokenRevocationPath } from '@ticketing/contracts';
import {
  type Access,
  checkAccess,
  createServiceApp,
  type HttpApp,
  type RunningService,
  ServiceClient,
  type ServiceContext,
  type ServiceName,
  sendProblem,
} from '@ticketing/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge } from 'prom-client';
import { AccessTokenVerifier, fetchJwksFrom } from './authentication.js';
import { declaredLengthExceeds, limitBodySize } from './body-limit.js';
import { type GatewayConfig, type RateLimitClass, readGatewayConfig } from './config.js';
import { BadPathError, MethodNotAllowedError, PayloadTooLargeError, RateLimitedError } from './errors.js';
import { registerLoadShedding } from './load-shedding.js';
import { OpenApiAggregator, registerApiDocs } from './openapi.js';
import { type ProxyDeps, proxyTo } from './proxy.js';
import { RateLimiter } from './rate-limits.js';
import { lookupRoute } from './route-table.js';
import { type RouteTableInForce, RouteTableStore } from './route-table-store.js';
import { registerAdminRoutes } from './routes.js';
import { ROUTABLE_SERVICES, ROUTE_METHODS, type RouteRule } from './schema.js';
import { UpstreamAllowList } from './upstream-allow-list.js';
import { circuitOf, UpstreamRegistry } from './upstreams.js';
import { registerWebApp } from './web-app.js';

export interface GatewayOptions {
  /** The route table written on first start; the public API of docs/architecture.md by default. */
  defaultRoutes?: RouteRule[];
}

/** Checks who calls: authenticates, authorizes for the route's access rule and counts the rate limit. */
export type EdgeGuard = (
  request: FastifyRequest,
  reply: FastifyReply,
  access: Access,
  limitClass: RateLimitClass,
) => Promise<void>;

export async function buildGateway(
  context: ServiceContext,
  options: GatewayOptions = {},
): Promise<RunningService> {
  const settings = readGatewayConfig(context.env ?? process.env, context.config.environment);
  const app = await createServiceApp(context, 'gateway', {
    description: 'The single entry point in front of every service',
    requireInternalToken: false,
    bodyLimitBytes: settings.bodyLimitBytes,
    trustProxy: settings.trustProxy,
    disableRequestLogging: true,
    accessExemptPrefixes: ['/api/docs'],
  });
  app.decorateRequest('upstream', undefined);
  app.decorateRequest('bodyTooLarge', false);
  // First, so that a shed request costs nothing else (no token check, no rate-limit count).
  await registerLoadShedding(app, settings.maxEventLoopDelayMs);

  const routeTable = new RouteTableStore({
    db: context.db,
    cache: context.cache,
    clock: context.clock,
    logger: context.logger.child({ service: 'gateway' }),
    pollIntervalMs: settings.routeTablePollMs,
    allowList: new UpstreamAllowList(() => context.config.serviceUrls, settings.upstreamAllowList),
    defaults: options.defaultRoutes,
  });
  await routeTable.start();

  const registry = new UpstreamRegistry({
    breaker: settings.breaker,
    healthCheckIntervalMs: settings.healthCheckIntervalMs,
    healthCheckTimeoutMs: settings.healthCheckTimeoutMs,
    logger: context.logger.child({ service: 'gateway' }),
    now: () => context.clock.now(),
  });
  // A table's upstreams replace the configured instances of a service while it is in force.
  const applyUpstreams = (table: RouteTableInForce) =>
    registry.configure(
      Object.fromEntries(
        ROUTABLE_SERVICES.map((service) => [
          service,
          table.view.upstreams[service] ?? context.config.serviceUrls[service],
        ]),
      ),
    );
  applyUpstreams(routeTable.current);
  routeTable.onChange(applyUpstreams);

  // The gateway's own calls sign as `gateway-authentication`: a `gateway` token is what every
  // proxied request carries, and internal routes refuse it.
  const users = new ServiceClient({
    target: 'user',
    caller: 'gateway-authentication',
    urls: context.config.serviceUrls.user,
    tokens: context.tokens,
  });
  app.addHook('onClose', () => users.close());
  const verifier = new AccessTokenVerifier({
    fetchJwks: () => fetchJwksFrom(registry.pool('user')),
    cache: context.cache,
    revokedAtSource: async ({ tokenId, userId, issuedAtMs }) => {
      const answer = await users.call<AccessTokenRevocation>({
        method: 'GET',
        path: accessTokenRevocationPath(tokenId, userId, issuedAtMs),
        idempotent: true,
        timeoutMs: 2_000,
      });
      if (answer.status !== 200 || typeof answer.body?.revoked !== 'boolean')
        throw new Error(`the user service answered ${answer.status} about a revocation`);
      return answer.body.revoked;
    },
    clock: context.clock,
  });
  const limiter = new RateLimiter({
    cache: context.cache,
    policies: settings.rateLimits,
    logger: context.logger.child({ service: 'gateway' }),
  });
  const metrics = registerGatewayMetrics(app, registry);

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        // Plain-HTTP deployments (a laptop, a cluster behind TLS termination) must not have their requests upgraded.
        'upgrade-insecure-requests': null,
        // Checkout's Stripe Elements (when Stripe is configured): Stripe.js, its frames and its API.
        'script-src': ["'self'", 'https://js.stripe.com', 'https://*.js.stripe.com'],
        'frame-src': [
          "'self'",
          'https://js.stripe.com',
          'https://*.js.stripe.com',
          'https://hooks.stripe.com',
        ],
        'connect-src': ["'self'", 'https://api.stripe.com'],
      },
    },
  });
  await registerCors(app, settings);
  await app.register(replyFrom, {
    disableRequestLogging: true,
    undici: {
      // No cap on connections per instance: each open event stream (seat map, place in line)
      // keeps one for as long as the page watches, and a cap shared with ordinary requests let
      // a crowd of watchers starve the holds behind them (a bounded pool waits, it never sheds).
      connections: null,
      pipelining: 1,
      keepAliveTimeout: 10_000,
      headersTimeout: settings.upstreamTimeoutMs,
      bodyTimeout: 0, // per request: the route's timeout, or none for a streaming answer
      connect: { timeout: settings.connectTimeoutMs, rejectUnauthorized: true },
    },
  });
  registerRequestLog(app);

  const guard: EdgeGuard = async (request, reply, access, limitClass) => {
    let refusal: unknown;
    try {
      request.identity = await verifier.identify(request.headers.authorization);
    } catch (error) {
      // A stale or revoked token must not stop anyone from browsing or logging in again; a garbled header is a bug.
      const malformed = (error as { code?: string }).code === 'malformed_authorization';
      if (access !== 'public' || malformed) refusal = error;
      request.identity = undefined;
    }
    request.caller = undefined;
    // Refused requests count too, so guessing tokens or hammering a route one may not call is limited as well.
    try {
      await limiter.hit(limitClass, { identity: request.identity, ip: request.ip }, reply);
    } catch (error) {
      if (error instanceof RateLimitedError) metrics.rateLimited.inc({ class: limitClass });
      throw error;
    }
    if (refusal) throw refusal;
    checkAccess(access, request);
  };

  // Streams (SSE) never end by themselves: a closing gateway ends them, and browsers reconnect elsewhere.
  const openStreams = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const stream of openStreams) stream.destroy();
  });
  const proxyDeps: ProxyDeps = {
    registry,
    tokens: context.tokens,
    bodyLimitBytes: settings.bodyLimitBytes,
    breakerResetMs: settings.breaker.resetTimeoutMs,
    onStream: (stream) => {
      openStreams.add(stream);
      stream.once('close', () => openStreams.delete(stream));
    },
    onOutcome: (service, outcome) => metrics.upstreamOutcomes.inc({ upstream: service, outcome }),
  };

  await registerProxy(app, { settings, routeTable, guard, proxyDeps });
  app.get('/.well-known/jwks.json', { schema: { hide: true } }, async (request, reply) => {
    await guard(request, reply, 'public', 'default');
    const target = { service: 'user' as const, timeoutMs: settings.upstreamTimeoutMs, streaming: false };
    return proxyTo(proxyDeps, request, reply, target, undefined);
  });

  const aggregator = new OpenApiAggregator({
    registry,
    services: () => [...new Set(routeTable.current.view.routes.map((route) => route.service))],
    own: () => app.swagger() as Record<string, unknown>,
    reachable: (service, method, path) => {
      // The gateway's own routes and the JWKS it proxies are not in the route table.
      if (service === 'gateway' || path.startsWith('/.well-known/')) return true;
      const found = lookupRoute(routeTable.current.compiled, method, path);
      return found.kind === 'found' && found.rule.service === service;
    },
  });
  await app.register(async (adminScope) => {
    adminScope.addHook('onRequest', async (request, reply) => {
      const access = request.routeOptions.config?.access;
      if (access !== undefined) await guard(request, reply, access, 'default');
    });
    registerAdminRoutes(adminScope as HttpApp, { routeTable, registry });
  });
  await registerApiDocs(app, aggregator);
  await registerWebApp(app, settings.webDir);

  return {
    app,
    async startWorkers() {
      registry.start();
    },
    async stopWorkers() {
      await routeTable.stop();
      await registry.stop();
      await aggregator.close();
    },
  };
}

async function registerCors(app: HttpApp, settings: GatewayConfig): Promise<void> {
  const allowed = settings.corsOrigins;
  // No Origin (same-origin, or not a browser) or an origin not listed: no CORS headers, so a browser refuses.
  const allowOrigin = (origin: string | undefined): string | false => {
    if (origin === undefined) return false;
    if (allowed === '*') return '*';
    return allowed.includes(origin) ? origin : false;
  };
  await app.register(cors, {
    origin: (origin, callback) => callback(null, allowOrigin(origin)),
    credentials: settings.corsCredentials,
    methods: [...ROUTE_METHODS],
    allowedHeaders: [
      'Authorization',
      'Content-Type',
      'Idempotency-Key',
      'Queue-Token',
      'X-Request-Id',
      'Last-Event-ID',
    ],
    exposedHeaders: [
      'X-Request-Id',
      'Location',
      'Retry-After',
      'RateLimit-Limit',
      'RateLimit-Remaining',
      'RateLimit-Reset',
      'RateLimit-Policy',
    ],
    maxAge: 600,
  });
}

async function registerProxy(
  app: HttpApp,
  deps: { settings: GatewayConfig; routeTable: RouteTableStore; guard: EdgeGuard; proxyDeps: ProxyDeps },
): Promise<void> {
  const { settings, routeTable, guard, proxyDeps } = deps;
  const limit = settings.bodyLimitBytes;
  const rules = new WeakMap<FastifyRequest, RouteRule>();
  await app.register(async (proxyScope) => {
    // Bodies pass through as streams (docs/adr/0006): nothing is buffered or parsed here.
    proxyScope.removeAllContentTypeParsers();
    proxyScope.addContentTypeParser('*', (request, payload, done) => {
      if (declaredLengthExceeds(request.headers['content-length'], limit))
        return done(new PayloadTooLargeError(limit));
      done(
        null,
        limitBodySize(payload, limit, () => {
          request.bodyTooLarge = true;
        }),
      );
    });
    proxyScope.addHook('onRequest', async (request, reply) => {
      const lookup = lookupRoute(routeTable.current.compiled, request.method, request.url);
      if (lookup.kind === 'bad_path') throw new BadPathError();
      if (lookup.kind === 'not_found')
        return sendProblem(
          reply,
          request,
          404,
          'route_not_found',
          `No route for ${request.method} ${request.url.split('?')[0]}`,
        );
      if (lookup.kind === 'method_not_allowed') {
        reply.header('allow', lookup.allowed.join(', '));
        throw new MethodNotAllowedError(request.method, lookup.allowed);
      }
      if (declaredLengthExceeds(request.headers['content-length'], limit)) {
        reply.header('connection', 'close');
        throw new PayloadTooLargeError(limit);
      }
      rules.set(request, lookup.rule);
      await guard(request, reply, lookup.rule.access, lookup.rule.rateLimit ?? 'default');
    });
    proxyScope.route({
      method: [...ROUTE_METHODS],
      url: '/api/*',
      // The route table decides who may call what (in the hook above); this catch-all is only the door.
      config: { access: 'public' },
      schema: { hide: true },
      handler: async (request, reply) => {
        const rule = rules.get(request)!;
        return proxyTo(
          proxyDeps,
          request,
          reply,
          {
            service: rule.service as ServiceName,
            timeoutMs: rule.timeoutMs ?? settings.upstreamTimeoutMs,
            streaming: rule.streaming ?? false,
          },
          request.identity,
        );
      },
    });
  });
}

/** One line per request: who, what, where it went, how it ended, how long it took. */
function registerRequestLog(app: HttpApp): void {
  app.addHook('onResponse', async (request, reply) => {
    const path = request.url.split('?')[0]!;
    const quiet = path.startsWith('/actuator');
    request.log[quiet ? 'debug' : 'info'](
      {
        method: request.method,
        path,
        status: reply.statusCode,
        latencyMs: Math.round(reply.elapsedTime * 10) / 10,
        userId: request.identity?.userId,
        ip: request.ip,
        upstream: request.upstream?.service,
        instance: request.upstream?.instance,
        attempts: request.upstream?.attempts,
      },
      'request completed',
    );
  });
}

function registerGatewayMetrics(app: HttpApp, registry: UpstreamRegistry) {
  const upstreamOutcomes = new Counter({
    name: 'gateway_upstream_outcomes_total',
    help: 'Proxied requests by upstream service and outcome (2xx..5xx, timeout, unreachable, circuit_open, ...)',
    labelNames: ['upstream', 'outcome'],
    registers: [app.metrics],
  });
  const rateLimited = new Counter({
    name: 'gateway_rate_limited_total',
    help: 'Requests answered 429, by rate-limit class',
    labelNames: ['class'],
    registers: [app.metrics],
  });
  new Gauge({
    name: 'gateway_upstream_instance_healthy',
    help: '1 when the instance is in rotation, 0 when its health checks fail',
    labelNames: ['upstream', 'instance'],
    registers: [app.metrics],
    collect() {
      this.reset();
      for (const pool of registry.all())
        for (const instance of pool.instances)
          this.set({ upstream: pool.service, instance: instance.url }, instance.healthy ? 1 : 0);
    },
  });
  new Gauge({
    name: 'gateway_circuit_open',
    help: '1 while the circuit of the instance is open or half-open, 0 while closed',
    labelNames: ['upstream', 'instance'],
    registers: [app.metrics],
    collect() {
      this.reset();
      for (const pool of registry.all())
        for (const instance of pool.instances)
          this.set(
            { upstream: pool.service, instance: instance.url },
            circuitOf(instance) === 'closed' ? 0 : 1,
          );
    },
  });
  return { upstreamOutcomes, rateLimited };
}
