// One pino logger per process; each service gets a child with its name.
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import type { LogLevel } from './config.js';
import { traceLogFields } from './tracing.js';

export type { Logger };

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
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-internal-token"]',
        'req.headers.cookie',
        '*.password',
        '*.refreshToken',
        '*.card',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
