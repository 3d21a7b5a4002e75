// Tracing settings from the environment: where spans go (OTLP over HTTP, Zipkin) and how many
// new traces are sampled. Nothing set means no tracing at all (see tracing.ts and ADR 0023).
import { ConfigError } from './config-error.js';

type Env = Record<string, string | undefined>;

function readHttpUrl(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  let protocol: string | undefined;
  try {
    protocol = new URL(raw).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== 'http:' && protocol !== 'https:')
    throw new ConfigError(name, 'a URL starting with http:// or https://', raw);
  return raw;
}

export interface TracingConfig {
  /** OTLP/HTTP traces endpoint (`…/v1/traces`), from OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT. */
  otlpTracesUrl: string | undefined;
  /** Zipkin's span intake (`…/api/v2/spans`), from ZIPKIN_URL. */
  zipkinSpansUrl: string | undefined;
  /** Share of new traces recorded (OTEL_TRACES_SAMPLER_ARG, 0–1); a call that arrives sampled stays sampled. */
  sampleRatio: number;
}

/** The tracing settings, or undefined when no exporter is configured (or OTEL_SDK_DISABLED=true). */
export function readTracingConfig(env: Env): TracingConfig | undefined {
  const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase();
  if (disabled !== undefined && disabled !== '' && disabled !== 'true' && disabled !== 'false')
    throw new ConfigError('OTEL_SDK_DISABLED', 'true or false', env.OTEL_SDK_DISABLED ?? '');
  const tracesEndpoint = readHttpUrl(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const baseEndpoint = readHttpUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const zipkin = readHttpUrl(env, 'ZIPKIN_URL');
  const rawRatio = env.OTEL_TRACES_SAMPLER_ARG?.trim();
  let sampleRatio = 1;
  if (rawRatio !== undefined && rawRatio !== '') {
    sampleRatio = Number(rawRatio);
    if (!/^(0(\.\d+)?|1(\.0+)?)$/.test(rawRatio))
      throw new ConfigError('OTEL_TRACES_SAMPLER_ARG', 'a ratio from 0 to 1', rawRatio);
  }
  if (disabled === 'true') return undefined;
  // The specification's rule: the generic endpoint is a base URL that gets /v1/traces appended.
  const otlpTracesUrl =
    tracesEndpoint ?? (baseEndpoint ? `${baseEndpoint.replace(/\/+$/, '')}/v1/traces` : undefined);
  const zipkinSpansUrl = zipkin
    ? /\/api\/v2\/spans\/?$/.test(zipkin)
      ? zipkin
      : `${zipkin.replace(/\/+$/, '')}/api/v2/spans`
    : undefined;
  if (otlpTracesUrl === undefined && zipkinSpansUrl === undefined) return undefined;
  return { otlpTracesUrl, zipkinSpansUrl, sampleRatio };
}
