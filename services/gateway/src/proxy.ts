// Forwards one request to an instance of a service and streams the answer back (reply-from
// over undici): a fresh internal token carries the verified identity; each attempt runs in
// its instance's circuit breaker; an idempotent request without a body that meets a dead or
// draining instance is retried once on another; failures become problem+json.

import type { ServerResponse } from 'node:http';
import {
  AppError,
  type Identity,
  INTERNAL_TOKEN_HEADER,
  type InternalTokens,
  type ServiceName,
  sendProblem,
  startOutgoingCall,
} from '@ticketing/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  BadGatewayError,
  BadUrlError,
  CircuitOpenError,
  PayloadTooLargeError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from './errors.js';
import type { UpstreamInstance, UpstreamPool, UpstreamRegistry } from './upstreams.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Where the gateway sent the request, for the request log. */
    upstream: { service: ServiceName; instance: string | undefined; attempts: number } | undefined;
    /** Set when a streamed body went over the limit. */
    bodyTooLarge: boolean;
  }
}

export interface ForwardTarget {
  service: ServiceName;
  timeoutMs: number;
  /** A long-lived answer (SSE): only the wait for its headers is limited. */
  streaming: boolean;
}

export interface ProxyDeps {
  registry: UpstreamRegistry;
  tokens: InternalTokens;
  bodyLimitBytes: number;
  /** How long an open circuit stays open, told to clients as Retry-After. */
  breakerResetMs: number;
  /** Called with each streaming answer (SSE) once it starts, so a closing gateway can end it. */
  onStream?(response: ServerResponse): void;
  /** Counts each finished exchange by service and outcome (`2xx`…`5xx`, `timeout`, `unreachable`…). */
  onOutcome?(service: ServiceName, outcome: string): void;
}

/** Methods that mean the same thing when sent twice (RFC 9110 §9.2.2). */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
/** The connection never reached the instance: safe to try another, and the instance is out. */
const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
]);
/** The connection broke after the request went out: the instance may have acted on it. */
const RESET_ERRORS = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE', 'UND_ERR_CLOSED']);
const TIMEOUT_ERRORS = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'FST_REPLY_FROM_GATEWAY_TIMEOUT',
]);
/** Request headers that describe this hop only, or that only the gateway may set. */
const DROPPED_REQUEST_HEADERS = [
  'authorization',
  'cookie',
  'expect',
  'upgrade',
  'te',
  'trailer',
  'keep-alive',
  'proxy-authorization',
  'proxy-connection',
  INTERNAL_TOKEN_HEADER,
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'forwarded',
];
const DROPPED_RESPONSE_HEADERS = [
  'connection',
  'keep-alive',
  'transfer-encoding',
  'proxy-authenticate',
  'trailer',
  'upgrade',
];

type Failure = 'connect' | 'reset' | 'timeout' | 'draining' | 'body_too_large' | 'bad_url' | 'other';

function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

function classify(error: unknown, request: FastifyRequest): Failure {
  if (request.bodyTooLarge) return 'body_too_large';
  const codes = codesOf(error);
  if (codes.some((code) => CONNECT_ERRORS.has(code))) return 'connect';
  if (codes.some((code) => TIMEOUT_ERRORS.has(code))) return 'timeout';
  if (codes.some((code) => RESET_ERRORS.has(code))) return 'reset';
  return 'other';
}

/** One attempt on one instance failed before anything reached the client. */
class AttemptFailed extends Error {
  constructor(
    readonly failure: Failure,
    readonly detail: string,
  ) {
    super(`${failure}: ${detail}`);
  }

  /**
   * Not the instance's fault (a body over the limit, a URL that cannot be sent), or a 503
   * answered on purpose (draining): the breaker does not count it as a failure.
   */
  get ignoredByBreaker(): boolean {
    return this.failure === 'body_too_large' || this.failure === 'draining' || this.failure === 'bad_url';
  }
}

/** Answers passed on to the client that still count as a failure of the instance. */
const INSTANCE_FAILING_STATUSES = new Set([502, 504]);

/** A 502 or 504 answer that was passed on to the client: a failure for the breaker, nothing more to send. */
class AnsweredWithServerError extends Error {}

