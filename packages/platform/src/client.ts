// Typed HTTP client for service-to-service calls: undici with timeouts, retries with
// backoff for idempotent calls only, a circuit breaker per upstream (opossum), and
// propagation of the request id and the internal service token.
import CircuitBreaker from 'opossum';
import { Agent, request } from 'undici';
import type { Identity, InternalTokens } from './auth.js';
import { INTERNAL_TOKEN_HEADER } from './auth.js';
import { AppError, ServiceUnavailableError } from './errors.js';
import { startOutgoingCall } from './tracing-http.js';

export interface ServiceRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  /** Safe to repeat: GET, PUT, DELETE, or a POST carrying an idempotency key. */
  idempotent?: boolean;
  /** The end user on whose behalf the call is made. */
  user?: Identity;
  requestId?: string;
  timeoutMs?: number;
}

export interface ServiceResponse<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

export interface ServiceClientOptions {
  /** Name of the called service, for errors and metrics. */
  target: string;
  /** Name of the calling service, put in the internal token. */
  caller: string;
  urls: string[];
  tokens: InternalTokens;
  timeoutMs?: number;
  retries?: number;
  /** Failure percentage over the rolling window that opens the breaker. */
  breakerErrorThresholdPercentage?: number;
  breakerResetTimeoutMs?: number;
}

/** A 4xx answer: the upstream answered on purpose, so it is returned, not retried. */
class UpstreamFailure extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly headers: Record<string, string | string[] | undefined>,
    readonly body: unknown,
  ) {
    super(message);
  }
}

/**
 * Answers that say the upstream itself is failing (its own upstream or database is gone, it is
 * overloaded or draining): they count towards its breaker. Any other 5xx is one request going
 * wrong (docs/adr/0026-breakers-count-upstream-failures.md).
 */
const UPSTREAM_FAILING_STATUSES = new Set([502, 503, 504]);

/**
 * A 500 (or another 5xx not above): no definite answer, so the caller still gets "did not
 * answer" (the purchase saga must not read it as a refusal), but the breaker ignores it — one
 * caller's bad request must not cut every caller off.
 */
class RequestFailedUpstream extends Error {}

