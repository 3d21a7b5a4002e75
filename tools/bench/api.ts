// The load generator's HTTP client: one undici Agent (a keep-alive connection pool per origin)
// shared by every simulated buyer, JSON in and out, each call timed and classified.
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';

// biome-ignore lint/suspicious/noExplicitAny: the answers are JSON of many shapes, read field by field
export interface ApiAnswer<T = any> {
  status: number;
  body: T;
  /** Milliseconds from sending the request to the end of the answer's body. */
  ms: number;
  /** For an error answer: its problem code (or the status when it has none). */
  code: string | undefined;
  /** The Retry-After header, when the answer has one (load shedding says when to come back). */
  retryAfter?: string | undefined;
}

export class Api {
  readonly agent: Agent;

  constructor(
    readonly baseUrl: string,
    connections: number,
  ) {
    // One connection per concurrent buyer at most, as a crowd of browsers would open.
    this.agent = new Agent({
      connections,
      pipelining: 1,
      keepAliveTimeout: 60_000,
      headersTimeout: 120_000,
      bodyTimeout: 120_000,
    });
  }

  // biome-ignore lint/suspicious/noExplicitAny: as above
  async call<T = any>(
    method: 'GET' | 'POST' | 'DELETE' | 'PATCH' | 'PUT',
    path: string,
    options: { body?: unknown; token?: string | undefined; headers?: Record<string, string> } = {},
  ): Promise<ApiAnswer<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const started = performance.now();
    try {
      const response = await request(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
        dispatcher: this.agent,
      });
      const text = await response.body.text();
      const ms = performance.now() - started;
      // biome-ignore lint/suspicious/noExplicitAny: parsed JSON
      let body: any = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      const status = response.statusCode;
      const code =
        status >= 400 ? (typeof body?.code === 'string' ? body.code : `http_${status}`) : undefined;
      const retryAfter = response.headers['retry-after'];
      return { status, body, ms, code, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter };
    } catch (error) {
      // No answer at all (refused, reset, timed out): status 0, the error's code as the kind.
      const code = (error as { code?: string }).code ?? (error as Error).name ?? 'network_error';
      return { status: 0, body: undefined as T, ms: performance.now() - started, code };
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/** Throws with the answer in the message unless the status is one of `expected`. */
export function expectStatus<T>(answer: ApiAnswer<T>, what: string, ...expected: number[]): T {
  if (!expected.includes(answer.status)) {
    const detail = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    throw new Error(`${what}: expected ${expected.join('/')}, got ${answer.status} ${detail?.slice(0, 500)}`);
  }
  return answer.body;
}