/** The label of a failure in the gateway_upstream_outcomes_total metric. */
const outcomeOf = (failure: Failure | 'circuit_open') => (failure === 'connect' ? 'unreachable' : failure);

/** What the client gets when every attempt failed. */
function problemFor(failure: Failure, target: ForwardTarget, bodyLimitBytes: number): Error {
  switch (failure) {
    case 'body_too_large':
      return new PayloadTooLargeError(bodyLimitBytes);
    case 'bad_url':
      return new BadUrlError();
    case 'timeout':
      return new UpstreamTimeoutError(target.service, target.timeoutMs);
    case 'connect':
    case 'draining':
      return new UpstreamUnavailableError(target.service, 'no instance could take the request');
    case 'reset':
      return new BadGatewayError(target.service, 'dropped the connection before answering');
    default:
      return new BadGatewayError(target.service, 'could not be reached through the gateway');
  }
}

/**
 * Forwards the request and answers it. A service that is down, cut off or slow is an expected
 * condition at the edge: it gets a problem answer with Retry-After and one warning, not an
 * error log with a stack per request.
 */
export async function proxyTo(
  deps: ProxyDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  target: ForwardTarget,
  identity: Identity | undefined,
): Promise<FastifyReply> {
  try {
    await forward(deps, request, reply, target, identity);
  } catch (error) {
    if (!(error instanceof AppError) || error.status < 502 || error.status > 504) throw error;
    request.log.warn({ upstream: target.service, code: error.code }, error.message);
    if (error.code === 'circuit_open')
      reply.header('retry-after', String(Math.ceil(deps.breakerResetMs / 1000)));
    else if (error.status === 503) reply.header('retry-after', '1');
    return sendProblem(reply, request, error.status, error.code, error.message);
  }
  return reply;
}

export async function forward(
  deps: ProxyDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  target: ForwardTarget,
  identity: Identity | undefined,
): Promise<void> {
  const pool = deps.registry.pool(target.service);
  const token = await deps.tokens.issue(
    identity ? { service: 'gateway', user: identity } : { service: 'gateway' },
  );
  const retryable =
    request.body === undefined &&
    (IDEMPOTENT_METHODS.has(request.method) || request.headers['idempotency-key'] !== undefined);
  const tried = new Set<string>();
  const state = { answered: false };
  let lastFailure: Failure | undefined;
  request.upstream = { service: target.service, instance: undefined, attempts: 0 };
  for (;;) {
    const instance = pool.pick(tried);
    if (!instance) {
      // Nothing left to try: the last failure says why, else every instance is cut off by its breaker.
      deps.onOutcome?.(target.service, outcomeOf(lastFailure ?? 'circuit_open'));
      if (lastFailure) throw problemFor(lastFailure, target, deps.bodyLimitBytes);
      throw pool.instances.length > 0
        ? new CircuitOpenError(target.service)
        : new UpstreamUnavailableError(target.service, 'no instance is configured');
    }
    tried.add(instance.url);
    request.upstream = { service: target.service, instance: instance.url, attempts: tried.size };
    const mayRetry = () => retryable && tried.size < 2 && pool.pick(tried) !== undefined;
    try {
      await instance.breaker.fire(() =>
        attempt(deps, request, reply, target, pool, instance, token, mayRetry, state),
      );
      return;
    } catch (error) {
      if (state.answered) return; // the service's own 5xx answer already went to the client
      if ((error as { code?: string }).code === 'EOPENBREAKER') {
        // Opened between the pick and the call (or half-open with its probe under way): another instance may do.
        continue;
      }
      if (!(error instanceof AttemptFailed)) throw error;
      lastFailure = error.failure;
      const retriesHelp =
        error.failure === 'connect' || error.failure === 'reset' || error.failure === 'draining';
      if (retriesHelp && mayRetry()) continue;
      deps.onOutcome?.(target.service, outcomeOf(error.failure));
      if (error.failure === 'body_too_large') reply.header('connection', 'close'); // the rest is not worth reading
      if (error.failure === 'other')
        request.log.error({ err: error, upstream: target.service }, 'proxying failed');
      throw problemFor(error.failure, target, deps.bodyLimitBytes);
    }
  }
}

