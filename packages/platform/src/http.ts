// The http kit: one factory building every service's Fastify app the same way —
// TypeBox schemas, problem+json errors, request ids, pino, actuator health,
// Prometheus metrics, an OpenAPI document, access rules checked on every route.
import swagger from '@fastify/swagger';

// Re-exported so services see swagger's schema fields (`hide`, `tags`) on their routes.
export type { SwaggerOptions } from '@fastify/swagger';

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv, type Options as AjvOptions } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { Identity, InternalClaims, InternalTokens, Role } from './auth.js';
import { INTERNAL_TOKEN_HEADER } from './auth.js';
import { newId } from './clock.js';
import { isDatabaseUnavailable } from './database/pool.js';
import { AppError, ForbiddenError, problem, UnauthorizedError, ValidationError } from './errors.js';
import { MAX_BODY_NESTING, nestsDeeperThan } from './json-nesting.js';
import type { Logger } from './logger.js';
import { findUnstorableText } from './storable-text.js';
import { flushTracing, isTracing } from './tracing.js';
import { installRequestTracing, tracedServerFactory } from './tracing-http.js';

/**
 * Who may call a route: anyone (still through the gateway), any signed-in user,
 * users with one of the roles (and, with `services`, other services), or services only.
 */
export type Access = 'public' | 'authenticated' | 'internal' | { roles: Role[]; services?: boolean };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    /** The end user, when the internal token carries one. */
    identity: Identity | undefined;
    /** The calling service, from the internal token. */
    caller: string | undefined;
  }
}

export type HealthCheck = () => Promise<void>;

export interface HttpAppOptions {
  service: string;
  version?: string;
  description?: string;
  logger: Logger;
  tokens: InternalTokens;
  /** Named checks of what the service cannot work without (`db`) → /actuator/health/<name>. */
  healthChecks?: Record<string, HealthCheck>;
  /**
   * Checks of what it works on without (`redis`: the cache and rate limits fail open; `kafka`:
   * the outbox keeps events until the broker is back). Reported, and /actuator/health answers
   * 200 DEGRADED: a load balancer must not take every instance out when Redis restarts.
   */
  degradedBy?: Record<string, HealthCheck>;
  bodyLimitBytes?: number;
  /** Whether /api routes require the internal token (false only for the gateway, the edge). */
  requireInternalToken?: boolean;
  /** Which proxies in front may set X-Forwarded-For (Fastify's trustProxy); none by default. */
  trustProxy?: boolean | string | string[];
  /** For a service that logs its own line per request (the gateway: the edge's access log, at info). */
  disableRequestLogging?: boolean;
  /** /api paths registered by third-party plugins that serve no data (the gateway's Swagger UI), exempt from declaring access. */
  accessExemptPrefixes?: string[];
}

export type HttpApp = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
> & { metrics: Registry };

const addFormats = ((addFormatsPlugin as unknown as { default?: unknown }).default ?? addFormatsPlugin) as (
  ajv: Ajv,
) => Ajv;

function fieldOf(error: FastifyError): string | undefined {
  const first = error.validation?.[0];
  if (!first) return undefined;
  const params = first.params as Record<string, unknown>;
  const base = (first.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
  const child = (params.missingProperty ?? params.additionalProperty) as string | undefined;
  const path = child ? (base ? `${base}.${child}` : child) : base;
  return path || error.validationContext;
}

function validationDetail(error: FastifyError, field: string | undefined): string {
  const first = error.validation?.[0];
  const params = (first?.params ?? {}) as Record<string, unknown>;
  if (first?.keyword === 'required') return `${field} is required`;
  if (first?.keyword === 'additionalProperties') return `${field} is not an accepted field`;
  if (first?.keyword === 'maxLength') return `${field} must be at most ${params.limit} characters`;
  if (first?.keyword === 'minLength') return `${field} must be at least ${params.limit} characters`;
  if (first?.keyword === 'format') return `${field} must be a valid ${params.format}`;
  return `${field ?? error.validationContext} ${first?.message ?? 'is invalid'}`;
}

export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  code: string,
  detail: string,
  extras: Record<string, unknown> = {},
) {
  return reply
    .status(status)
    .type('application/problem+json')
    .send(problem(status, code, detail, { instance: request.url, requestId: request.id, ...extras }));
}

/** A Fastify error's code as a problem code: `FST_ERR_CTP_INVALID_MEDIA_TYPE` → `ctp_invalid_media_type`. */
const problemCodeOf = (error: FastifyError) =>
  (error.code ?? 'bad_request').toLowerCase().replace(/^fst_err_/, '');

