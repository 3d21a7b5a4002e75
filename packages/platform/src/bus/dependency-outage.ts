// A handler that failed because something it needs is unreachable (its database, another
// service, the pool timing out) rather than because of the event: both transports then wait
// and deliver again without counting it against the event (no dead letter, no parking).
import { TransportUnavailableError } from './types.js';

/** Connection-level failures (refused, reset, timed out, server shutting down, pool closed). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);
// PostgreSQL: connection exceptions (08xxx), admin/crash shutdown, cannot connect now.
const POSTGRES_UNAVAILABLE = /^(08...|57P01|57P02|57P03)$/;

/** A handler failed because a dependency is unreachable, not because of the message. */
export function isDependencyOutage(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 5) return false;
  if (error instanceof TransportUnavailableError) return true;
  const code = String((error as { code?: unknown }).code ?? '');
  if (NETWORK_CODES.has(code) || POSTGRES_UNAVAILABLE.test(code)) return true;
  if (
    /Connection terminated|Cannot use a pool after calling end|timeout exceeded when trying to connect/i.test(
      error.message,
    )
  )
    return true;
  const nested = (error as { errors?: unknown[] }).errors ?? [];
  return (
    nested.some((inner) => isDependencyOutage(inner, depth + 1)) ||
    isDependencyOutage((error as { cause?: unknown }).cause, depth + 1)
  );
}
