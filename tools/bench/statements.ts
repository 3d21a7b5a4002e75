// SQL statements and transactions per purchase, counted by the server: pg_stat_statements
// (every statement the platform's database ran, BEGIN and COMMIT included, reset before the
// scenario) and pg_stat_database (committed and rolled-back transactions, as a difference).
// The benchmark's own queries are left out: its connections set pg_stat_statements.track=none,
// and the transactions they make are counted and subtracted.
import pg from 'pg';

/** The connection option that keeps a bench connection's statements out of pg_stat_statements. */
export const UNTRACKED = '-c pg_stat_statements.track=none';

/** The schema the benchmark creates pg_stat_statements' view in, out of the platform's way. */
const SCHEMA = 'bench';

export interface StatementFigure {
  /** Normalised text (constants as $n), whitespace folded, cut at 200 characters. */
  query: string;
  calls: number;
  callsPerPurchase: number;
  meanMs: number;
  totalMs: number;
}

export interface StatementCounts {
  /** What was counted, in words, for the report. */
  counted: string;
  /** Seconds from the reset to the reading: the sale, its events' handling and the settling. */
  windowSeconds: number;
  purchases: number;
  /** pg_stat_statements' calls summed (undefined when the extension is not loaded). */
  statements?: number;
  statementsPerPurchase?: number;
  /** Transactions committed or rolled back in the platform's database (autocommit statements count one each). */
  transactions: number;
  transactionsPerPurchase: number;
  /** Statements a second after the sale's events were handled: the platform's polling. */
  backgroundStatementsPerSecond?: number;
  /** The statements with the most calls, most first. */
  top: StatementFigure[];
  /** Entries pg_stat_statements evicted for lack of room (then the counts are too low). */
  evicted?: number;
  /** Why statements are not counted, when they are not. */
  unavailable?: string;
}

interface Snapshot {
  at: number;
  transactions: number;
  statements: number | undefined;
  /** Our own transactions before this reading's (the server has counted them by then). */
  own: number;
}

/** Folds a statement's text onto one line and cuts it, for a table cell. */
export function statementText(query: string, length = 200): string {
  const folded = query.replace(/\s+/g, ' ').trim();
  return folded.length > length ? `${folded.slice(0, length - 1)}…` : folded;
}

/** The counts of a window as figures per purchase, the busiest statements first. */
export function perPurchase(
  window: {
    seconds: number;
    purchases: number;
    transactions: number;
    statements?: number | undefined;
    backgroundStatementsPerSecond?: number | undefined;
    evicted?: number | undefined;
    unavailable?: string | undefined;
  },
  statements: { query: string; calls: number; totalMs: number }[],
  topCount = 15,
): StatementCounts {
  const per = (count: number) => (window.purchases > 0 ? count / window.purchases : Number.NaN);
  const counted =
    window.statements === undefined
      ? `transactions committed or rolled back in the platform's database (pg_stat_database), from the start of the scenario until ${Math.round(window.seconds)} s later (the sale, its events' handling, then ≥ 10 s for the server's counters to settle); statements not counted: ${window.unavailable ?? 'pg_stat_statements not loaded'}`
      : `every top-level SQL statement the platform's database ran (pg_stat_statements calls, BEGIN/COMMIT included), and transactions committed or rolled back (pg_stat_database, an autocommit statement counts one), from the start of the scenario until ${Math.round(window.seconds)} s later (the sale, its events' handling, then ≥ 10 s for the server's counters to settle, idle polling included); the benchmark's own queries left out`;
  return {
    counted,
    windowSeconds: window.seconds,
    purchases: window.purchases,
    ...(window.statements !== undefined && {
      statements: window.statements,
      statementsPerPurchase: per(window.statements),
    }),
    transactions: window.transactions,
    transactionsPerPurchase: per(window.transactions),
    ...(window.backgroundStatementsPerSecond !== undefined && {
      backgroundStatementsPerSecond: window.backgroundStatementsPerSecond,
    }),
    top: [...statements]
      .sort((a, b) => b.calls - a.calls)
      .slice(0, topCount)
      .map((statement) => ({
        query: statementText(statement.query),
        calls: statement.calls,
        callsPerPurchase: per(statement.calls),
        meanMs: statement.calls > 0 ? statement.totalMs / statement.calls : 0,
        totalMs: statement.totalMs,
      })),
    ...(window.evicted ? { evicted: window.evicted } : {}),
    ...(window.unavailable !== undefined && { unavailable: window.unavailable }),
  };
}