export class ServiceClient {
  private readonly agent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });
  /** One breaker per instance: a dead instance is skipped while its healthy siblings keep serving. */
  private readonly breakers = new Map<
    string,
    CircuitBreaker<[ServiceRequest, string], ServiceResponse<unknown>>
  >();
  private next = 0;

  constructor(private readonly options: ServiceClientOptions) {
    if (options.urls.length === 0) throw new Error(`no URL configured for the ${options.target} service`);
    for (const url of options.urls) {
      this.breakers.set(
        url,
        new CircuitBreaker((call: ServiceRequest, target: string) => this.send(call, target), {
          timeout: false, // undici enforces the timeout per attempt
          errorThresholdPercentage: options.breakerErrorThresholdPercentage ?? 50,
          resetTimeout: options.breakerResetTimeoutMs ?? 5_000,
          rollingCountTimeout: 10_000,
          volumeThreshold: 5,
          // Answers the upstream gave on purpose (4xx) and single requests failing (500) are not
          // failures of the upstream (opossum counts an error as a success when the filter returns true).
          errorFilter: (error: unknown) =>
            error instanceof UpstreamFailure || error instanceof RequestFailedUpstream,
        }),
      );
    }
  }

  /** Closed while any instance takes calls; open when every instance's breaker is open. */
  get breakerState(): 'closed' | 'open' | 'half-open' {
    const breakers = [...this.breakers.values()];
    if (breakers.some((breaker) => breaker.closed)) return 'closed';
    if (breakers.some((breaker) => breaker.halfOpen)) return 'half-open';
    return 'open';
  }

  async call<T>(call: ServiceRequest): Promise<ServiceResponse<T>> {
    const idempotent =
      call.idempotent ?? (call.method === 'GET' || call.method === 'PUT' || call.method === 'DELETE');
    const attempts = 1 + (idempotent ? (this.options.retries ?? 2) : 0);
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await new Promise((done) => setTimeout(done, 50 * 2 ** attempt + Math.random() * 50));
      const url = this.pickUrl();
      if (url === undefined) break;
      try {
        return (await this.breakers.get(url)!.fire(call, url)) as ServiceResponse<T>;
      } catch (error) {
        if (error instanceof UpstreamFailure) {
          return { status: error.status, headers: error.headers, body: error.body as T };
        }
        lastError = error;
      }
    }
    if (this.breakerState === 'open') {
      throw new ServiceUnavailableError(
        `the ${this.options.target} service is unavailable (circuit open)`,
        'upstream_unavailable',
      );
    }
    throw new ServiceUnavailableError(
      `the ${this.options.target} service did not answer: ${(lastError as Error)?.message ?? 'unknown error'}`,
      'upstream_unavailable',
    );
  }

  /** Like call(), but a non-2xx answer throws an AppError carrying the upstream's problem. */
  async expectOk<T>(call: ServiceRequest): Promise<T> {
    const response = await this.call<T>(call);
    if (response.status >= 200 && response.status < 300) return response.body;
    const problem = (response.body ?? {}) as { detail?: string; code?: string };
    throw new AppError(
      response.status >= 500 ? 502 : response.status,
      problem.code ?? 'upstream_error',
      problem.detail ?? `the ${this.options.target} service answered ${response.status}`,
    );
  }

  async close(): Promise<void> {
    for (const breaker of this.breakers.values()) breaker.shutdown();
    await this.agent.close();
  }

  /** Round robin over the instances whose breaker lets calls through; undefined when none does. */
  private pickUrl(): string | undefined {
    const { urls } = this.options;
    for (let tried = 0; tried < urls.length; tried++) {
      const url = urls[this.next % urls.length]!;
      this.next++;
      if (!this.breakers.get(url)!.opened) return url;
    }
    return undefined;
  }

  private async send(call: ServiceRequest, baseUrl: string): Promise<ServiceResponse<unknown>> {
    const token = await this.options.tokens.issue(
      call.user ? { service: this.options.caller, user: call.user } : { service: this.options.caller },
    );
    const url = new URL(call.path, `${baseUrl}/`);
    for (const [name, value] of Object.entries(call.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    // One client span per attempt (a retry is a second call); its traceparent goes along.
    const span = startOutgoingCall(this.options.caller, this.options.target, call.method, url);
    const headers: Record<string, string> = {
      accept: 'application/json',
      [INTERNAL_TOKEN_HEADER]: token,
      ...(call.requestId ? { 'x-request-id': call.requestId } : {}),
      ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...call.headers,
      ...span?.headers,
    };
    const timeout = call.timeoutMs ?? this.options.timeoutMs ?? 5_000;
    let response: Awaited<ReturnType<typeof request>>;
    let text: string;
    try {
      response = await request(url, {
        method: call.method,
        headers,
        body: call.body !== undefined ? JSON.stringify(call.body) : undefined,
        dispatcher: this.agent,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
      text = await response.body.text();
    } catch (error) {
      span?.end(undefined, error);
      throw error;
    }
    span?.end(response.statusCode);
    let body: unknown = text;
    if (text && String(response.headers['content-type'] ?? '').includes('json')) body = JSON.parse(text);
    if (text === '') body = undefined;
    const result = { status: response.statusCode, headers: response.headers, body };
    if (UPSTREAM_FAILING_STATUSES.has(response.statusCode)) {
      throw new Error(`the ${this.options.target} service answered ${response.statusCode}`);
    }
    if (response.statusCode >= 500) {
      throw new RequestFailedUpstream(`the ${this.options.target} service answered ${response.statusCode}`);
    }
    if (response.statusCode >= 400) {
      throw new UpstreamFailure(
        `the ${this.options.target} service answered ${response.statusCode}`,
        response.statusCode,
        response.headers,
        body,
      );
    }
    return result;
  }
}
