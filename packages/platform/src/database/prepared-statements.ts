// Server-side prepared statements for the statements a service runs again and again. PostgreSQL
// parses, analyses and (after five runs, when it is no worse) plans a named statement once per
// connection instead of on every call — most of a short statement's cost on the server. It is
// what pgJDBC does by default (prepareThreshold=5); here a statement text is named once it has
// been seen PREPARE_AFTER times, so one-off statements (an IN list of unusual length, DDL) are
// never kept on the server. ADR 0025 says what this trades.
import type pg from 'pg';

/** Runs of one statement text before it is prepared. */
const PREPARE_AFTER = 3;
/** Distinct statement texts named in this process; later newcomers run unnamed. */
const MAX_NAMED = 1_000;
/** Texts counted but not yet named; past this the counts start again (texts seen rarely). */
const MAX_COUNTED = 5_000;
/** Texts this long are not counted (they are built per call, never repeated verbatim). */
const MAX_TEXT_LENGTH = 8_000;

const WRAPPED = Symbol('ticketing.preparedStatements');

/** Statement text → its name, and → runs seen while it has none. Shared by every pool. */
const names = new Map<string, string>();
const runsSeen = new Map<string, number>();

/** The name a statement runs under, or undefined while it is not (yet) worth preparing. */
export function statementName(text: string): string | undefined {
  const name = names.get(text);
  if (name !== undefined) return name;
  if (text.length > MAX_TEXT_LENGTH || names.size >= MAX_NAMED) return undefined;
  const runs = (runsSeen.get(text) ?? 0) + 1;
  if (runs < PREPARE_AFTER) {
    if (runsSeen.size >= MAX_COUNTED) runsSeen.clear();
    runsSeen.set(text, runs);
    return undefined;
  }
  runsSeen.delete(text);
  const next = `t${(names.size + 1).toString(36)}`;
  names.set(text, next);
  return next;
}

type QueryConfig = pg.QueryConfig & { name?: string };

/**
 * Names repeated parameterised statements on this pool's connections. Statements without
 * parameters keep the simple protocol (it allows several statements in one text), and a
 * caller's own name is kept.
 */
export function prepareRepeatedStatements(pool: pg.Pool): void {
  pool.on('connect', (client) => {
    const marked = client as pg.PoolClient & { [WRAPPED]?: true };
    if (marked[WRAPPED]) return;
    marked[WRAPPED] = true;
    const query = client.query as (...args: unknown[]) => unknown;
    client.query = function preparedQuery(this: pg.PoolClient, ...args: unknown[]) {
      const first = args[0];
      if (first && typeof first === 'object' && !('submit' in first)) {
        const config = first as QueryConfig;
        const values = args[1] ?? config.values;
        if (config.name === undefined && Array.isArray(values) && values.length > 0) {
          const name = statementName(config.text);
          if (name !== undefined) args[0] = { ...config, name };
        }
      } else if (typeof first === 'string' && Array.isArray(args[1]) && args[1].length > 0) {
        const name = statementName(first);
        if (name !== undefined) args[0] = { text: first, name };
      }
      return query.apply(this, args);
    } as typeof client.query;
  });
}
