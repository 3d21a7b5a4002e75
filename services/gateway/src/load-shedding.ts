// Sheds load at the edge before it queues inside: while the event loop lags (requests are
// already waiting for the CPU), a new request is answered 503 `overloaded` with Retry-After at
// once, for the price of a header check, instead of joining a queue that ends in pool timeouts
// (`database_unavailable`) and 5xx for everyone. Health and live streams already open are never
// shed (metrics are on the management port, which sheds nothing). @fastify/under-pressure measures the lag.
import underPressure from '@fastify/under-pressure';
import { type HttpApp, ServiceUnavailableError } from '@ticketing/platform';
import { Counter } from 'prom-client';

/** How often the lag is measured (the mean over the interval decides). */
const SAMPLE_INTERVAL_MS = 500;
/** What a shed client is told to wait. */
const RETRY_AFTER_SECONDS = 1;

const NEVER_SHED = ['/actuator'];

export class OverloadedError extends ServiceUnavailableError {
  constructor(lagMs: number) {
    super(
      `The platform is at capacity (event loop ${Math.round(lagMs)} ms behind); try again in ${RETRY_AFTER_SECONDS} s`,
      'overloaded',
    );
  }
}

export async function registerLoadShedding(app: HttpApp, maxEventLoopDelayMs: number): Promise<void> {
  if (maxEventLoopDelayMs <= 0) return;
  const shed = new Counter({
    name: 'gateway_shed_requests_total',
    help: 'Requests answered 503 overloaded at the edge because the event loop lagged',
    registers: [app.metrics],
  });
  await app.register(underPressure, {
    maxEventLoopDelay: maxEventLoopDelayMs,
    sampleInterval: SAMPLE_INTERVAL_MS,
    pressureHandler: (request, reply, _type, value) => {
      if (NEVER_SHED.some((prefix) => request.url.startsWith(prefix))) return undefined;
      shed.inc();
      reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      // A rejection goes to the platform's error handler: problem+json like every other 503.
      return Promise.reject(new OverloadedError(Number(value ?? maxEventLoopDelayMs)));
    },
  });
}
