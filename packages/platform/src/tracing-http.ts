// Spans of HTTP: a server span for each request a service takes (its W3C traceparent
// extracted), and a client span for each call it makes (traceparent injected). The server span
// starts in the HTTP server's own request callback, so everything Fastify does for the request
// — its request log lines included — runs inside the span's context.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type Context, context, type Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { endSpan, extractTraceContext, injectTraceContext, isTracing, startSpan } from './tracing.js';

/** Probes and scrapes, polled all day, and the web app's hashed files: never worth a trace. */
const UNTRACED_PATHS = /^\/(actuator|metrics|assets)(\/|\?|$)/;

interface ServerSpan {
  span: Span;
  context: Context;
  ended: boolean;
}

const serverSpans = new WeakMap<IncomingMessage, ServerSpan>();

function endServerSpan(entry: ServerSpan, status: number): void {
  if (entry.ended) return;
  entry.ended = true;
  entry.span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
  if (status >= 500) entry.span.setStatus({ code: SpanStatusCode.ERROR });
  entry.span.end();
}

function startServerSpan(service: string, req: IncomingMessage, res: ServerResponse): ServerSpan | undefined {
  const url = req.url ?? '/';
  if (UNTRACED_PATHS.test(url)) return undefined;
  const method = req.method ?? 'GET';
  const started = startSpan(method, {
    kind: SpanKind.SERVER,
    service,
    parent: extractTraceContext(req.headers),
    attributes: {
      [ATTR_HTTP_REQUEST_METHOD]: method,
      [ATTR_URL_PATH]: url.split('?')[0],
      [ATTR_CLIENT_ADDRESS]: req.socket?.remoteAddress,
    },
  });
  if (!started) return undefined;
  const entry: ServerSpan = { ...started, ended: false };
  serverSpans.set(req, entry);
  // 'close' comes for every answer, finished or aborted.
  res.once('close', () => endServerSpan(entry, res.statusCode));
  return entry;
}

/**
 * Fastify's serverFactory when tracing is on: a plain HTTP server, set up as Fastify would
 * (timeouts), whose request callback runs Fastify inside the request's server span.
 */
export function tracedServerFactory(service: string): FastifyServerOptions['serverFactory'] {
  return ((handler: (req: IncomingMessage, res: ServerResponse) => void, options: FastifyServerOptions) => {
    const server: Server = createServer((req, res) => {
      const entry = startServerSpan(service, req, res);
      if (!entry) return handler(req, res);
      context.with(entry.context, () => handler(req, res));
    });
    server.keepAliveTimeout = options.keepAliveTimeout ?? 72_000;
    server.requestTimeout = options.requestTimeout ?? 0;
    server.setTimeout(options.connectionTimeout ?? 0);
    return server;
  }) as FastifyServerOptions['serverFactory'];
}

/**
 * Names server spans after their route, and re-enters the span's context after the body is
 * read (the body's stream events come from outside it). Requests made with app.inject(), which
 * bypass the server, get their span here.
 */
export function installRequestTracing(app: FastifyInstance, service: string): void {
  app.addHook('onRequest', (request, reply, done) => {
    const entry = serverSpans.get(request.raw) ?? startServerSpan(service, request.raw, reply.raw);
    if (!entry) return done();
    const route = request.routeOptions.url;
    if (route) {
      entry.span.updateName(`${request.method} ${route}`);
      entry.span.setAttribute(ATTR_HTTP_ROUTE, route);
    }
    entry.span.setAttribute('http.request.id', request.id);
    context.with(entry.context, done);
  });
  app.addHook('preHandler', (request, _reply, done) => {
    const entry = serverSpans.get(request.raw);
    if (!entry) return done();
    context.with(entry.context, done);
  });
  app.addHook('onError', (request, _reply, error, done) => {
    serverSpans.get(request.raw)?.span.recordException(error);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const entry = serverSpans.get(request.raw);
    if (entry) endServerSpan(entry, reply.statusCode);
    done();
  });
}

/** A client span of one outgoing HTTP call; put its headers on the request. */
export interface OutgoingCallSpan {
  /** traceparent (and tracestate) naming this span as the callee's parent. */
  headers: Record<string, string>;
  end(status?: number, error?: unknown): void;
}

/**
 * Starts the client span of a call from `service` to `target` — only inside a trace: a call
 * with no request or event behind it (a background check) starts none.
 */
export function startOutgoingCall(
  service: string,
  target: string,
  method: string,
  targetUrl: URL | string,
): OutgoingCallSpan | undefined {
  if (!isTracing()) return undefined;
  const url = typeof targetUrl === 'string' ? new URL(targetUrl) : targetUrl;
  const started = startSpan(`${method} ${target}`, {
    kind: SpanKind.CLIENT,
    service,
    requireParent: true,
    attributes: {
      [ATTR_HTTP_REQUEST_METHOD]: method,
      [ATTR_URL_FULL]: `${url.origin}${url.pathname}`,
      [ATTR_SERVER_ADDRESS]: url.hostname,
      [ATTR_SERVER_PORT]: Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
      'peer.service': `ticketing-${target}`,
    },
  });
  if (!started) return undefined;
  const headers: Record<string, string> = {};
  // Injected from the client span's own context: the callee's server span becomes its child.
  injectTraceContext(headers, started.context);
  let ended = false;
  return {
    headers,
    end(status, error) {
      if (ended) return;
      ended = true;
      if (status !== undefined) started.span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      if (error === undefined && status !== undefined && status >= 500)
        started.span.setStatus({ code: SpanStatusCode.ERROR });
      endSpan(started.span, error);
    },
  };
}
