// One pino logger per process; each service gets a child with its name. What must never reach
// a log (credentials, hashes, tokens, card data, personal data, a failed statement's parameters)
// is removed here, in one place, whatever the code that logs.
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import type { LogLevel } from './config.js';
import { traceLogFields } from './tracing.js';

export type { Logger };

/** Keys whose values are replaced by `[redacted]` wherever they appear, up to three levels deep. */
export const REDACTED_KEYS = [
  // credentials, hashes and tokens
  'password',
  'newPassword',
  'currentPassword',
  'passwordHash',
  'password_hash',
  'hash',
  'token',
  'accessToken',
  'refreshToken',
  'previousRefreshToken',
  'idToken',
  'secret',
  'clientSecret',
  'apiKey',
  'privateKey',
  'authorization',
  'cookie',
  'x-internal-token',
  'queue-token',
  // card data
  'card',
  'cardNumber',
  'cvc',
  'cvv',
  // personal data
  'email',
  'phone',
  'firstName',
  'lastName',
  'first_name',
  'last_name',
];

/** `password`, `*.password`, … ; a header name with a dash in brackets (`*["x-internal-token"]`). */
const REDACTED_PATHS = REDACTED_KEYS.flatMap((key) => {
  const segment = /^\w+$/.test(key) ? key : `["${key}"]`;
  const join = (prefix: string) => (segment.startsWith('[') ? `${prefix}${segment}` : `${prefix}.${segment}`);
  return [segment, join('*'), join('*.*'), join('*.*.*')];
});

/** An error that carries its statement's parameters (Drizzle's DrizzleQueryError: `query`, `params`). */
type FailedStatement = Error & { query: unknown; params: unknown[] };

function* causeChain(error: unknown): Generator<Error> {
  let current = error;
  for (let depth = 0; current instanceof Error && depth < 10; depth++) {
    yield current;
    current = current.cause;
  }
}

const isFailedStatement = (error: Error): error is FailedStatement =>
  'query' in error && 'params' in error && Array.isArray((error as FailedStatement).params);

/**
 * pino's error serializer, minus SQL parameters: Drizzle writes them into its error's message
 * (`Failed query: … params: …`) and keeps them as `params`; a failed register would log the
 * password hash and the email. PostgreSQL's own `detail` (`Key (email)=(…) already exists`)
 * quotes values too. The statement's text stays: it says what failed without saying with what.
 */
export function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const serialized = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  const parameterTexts = [...causeChain(error)]
    .filter(isFailedStatement)
    .map((failed) => `\nparams: ${failed.params}`);
  for (const field of ['message', 'stack'] as const) {
    const original = serialized[field];
    if (typeof original !== 'string') continue;
    let text = original;
    for (const parameters of parameterTexts) text = text.replaceAll(parameters, '\nparams: [not logged]');
    serialized[field] = text;
  }
  delete serialized.params;
  delete serialized.detail;
  return serialized;
}

/** A logger at `level` with `base` on every line; to stdout unless a destination is given (tests). */
export function createLogger(
  level: LogLevel,
  base: Record<string, unknown> = {},
  destination?: DestinationStream,
): Logger {
  const options: LoggerOptions = {
    level,
    base: { pid: process.pid, ...base },
    timestamp: pino.stdTimeFunctions.isoTime,
    // trace_id and span_id of the active span (when tracing is on), so a log line leads to its trace.
    mixin: traceLogFields,
    serializers: { err: serializeError },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
