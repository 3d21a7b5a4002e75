// OpenTelemetry tracing at the platform's few choke points (incoming and outgoing HTTP, SQL,
// Redis, event publish and consume) instead of auto-instrumentation, which needs a loader hook
// under ESM (ADR 0023). Off unless an exporter is configured: then nothing here runs beyond a
// boolean check, and the SDK is not even loaded. On, each service gets its own tracer provider
// (resource `service.name` = `ticketing-<service>`), so the embedded mode's seven services in
// one process still show as seven services; the active context carries which service is
// working, so shared pieces (pool, cache, bus) put their spans under the right one.
import { hostname } from 'node:os';
import {
  type Attributes,
  type Context,
  context,
  createContextKey,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { BasicTracerProvider, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { SERVICE_NAMES } from './config.js';
import type { TracingConfig } from './tracing-config.js';

export { readTracingConfig, type TracingConfig } from './tracing-config.js';

/** Prefix of every service's `service.name`. */
export const SERVICE_NAME_PREFIX = 'ticketing-';
const INSTRUMENTATION_SCOPE = '@ticketing/platform';
/** Which service's work the active context belongs to. */
const SERVICE_KEY = createContextKey('ticketing.service');

interface TracingState {
  providers: Map<string, BasicTracerProvider>;
  newProvider(service: string): BasicTracerProvider;
  disableGlobals(): void;
}

let state: TracingState | undefined;
let starting: Promise<void> | undefined;

export interface StartTracingOptions {
  /** Extra exporter for every service (tests pass an InMemorySpanExporter); shut down by stopTracing(). */
  exporter?: SpanExporter;
  /** Export each span as it ends instead of in batches (for tests reading spans at once). */
  exportImmediately?: boolean;
}

/** Whether spans are being made: the one check every choke point does first. */
export function isTracing(): boolean {
  return state !== undefined;
}

/**
 * Turns tracing on for this process when an exporter is configured; does nothing otherwise, and
 * nothing on later calls (the first configuration wins, so a test's exporter stays in place).
 */
export async function startTracing(
  config: TracingConfig | undefined,
  options: StartTracingOptions = {},
): Promise<void> {
  if (state) return;
  if (starting) return starting;
  if (!config && !options.exporter) return;
  starting = (async () => {
    // Loaded only here: a process without tracing never pays for the SDK.
    const [sdk, resources, core, hooks, semconv] = await Promise.all([
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/core'),
      import('@opentelemetry/context-async-hooks'),
      import('@opentelemetry/semantic-conventions'),
    ]);
    const otlp = config?.otlpTracesUrl ? await import('@opentelemetry/exporter-trace-otlp-http') : undefined;
    const zipkin = config?.zipkinSpansUrl ? await import('@opentelemetry/exporter-zipkin') : undefined;
    const sampler = new sdk.ParentBasedSampler({
      root: new sdk.TraceIdRatioBasedSampler(config?.sampleRatio ?? 1),
    });
    const instance = `${hostname()}:${process.pid}`;
    const processorFor = (exporter: SpanExporter) =>
      options.exportImmediately
        ? new sdk.SimpleSpanProcessor(exporter)
        : new sdk.BatchSpanProcessor(exporter);
    const contextManager = new hooks.AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
    propagation.setGlobalPropagator(new core.W3CTraceContextPropagator());
    state = {
      providers: new Map(),
      newProvider(service) {
        // Each provider gets its own exporters: shutting one service's provider down must not stop another's.
        const processors = [];
        if (config?.otlpTracesUrl && otlp)
          processors.push(processorFor(new otlp.OTLPTraceExporter({ url: config.otlpTracesUrl })));
        if (config?.zipkinSpansUrl && zipkin)
          processors.push(processorFor(new zipkin.ZipkinExporter({ url: config.zipkinSpansUrl })));
        if (options.exporter) processors.push(processorFor(options.exporter));
        return new sdk.BasicTracerProvider({
          sampler,
          spanProcessors: processors,
          resource: resources.resourceFromAttributes({
            [semconv.ATTR_SERVICE_NAME]: `${SERVICE_NAME_PREFIX}${service}`,
            [semconv.ATTR_SERVICE_NAMESPACE]: 'ticketing',
            [semconv.ATTR_SERVICE_INSTANCE_ID]: instance,
          }),
        });
      },
      disableGlobals() {
        context.disable();
        propagation.disable();
      },
    };
  })().finally(() => {
    starting = undefined;
  });
  return starting;
}

/** Longest a closing service waits for its spans to be exported (a collector that is down must not hold the stop). */
const FLUSH_TIMEOUT_MS = 2_000;

/** Exports what is buffered; a service calls it when it closes, so no span of its last requests is lost. */
export async function flushTracing(service?: string): Promise<void> {
  if (!state) return;
  const providers = service ? [state.providers.get(service)] : [...state.providers.values()];
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled(providers.map((provider) => provider?.forceFlush())),
    new Promise((resolve) => {
      timer = setTimeout(resolve, FLUSH_TIMEOUT_MS);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}

/** Exports what is buffered and turns tracing off (tests; a process exiting only needs flushTracing). */
export async function stopTracing(): Promise<void> {
  const current = state;
  if (!current) return;
  state = undefined;
  await Promise.allSettled([...current.providers.values()].map((provider) => provider.shutdown()));
  current.disableGlobals();
}

/** The tracer of a service (its provider is made on first use). Only call while isTracing(). */
function tracerOf(service: string): Tracer {
  const current = state!;
  let provider = current.providers.get(service);
  if (!provider) {
    provider = current.newProvider(service);
    current.providers.set(service, provider);
  }
  return provider.getTracer(INSTRUMENTATION_SCOPE);
}

/** The service whose work this context is, if any. */
export function serviceInContext(ctx: Context = context.active()): string | undefined {
  return ctx.getValue(SERVICE_KEY) as string | undefined;
}

/** The context a span starts, marked as `service`'s work. */
function contextWith(parent: Context, span: Span, service: string): Context {
  return trace.setSpan(parent, span).setValue(SERVICE_KEY, service);
}

/** The consumer group's service: groups are named after it (`ticket-service`, `order-service:payments`, `event`). */
export function serviceOfConsumerGroup(group: string): string {
  const named = SERVICE_NAMES.find(
    (service) => group === service || group.startsWith(`${service}-`) || group.startsWith(`${service}:`),
  );
  return named ?? group;
}

/** trace_id and span_id of the active span, for every log line (pino's mixin). */
export function traceLogFields(): Record<string, string> {
  // A fresh object each time: pino merges the line's own fields into what the mixin returns.
  if (!state) return {};
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

/** Adds the active trace's `traceparent` (and `tracestate`) to headers that have none. */
export function injectTraceContext(headers: Record<string, string>, ctx: Context = context.active()): void {
  if (!state || headers.traceparent !== undefined) return;
  propagation.inject(ctx, headers);
}

/** Runs fn with the trace context of incoming headers (W3C traceparent) extracted. */
export function extractTraceContext(headers: Record<string, string | string[] | undefined>): Context {
  return propagation.extract(ROOT_CONTEXT, headers);
}

/** Runs fn outside any trace (background work kicked from a context that may be a past request's). */
export function outsideAnyTrace<T>(fn: () => T): T {
  return state ? context.with(ROOT_CONTEXT, fn) : fn();
}

/** Ends a span with an error status when the work failed. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
  }
  span.end();
}

/**
 * Starts a span of a service under a parent context. Returns undefined when tracing is off, or
 * when `requireParent` is set and the parent has no span: a query or a cache command outside any
 * request (a poll, a sweep) is not worth a trace of its own.
 */
export function startSpan(
  name: string,
  options: {
    kind: SpanKind;
    attributes?: Attributes;
    service?: string;
    parent?: Context;
    requireParent?: boolean;
  },
): { span: Span; context: Context } | undefined {
  if (!state) return undefined;
  const parent = options.parent ?? context.active();
  if (options.requireParent && !trace.getSpan(parent)) return undefined;
  const service = options.service ?? serviceInContext(parent) ?? 'platform';
  const span = tracerOf(service).startSpan(
    name,
    { kind: options.kind, attributes: options.attributes },
    parent,
  );
  return { span, context: contextWith(parent, span, service) };
}

/** Runs fn inside a span that ends when fn settles (with an error status when it rejects). */
export async function inSpan<T>(
  started: { span: Span; context: Context } | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  if (!started) return fn();
  try {
    const result = await context.with(started.context, fn);
    endSpan(started.span);
    return result;
  } catch (error) {
    endSpan(started.span, error);
    throw error;
  }
}

export { SpanKind };
