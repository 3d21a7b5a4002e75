// Server-side prepared statements for the statements a service runs again and again. PostgreSQL
// parses, analyses and (after five runs, when it is no worse) plans a named statement once per
// connection instead of on every call — most of a short statement's cost on the server. It is
// what pgJDBC does by default (prepareThreshold=5); here a statement text is named once it has
// been seen PREPARE_AFTER times, so one-off statements (an IN list of unusual length, DDL) are
// never kept on the server. ADR 0023 says what this trades.
import type pg from 'pg';

/** Runs of one statement text before it is prepared. */
const PREPARE_AFTER = 3;
/** Distinct statement texts named in this process; later newcomers run unnamed. */
const MAX_NAMED = 1_000;
/** Texts this long are not counted (they are built per call, never repeated verbatim). */
const MAX_TEXT_LENGTH = 8_000;

const WRAPPED = Symbol('ticketing.preparedStatements');

/** Statement text → runs seen so far, or its name once it has one. Shared by every pool. */
const statements = new Map<string, number | string>();
let named = 0;

/** The name a statement runs under, or undefined while it is not (yet) worth preparing. */
export function statementName(text: string): string | undefined {
  const seen = statements.get(text);
  if (typeof seen === 'string') return seen;
  if (text.length > MAX_TEXT_LENGTH) return undefined;
  const runs = (seen ?? 0) + 1;
  if (runs < PREPARE_AFTER || named >= MAX_NAMED) {
    // Counting stops with the cap too: the map never outgrows MAX_NAMED names plus counters
    // that are dropped when it is full.
    if (named < MAX_NAMED) statements.set(text, runs);
    else if (seen !== undefined) statements.delete(text);
    return undefined;
  }
  named += 1;
  const name = `t${named.toString(36)}`;
  statements.set(text, name);
  return name;
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
