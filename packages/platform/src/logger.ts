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

const REDACTED = new Set(REDACTED_KEYS);
const CENSOR = '[redacted]';
/** The line's own keys and three levels below them. */
const REDACTED_DEPTH = 3;

/**
 * The value with every redacted key's value replaced, copying only what changes. Plain objects
 * and arrays are walked; instances of classes (a request, an error) are left to their
 * serializers. pino's path-based redaction did the same with 168 wildcard paths, at ~100 µs
 * per request's child logger and line — more than the rest of the request's logging together.
 */
function redacted(value: unknown, depth: number): unknown {
  if (depth > REDACTED_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const items = value.map((item) => redacted(item, depth + 1));
    return items.some((item, index) => item !== value[index]) ? items : value;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const next = REDACTED.has(key) ? CENSOR : redacted(item, depth + 1);
    if (next === item) continue;
    copy ??= { ...(value as Record<string, unknown>) };
    copy[key] = next;
  }
  return copy ?? value;
}

const redactedObject = (object: Record<string, unknown>) => redacted(object, 0) as Record<string, unknown>;
const redactedError = (serialized: unknown) =>
  serialized !== null && typeof serialized === 'object' ? redacted({ ...serialized }, 1) : serialized;

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
    // A serialized error's own fields are walked too (pino gives it a prototype of its own).
    serializers: { err: (error: unknown) => redactedError(serializeError(error)) },
    // A line's fields and a child logger's bindings alike (formatters run before serializers).
    formatters: { log: redactedObject, bindings: redactedObject },
  };
  return destination ? pino(options, destination) : pino(options);
}
