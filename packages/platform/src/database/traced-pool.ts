// Client spans of SQL statements, for any pg pool (the primary's, a read replica's): one span per
// statement, inside a trace only, with the statement's text (never its parameter values).
import { context, SpanKind } from '@opentelemetry/api';
import {
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
} from '@opentelemetry/semantic-conventions';
import type pg from 'pg';
import { endSpan, isTracing, startSpan } from '../tracing.js';

/** Longest statement text kept on a span. */
const MAX_STATEMENT_LENGTH = 2_000;
const WRAPPED = Symbol('ticketing.tracedQuery');

type Where = { database: string | undefined; host: string | undefined; port: number | undefined };

function whereOf(pool: pg.Pool): Where {
  const options = (pool as unknown as { options: pg.PoolConfig }).options;
  try {
    const url = new URL(options.connectionString ?? '');
    return {
      database: decodeURIComponent(url.pathname.slice(1)) || undefined,
      host: url.hostname || undefined,
      port: Number(url.port) || 5432,
    };
  } catch {
    return { database: options.database, host: options.host, port: options.port };
  }
}

/** `SELECT tickets.holds`: the statement's verb and its first table, a name of few distinct values. */
export function spanNameOfStatement(text: string): { name: string; operation: string } {
  const operation = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? 'QUERY';
  const table = /\b(?:from|into|update|join)\s+((?:"[^"]+"|\w+)(?:\.(?:"[^"]+"|\w+))?)/i.exec(text)?.[1];
  return { name: table ? `${operation} ${table.replaceAll('"', '')}` : operation, operation };
}

/**
 * Makes every statement run on this pool's connections a span (while tracing is on). Call once
 * per pool, right after creating it.
 */
export function traceQueries(pool: pg.Pool): void {
  const where = whereOf(pool);
  // A pool that is full hands a freed connection to the next waiting caller from inside the
  // releasing caller's work: bound here, the waiting query keeps its own trace.
  const connect = pool.connect.bind(pool);
  pool.connect = ((callback?: (...args: unknown[]) => void) => {
    if (typeof callback !== 'function' || !isTracing()) return connect(callback as never);
    return connect(context.bind(context.active(), callback) as never);
  }) as typeof pool.connect;
  pool.on('connect', (client) => wrapClient(client, where));
}

function wrapClient(client: pg.PoolClient, where: Where): void {
  const marked = client as pg.PoolClient & { [WRAPPED]?: true };
  if (marked[WRAPPED]) return;
  marked[WRAPPED] = true;
  const query = client.query;
  client.query = function tracedQuery(this: pg.PoolClient, ...args: unknown[]) {
    if (!isTracing()) return (query as (...a: unknown[]) => unknown).apply(this, args);
    const first = args[0] as string | { text?: string; submit?: unknown } | undefined;
    // Cursors and other submittables stream their rows; they are not timed here.
    if (first && typeof first === 'object' && typeof first.submit === 'function')
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    const text = typeof first === 'string' ? first : (first?.text ?? '');
    const { name, operation } = spanNameOfStatement(text);
    const started = startSpan(name, {
      kind: SpanKind.CLIENT,
      requireParent: true,
      attributes: {
        [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL,
        'db.system': 'postgresql',
        [ATTR_DB_NAMESPACE]: where.database,
        [ATTR_DB_OPERATION_NAME]: operation,
        [ATTR_DB_QUERY_TEXT]:
          text.length > MAX_STATEMENT_LENGTH ? `${text.slice(0, MAX_STATEMENT_LENGTH)}…` : text,
        [ATTR_SERVER_ADDRESS]: where.host,
        [ATTR_SERVER_PORT]: where.port,
      },
    });
    if (!started) return (query as (...a: unknown[]) => unknown).apply(this, args);
    const last = args.at(-1);
    if (typeof last === 'function') {
      // The callback form (pg-pool's own pool.query uses it).
      args[args.length - 1] = (error: unknown, ...rest: unknown[]) => {
        endSpan(started.span, error ?? undefined);
        return (last as (...a: unknown[]) => unknown)(error, ...rest);
      };
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    }
    const result = (query as (...a: unknown[]) => Promise<unknown>).apply(this, args);
    result.then(
      () => endSpan(started.span),
      (error: unknown) => endSpan(started.span, error),
    );
    return result;
  } as typeof client.query;
}