/** One try on one instance: resolves once the answer is on its way to the client. */
function attempt(
  deps: ProxyDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  target: ForwardTarget,
  pool: UpstreamPool,
  instance: UpstreamInstance,
  token: string,
  mayRetry: () => boolean,
  state: { answered: boolean },
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    // The client span of this attempt: ends when the instance answers (headers in) or fails.
    const span = startOutgoingCall(
      'gateway',
      target.service,
      request.method,
      `${instance.url}${request.url}`,
    );
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else resolve();
    };
    // A client that goes away before the service answers ends the attempt without an outcome.
    reply.raw.once('close', () => {
      span?.end();
      settle();
    });
    try {
      reply.from(`${instance.url}${request.url}`, {
        timeout: target.streaming ? undefined : target.timeoutMs,
        // reply-from would retry a GET answered 503 up to ten times on the same instance; retries are decided here.
        retryDelay: () => null,
        rewriteRequestHeaders: (_original, headers) => {
          const forwarded: Record<string, string | string[] | number | undefined> = { ...headers };
          for (const name of DROPPED_REQUEST_HEADERS) delete forwarded[name];
          if (!hasBodyToSend(request)) {
            delete forwarded['content-length'];
            delete forwarded['transfer-encoding'];
          }
          forwarded[INTERNAL_TOKEN_HEADER] = token;
          forwarded['x-request-id'] = request.id;
          forwarded['x-forwarded-for'] = request.ip;
          forwarded['x-forwarded-proto'] = request.protocol;
          forwarded['x-forwarded-host'] = request.host;
          if (span) Object.assign(forwarded, span.headers);
          return forwarded as typeof headers;
        },
        rewriteHeaders: (headers) => {
          const passed = { ...headers };
          for (const name of DROPPED_RESPONSE_HEADERS) delete passed[name];
          return passed;
        },
        onResponse: (_request, proxyReply, raw) => {
          // reply-from hands over undici's answer, typed loosely as a server response.
          const response = raw as unknown as {
            statusCode: number;
            headers: Record<string, unknown>;
            stream: NodeJS.ReadableStream & { resume(): void };
          };
          span?.end(response.statusCode);
          // A draining instance answers 503 to new requests: another instance can take this one.
          if (response.statusCode === 503 && mayRetry()) {
            response.stream.resume();
            for (const name of Object.keys(response.headers)) proxyReply.removeHeader(name);
            return settle(new AttemptFailed('draining', 'answered 503'));
          }
          state.answered = true;
          if (target.streaming) deps.onStream?.(proxyReply.raw as ServerResponse);
          proxyReply.send(response.stream);
          // Only an instance failing counts for its breaker: 502 and 504 (what it depends on is gone or
          // too slow). A 500 is one request going wrong, which any client could repeat to cut every
          // other client off; a 503 is the service already failing fast on its own (its database is
          // down, it is draining), where an open circuit would only delay the recovery
          // (docs/adr/0026-breakers-count-upstream-failures.md).
          const failed = INSTANCE_FAILING_STATUSES.has(response.statusCode);
          settle(failed ? new AnsweredWithServerError(`answered ${response.statusCode}`) : undefined);
        },
        onError: (_proxyReply, { error }) => {
          span?.end(undefined, error);
          const failure = classify(error, request);
          if (failure === 'connect')
            pool.markUnreachable(instance, codesOf(error).at(-1) ?? 'connection failed');
          const attemptFailed = new AttemptFailed(failure, (error as Error)?.message ?? String(error));
          settle(attemptFailed);
        },
      });
    } catch (error) {
      // reply-from refuses before sending a URL it cannot decode (`%ED%A0%80`) or one with `..`
      // in its query: the client's doing, which must not count against the instance.
      span?.end(undefined, error);
      const refused = error instanceof URIError || (error as { statusCode?: unknown }).statusCode === 400;
      settle(refused ? new AttemptFailed('bad_url', (error as Error).message) : (error as Error));
    }
  });
}

/** Whether the request carries a body to forward (the streaming parser ran). */
function hasBodyToSend(request: FastifyRequest): boolean {
  return request.body !== undefined && request.method !== 'GET' && request.method !== 'HEAD';
}