/**
 * Counts a scenario's statements: `start` before it (resets pg_stat_statements), `finish` after
 * its events were handled. pg_stat_database takes up to 10 s to see an idle backend's
 * transactions (PostgreSQL flushes a backend's counters at most once a second, an idle one after
 * 10 s), so `finish` waits until 10.5 s after the sale ended before it reads.
 */
export class StatementCounter {
  private client: pg.Client | undefined;
  private tracked = false;
  private unavailable: string | undefined;
  private before: Snapshot | undefined;
  private ownTransactions = 0;

  constructor(private readonly databaseUrl: string) {}

  private async query<Row extends pg.QueryResultRow>(text: string): Promise<Row[]> {
    this.ownTransactions++;
    return (await this.client!.query<Row>(text)).rows;
  }

  async start(): Promise<void> {
    this.client = new pg.Client({
      connectionString: this.databaseUrl,
      application_name: 'bench-statements',
      options: UNTRACKED,
    });
    await this.client.connect();
    const [preload] = await this.query<{ shared_preload_libraries: string }>('SHOW shared_preload_libraries');
    if (!/\bpg_stat_statements\b/.test(preload?.shared_preload_libraries ?? ''))
      this.unavailable = 'pg_stat_statements is not in shared_preload_libraries';
    else {
      try {
        await this.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
        await this.query(`CREATE EXTENSION IF NOT EXISTS pg_stat_statements SCHEMA ${SCHEMA}`);
        await this.query(`SELECT ${SCHEMA}.pg_stat_statements_reset()`);
        this.tracked = true;
      } catch (error) {
        this.unavailable = `pg_stat_statements could not be used: ${(error as Error).message}`;
      }
    }
    this.before = await this.snapshot();
  }

  /**
   * Statements so far, then transactions: our own connection's counters are flushed first
   * (pg_stat_force_next_flush, PostgreSQL 15+), so `ownTransactions` is exact at the read.
   */
  private async snapshot(): Promise<Snapshot> {
    const statements = this.tracked
      ? Number(
          (
            await this.query<{ calls: string | null }>(
              `SELECT sum(calls) AS calls FROM ${SCHEMA}.pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
            )
          )[0]?.calls ?? 0,
        )
      : undefined;
    await this.query('SELECT pg_stat_force_next_flush()').catch(() => undefined);
    const own = this.ownTransactions;
    const [database] = await this.query<{ transactions: string }>(
      'SELECT xact_commit + xact_rollback AS transactions FROM pg_stat_database WHERE datname = current_database()',
    );
    return { at: performance.now(), transactions: Number(database?.transactions ?? 0), statements, own };
  }

  /**
   * The counts since `start`, per purchase. `saleEndedAt` (performance.now()) is when the sale
   * ended; `otherTransactions` those the benchmark's other connections (the outbox watcher) ran.
   */
  async finish(purchases: number, saleEndedAt: number, otherTransactions: number): Promise<StatementCounts> {
    try {
      // Statements after the sale's events were handled: the platform's background rate.
      const handled = this.tracked ? await this.snapshot() : undefined;
      const settleUntil = saleEndedAt + 10_500;
      const wait = settleUntil - performance.now();
      if (wait > 0) await new Promise((done) => setTimeout(done, wait));
      const after = await this.snapshot();
      const before = this.before!;
      const background =
        handled && after.at - handled.at > 1_000
          ? ((after.statements ?? 0) - (handled.statements ?? 0)) / ((after.at - handled.at) / 1000)
          : undefined;
      let statements: { query: string; calls: number; totalMs: number }[] = [];
      let evicted: number | undefined;
      if (this.tracked) {
        statements = (
          await this.query<{ query: string; calls: string; total_ms: number }>(
            `SELECT query, sum(calls) AS calls, sum(total_exec_time) AS total_ms
             FROM ${SCHEMA}.pg_stat_statements
             WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
             GROUP BY query ORDER BY sum(calls) DESC LIMIT 50`,
          )
        ).map((row) => ({ query: row.query, calls: Number(row.calls), totalMs: Number(row.total_ms) }));
        evicted = Number(
          (await this.query<{ dealloc: string }>(`SELECT dealloc FROM ${SCHEMA}.pg_stat_statements_info`))[0]
            ?.dealloc ?? 0,
        );
      }
      return perPurchase(
        {
          seconds: (after.at - before.at) / 1000,
          purchases,
          // Less our own reads between the two readings and the watcher's.
          transactions: Math.max(
            0,
            after.transactions - before.transactions - (after.own - before.own) - otherTransactions,
          ),
          statements:
            after.statements === undefined ? undefined : after.statements - (before.statements ?? 0),
          backgroundStatementsPerSecond: background,
          evicted,
          unavailable: this.unavailable,
        },
        statements,
      );
    } finally {
      await this.client?.end();
    }
  }
}
