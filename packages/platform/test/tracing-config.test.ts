// Tracing settings: nothing configured means no tracing at all (the embedded default), an OTLP
// collector or a Zipkin server turns it on, and a bad value stops the start naming the variable.
import { describe, expect, it } from 'vitest';
import { InternalTokens } from '../src/auth.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { createHttpApp } from '../src/http.js';
import { createLogger } from '../src/logger.js';
import { isTracing, readTracingConfig, traceLogFields } from '../src/tracing.js';
import { startOutgoingCall } from '../src/tracing-http.js';

describe('reading the tracing settings', () => {
  it('is off when no exporter is configured', () => {
    expect(readTracingConfig({})).toBeUndefined();
    expect(loadConfig({}).tracing).toBeUndefined();
  });

  it('sends to an OTLP collector: the generic endpoint gets /v1/traces, the traces endpoint is used as it is', () => {
    expect(readTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toEqual({
      otlpTracesUrl: 'http://collector:4318/v1/traces',
      zipkinSpansUrl: undefined,
      sampleRatio: 1,
    });
    expect(
      readTracingConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/otlp/v1/traces',
      })?.otlpTracesUrl,
    ).toBe('https://traces.example.com/otlp/v1/traces');
  });

  it('sends to Zipkin given its base URL (or its span intake), sampling the share asked for', () => {
    expect(
      readTracingConfig({ ZIPKIN_URL: 'http://127.0.0.1:9411', OTEL_TRACES_SAMPLER_ARG: '0.25' }),
    ).toEqual({
      otlpTracesUrl: undefined,
      zipkinSpansUrl: 'http://127.0.0.1:9411/api/v2/spans',
      sampleRatio: 0.25,
    });
    expect(readTracingConfig({ ZIPKIN_URL: 'http://zipkin:9411/api/v2/spans' })?.zipkinSpansUrl).toBe(
      'http://zipkin:9411/api/v2/spans',
    );
    expect(loadConfig({ ZIPKIN_URL: 'http://127.0.0.1:9411' }).tracing?.zipkinSpansUrl).toBe(
      'http://127.0.0.1:9411/api/v2/spans',
    );
  });

  it('stays off with OTEL_SDK_DISABLED=true whatever else is set', () => {
    expect(
      readTracingConfig({ ZIPKIN_URL: 'http://127.0.0.1:9411', OTEL_SDK_DISABLED: 'true' }),
    ).toBeUndefined();
  });

  it.each([
    ['ZIPKIN_URL', 'zipkin:9411'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'grpc://collector:4317'],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'not a url'],
    ['OTEL_TRACES_SAMPLER_ARG', '1.5'],
    ['OTEL_TRACES_SAMPLER_ARG', 'half'],
    ['OTEL_SDK_DISABLED', 'yes'],
  ])('refuses %s=%s, naming the variable', (variable, value) => {
    const read = () => loadConfig({ [variable]: value });
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(variable);
  });
});

describe('with tracing off (nothing configured)', () => {
  it('makes no spans, adds nothing to log lines and passes a caller’s traceparent along untouched', async () => {
    expect(isTracing()).toBe(false);
    expect(traceLogFields()).toEqual({});
    expect(startOutgoingCall('order', 'ticket', 'GET', 'http://127.0.0.1:1/x')).toBeUndefined();
    const lines: Record<string, unknown>[] = [];
    const app = await createHttpApp({
      service: 'quiet',
      logger: createLogger('debug', {}, { write: (line: string) => void lines.push(JSON.parse(line)) }),
      tokens: new InternalTokens('the-internal-secret-for-tracing-off'),
      requireInternalToken: false,
    });
    app.get('/api/v1/echo', { config: { access: 'public' } }, async (request) => ({
      traceparent: request.headers.traceparent,
    }));
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const response = await app.inject({ url: '/api/v1/echo', headers: { traceparent } });
    await app.close();
    expect(response.json()).toEqual({ traceparent });
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.trace_id).toBeUndefined();
  });
});