export async function createHttpApp(options: HttpAppOptions): Promise<HttpApp> {
  const app = Fastify({
    loggerInstance: options.logger.child({ service: options.service }),
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && /^[\w.-]{1,100}$/.test(incoming) ? incoming : newId();
    },
    bodyLimit: options.bodyLimitBytes ?? 1_048_576,
    trustProxy: options.trustProxy ?? false,
    // Fastify's own two lines per request are replaced by one line at debug (onResponse below).
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    // What the router refuses before any hook runs (a path whose percent-encoding is not UTF-8, a
    // path parameter over the length limit) is a problem like every other answer.
    frameworkErrors: (error, request, reply) => {
      const code = problemCodeOf(error);
      return sendProblem(reply, request, error.statusCode ?? 400, code, error.message);
    },
    forceCloseConnections: 'idle',
    ...(isTracing() ? { serverFactory: tracedServerFactory(options.service) } : {}),
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as HttpApp;
  if (isTracing()) {
    // First of all hooks, so every later one runs inside the request's span.
    installRequestTracing(app, options.service);
    app.addHook('onClose', () => flushTracing(options.service));
  }

  // Bodies are validated strictly (a number is not a name); query strings and path
  // parameters arrive as text, so there numbers and booleans are coerced.
  const ajvOptions: AjvOptions = {
    removeAdditional: false,
    useDefaults: true,
    allErrors: false,
    strict: false,
  };
  const bodyValidator = addFormats(new Ajv({ ...ajvOptions, coerceTypes: false }));
  const textValidator = addFormats(new Ajv({ ...ajvOptions, coerceTypes: 'array' }));
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? bodyValidator : textValidator).compile(schema as object),
  );

  const metrics = new Registry();
  metrics.setDefaultLabels({ service: options.service });
  collectDefaultMetrics({ register: metrics });
  app.decorate('metrics', metrics);
  const requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [metrics],
  });
  const requestErrors = new Counter({
    name: 'http_server_errors_total',
    help: 'Answers with a 5xx status',
    labelNames: ['route'],
    registers: [metrics],
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: `${options.service} service`,
        version: options.version ?? '0.1.0',
        description: options.description,
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
  });

  app.decorateRequest('identity', undefined);
  app.decorateRequest('caller', undefined);

  // Every /api route must state who may call it; a route that forgets fails the start, not an audit.
  app.addHook('onRoute', (route) => {
    const exempt = options.accessExemptPrefixes?.some((prefix) => route.url.startsWith(prefix)) ?? false;
    if (route.url.startsWith('/api/') && route.config?.access === undefined && !exempt) {
      throw new Error(`route ${route.method} ${route.url} does not declare its access (config.access)`);
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    const access = request.routeOptions.config?.access;
    // actuator, metrics, docs and 404s need no token; the gateway (the edge) authorizes with its route table.
    if (access === undefined || options.requireInternalToken === false) return;
    const header = request.headers[INTERNAL_TOKEN_HEADER];
    const claims: InternalClaims | undefined = await options.tokens.verify(
      typeof header === 'string' ? header : undefined,
    );
    if (!claims)
      throw new UnauthorizedError('a valid internal service token is required', 'internal_token_required');
    request.caller = claims.service;
    request.identity = claims.user;
    checkAccess(access, request);
  });

  // Text PostgreSQL cannot store (NUL, lone surrogates) is refused here, for every route of every
  // service, before any schema or handler sees it: otherwise the statement fails and the service
  // answers 500 to an input error. Headers are walked too (Node already refuses NUL in them).
  app.addHook('preValidation', async (request) => {
    // Only a parsed body can nest (a stream is not walked); checked first, so the walk below is bounded.
    if (
      request.body !== null &&
      typeof request.body === 'object' &&
      nestsDeeperThan(request.body, MAX_BODY_NESTING)
    )
      throw new ValidationError(
        'body',
        `body nests objects and arrays more than ${MAX_BODY_NESTING} levels deep`,
      );
    // A catch-all route's `*` is a path passed on (the gateway's proxy): the service behind names the field.
    const { '*': _passedOn, ...pathParameters } = (request.params ?? {}) as Record<string, unknown>;
    const parts = [
      ['body', request.body],
      ['query', request.query],
      ['path', pathParameters],
      ['headers', request.headers],
    ] as const;
    for (const [part, value] of parts) {
      const found = findUnstorableText(value);
      if (!found) continue;
      const field = part === 'headers' ? `headers.${found.field}` : found.field || part;
      throw new ValidationError(
        field,
        `${field} (in the ${part}) contains ${found.what}, which is not accepted`,
      );
    }
  });

  // Node keeps a connection alive after its answer even while the server closes, so a request
  // in flight at close() would hold the close for the whole keep-alive timeout (72 s).
  // Answers sent during the close therefore end their connection.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });

  // Behind the gateway, whose access log has every request at info with its request id, a line
  // per hop at info was most of the log volume of an on-sale (eleven hops a purchase) and a
  // fifth of the services' CPU: the hop's line is debug.
  const logsRequests = options.disableRequestLogging !== true;
  app.addHook('onResponse', async (request, reply) => {
    if (logsRequests && (request.log as Logger).isLevelEnabled('debug'))
      request.log.debug(
        {
          method: request.method,
          // The path only, as in the gateway's access log: a query can carry what a person typed.
          path: request.url.split('?')[0],
          status: reply.statusCode,
          latencyMs: Math.round(reply.elapsedTime * 10) / 10,
          caller: request.caller,
        },
        'request completed',
      );
    const route = request.routeOptions.url ?? 'unmatched';
    requestDuration.observe(
      { method: request.method, route, status: reply.statusCode },
      reply.elapsedTime / 1000,
    );
    if (reply.statusCode >= 500) requestErrors.inc({ route });
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) {
      const field = fieldOf(error);
      return sendProblem(reply, request, 400, 'validation_failed', validationDetail(error, field), { field });
    }
    if (error instanceof AppError) {
      if (!error.trusted || error.status >= 500) request.log.error({ err: error }, error.message);
      if (error.status === 429 && typeof error.extras.retryAfterSeconds === 'number') {
        reply.header('retry-after', String(error.extras.retryAfterSeconds));
      }
      return sendProblem(reply, request, error.status, error.code, error.message, error.extras);
    }
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, 'database unavailable');
      return sendProblem(
        reply,
        request,
        503,
        'database_unavailable',
        'The database is unavailable; try again shortly',
      );
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code = problemCodeOf(error);
      return sendProblem(reply, request, status, code, error.message);
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(
      reply,
      request,
      500,
      'internal_error',
      'An unexpected error occurred; it has been logged',
    );
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      request,
      404,
      'route_not_found',
      `No route for ${request.method} ${request.url.split('?')[0]}`,
    ),
  );

  const critical = options.healthChecks ?? {};
  const checks = { ...options.degradedBy, ...critical };
  // A check of what the service works without gets less time: the whole answer must still
  // reach a load balancer's probe (the gateway waits 2 s) while Redis or Kafka hangs.
  const runCheck = async (check: HealthCheck, timeoutMs = 2_500) => {
    try {
      await Promise.race([
        check(),
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error('health check timed out')), timeoutMs).unref(),
        ),
      ]);
      return { status: 'UP' as const };
    } catch (error) {
      return { status: 'DOWN' as const, error: (error as Error).message };
    }
  };
  // Readiness: 503 only when a check the service cannot work without fails.
  const health = async (_request: FastifyRequest, reply: FastifyReply) => {
    const components: Record<string, { status: 'UP' | 'DOWN'; error?: string }> = {};
    await Promise.all(
      Object.entries(checks).map(
        async ([name, check]) => (components[name] = await runCheck(check, name in critical ? 2_500 : 1_000)),
      ),
    );
    const down = Object.keys(components).filter((name) => components[name]!.status === 'DOWN');
    const status = down.some((name) => name in critical) ? 'DOWN' : down.length > 0 ? 'DEGRADED' : 'UP';
    return reply.status(status === 'DOWN' ? 503 : 200).send({ status, service: options.service, components });
  };
  app.get('/actuator/health', { schema: { hide: true } }, health);
  app.get('/actuator/health/readiness', { schema: { hide: true } }, health);
  // Liveness: the process answers. Restarting it would not bring a database back.
  app.get('/actuator/health/liveness', { schema: { hide: true } }, async () => ({
    status: 'UP',
    service: options.service,
  }));
  for (const [name, check] of Object.entries(checks)) {
    app.get(`/actuator/health/${name}`, { schema: { hide: true } }, async (_request, reply) => {
      const result = await runCheck(check);
      return reply.status(result.status === 'UP' ? 200 : 503).send(result);
    });
  }
  // /metrics is not served here but on the process's management port (management.ts).
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  return app;
}

export function checkAccess(access: Access, request: FastifyRequest): void {
  if (access === 'public') return;
  if (access === 'internal') {
    if (!request.caller || request.caller === 'gateway')
      throw new ForbiddenError('only services may call this route');
    return;
  }
  const fromService = request.caller !== undefined && request.caller !== 'gateway';
  if (typeof access === 'object' && access.services && fromService && !request.identity) return;
  if (!request.identity) throw new UnauthorizedError();
  if (access === 'authenticated') return;
  if (!access.roles.some((role) => request.identity!.roles.includes(role))) {
    throw new ForbiddenError(`this needs one of the roles ${access.roles.join(', ')}`);
  }
}

/** The identity of a route declared `authenticated` or with roles (the hook guarantees it). */
export function requireIdentity(request: FastifyRequest): Identity {
  if (!request.identity) throw new UnauthorizedError();
  return request.identity;
}
