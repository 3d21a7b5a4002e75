// The database's own limit: pgbench on the platform's PostgreSQL runs the statements of one
// purchase that decide who gets a ticket — the ticket service's hold and sell transactions,
// statement for statement (services/ticket/src/repository.ts) — on a scratch copy of the
// inventory tables. Our purchases per second divided by its transactions per second says how
// much of the database's capacity the platform turns into sales.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

const SCRATCH = 'bench_scratch';
const EVENT_ID = '00000000-0000-4000-8000-00000000e0e0';
const TICKET_TYPE_ID = '00000000-0000-4000-8000-0000000077a0';

/** pgbench from PATH or Debian's PostgreSQL install; installed with apt-get when root and missing. */
export async function findPgbench(log: (line: string) => void): Promise<string | undefined> {
  const found = () => {
    const versions = existsSync('/usr/lib/postgresql')
      ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))
      : [];
    for (const version of versions) {
      const path = `/usr/lib/postgresql/${version}/bin/pgbench`;
      if (existsSync(path)) return path;
    }
    for (const dir of (process.env.PATH ?? '').split(':'))
      if (existsSync(join(dir, 'pgbench'))) return join(dir, 'pgbench');
    return undefined;
  };
  const path = found();
  if (path || userInfo().uid !== 0) return path;
  log('pgbench is missing: installing postgresql-contrib with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    run('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql-contrib'], { env });
  await install().catch(async () => {
    await run('apt-get', ['update'], { env });
    await install();
  });
  return found();
}

/** The same columns the ticket service returns from its statements (TICKET_COLUMNS). */
const TICKET_COLUMNS = `id, event_id AS "eventId", seat_id AS "seatId", ticket_type_id AS "ticketTypeId",
    label, section, row_label AS "row", seat_number AS "seat", category, price, status,
    hold_id AS "holdId", order_id AS "orderId", owner_id AS "ownerId", sold_at AS "soldAt"`;

// pgbench reads ":name" as a variable even inside a string literal, hence 'tickets:' || 'quota:'.

/** A purchase of 1–4 reserved seats: holdAvailableSeats, then sellTicketsOfHold. */
export const SEATS_SCRIPT = `
\\set quantity random(1, 4)
\\set buyer random(1, 1000000)
SELECT nextval('${SCRATCH}.seat_blocks') AS block, gen_random_uuid() AS hold, gen_random_uuid() AS order_id, ${SCRATCH}.buyer_id(:buyer) AS buyer_id \\gset
BEGIN;
SELECT pg_advisory_xact_lock(hashtext('tickets:' || 'quota:' || :buyer_id::text || ':' || '${EVENT_ID}'));
SELECT count(*)::int AS count FROM ${SCRATCH}.tickets
  WHERE event_id = '${EVENT_ID}'
    AND ((status = 'LOCKED' AND locked_by = :buyer_id AND locked_until > now()) OR (status = 'SOLD' AND owner_id = :buyer_id));
UPDATE ${SCRATCH}.tickets
  SET status = 'LOCKED', hold_id = :hold, locked_by = :buyer_id,
      locked_until = now() + interval '10 minutes', version = version + 1, updated_at = now()
  WHERE status = 'AVAILABLE' AND id IN (
    SELECT id FROM ${SCRATCH}.tickets
    WHERE event_id = '${EVENT_ID}' AND seat_id = ANY(${SCRATCH}.seat_ids(:block, :quantity)) AND status = 'AVAILABLE'
    ORDER BY id
    FOR UPDATE)
  RETURNING ${TICKET_COLUMNS};
INSERT INTO ${SCRATCH}.holds (id, event_id, user_id, status, kind, ticket_count, total, currency, expires_at, created_at)
  VALUES (:hold, '${EVENT_ID}', :buyer_id, 'ACTIVE', 'SEATS', :quantity, 9000 * :quantity, 'EUR', now() + interval '10 minutes', now());
COMMIT;
BEGIN;
SELECT * FROM ${SCRATCH}.holds WHERE id = :hold FOR UPDATE;
UPDATE ${SCRATCH}.tickets
  SET status = 'SOLD', order_id = :order_id, owner_id = :buyer_id, sold_at = now(),
      locked_by = NULL, locked_until = NULL, version = version + 1, updated_at = now()
  WHERE hold_id = :hold AND status = 'LOCKED'
  RETURNING ${TICKET_COLUMNS};
UPDATE ${SCRATCH}.holds SET status = 'SOLD', order_id = :order_id, ended_at = now(), end_reason = 'sold' WHERE id = :hold;
COMMIT;
`;

/** A purchase of 1–4 general-admission tickets: holdFreeUnits (SKIP LOCKED), then the same sale. */
export const GENERAL_ADMISSION_SCRIPT = `
\\set quantity random(1, 4)
\\set buyer random(1, 1000000)
SELECT gen_random_uuid() AS hold, gen_random_uuid() AS order_id, ${SCRATCH}.buyer_id(:buyer) AS buyer_id \\gset
BEGIN;
SELECT pg_advisory_xact_lock(hashtext('tickets:' || 'quota:' || :buyer_id::text || ':' || '${EVENT_ID}'));
SELECT count(*)::int AS count FROM ${SCRATCH}.tickets
  WHERE event_id = '${EVENT_ID}'
    AND ((status = 'LOCKED' AND locked_by = :buyer_id AND locked_until > now()) OR (status = 'SOLD' AND owner_id = :buyer_id));
WITH free AS (
  SELECT id FROM ${SCRATCH}.tickets
  WHERE ticket_type_id = '${TICKET_TYPE_ID}' AND status = 'AVAILABLE'
  LIMIT :quantity
  FOR UPDATE SKIP LOCKED)
UPDATE ${SCRATCH}.tickets t
  SET status = 'LOCKED', hold_id = :hold, locked_by = :buyer_id,
      locked_until = now() + interval '10 minutes', version = t.version + 1, updated_at = now()
  FROM free WHERE t.id = free.id
  RETURNING t.id, t.status;
INSERT INTO ${SCRATCH}.holds (id, event_id, user_id, status, kind, ticket_count, total, currency, expires_at, created_at)
  VALUES (:hold, '${EVENT_ID}', :buyer_id, 'ACTIVE', 'QUANTITY', :quantity, 3000 * :quantity, 'EUR', now() + interval '10 minutes', now());
COMMIT;
BEGIN;
SELECT * FROM ${SCRATCH}.holds WHERE id = :hold FOR UPDATE;
UPDATE ${SCRATCH}.tickets
  SET status = 'SOLD', order_id = :order_id, owner_id = :buyer_id, sold_at = now(),
      locked_by = NULL, locked_until = NULL, version = version + 1, updated_at = now()
  WHERE hold_id = :hold AND status = 'LOCKED'
  RETURNING ${TICKET_COLUMNS};
UPDATE ${SCRATCH}.holds SET status = 'SOLD', order_id = :order_id, ended_at = now(), end_reason = 'sold' WHERE id = :hold;
COMMIT;
`;

/**
 * Scratch copies of tickets.tickets and tickets.holds (same columns, checks, indexes and the
 * deferred hold foreign key) with enough seats and units that no purchase runs out: every seat
 * purchase takes the next block of four seats, so the figure is one of uncontended sales.
 */
export async function createScratchInventory(databaseUrl: string, purchases: number): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const seats = purchases * 4;
    await client.query(`
      DROP SCHEMA IF EXISTS ${SCRATCH} CASCADE;
      CREATE SCHEMA ${SCRATCH};
      CREATE TABLE ${SCRATCH}.holds (LIKE tickets.holds INCLUDING ALL);
      CREATE TABLE ${SCRATCH}.tickets (LIKE tickets.tickets INCLUDING ALL);
      ALTER TABLE ${SCRATCH}.tickets ADD FOREIGN KEY (hold_id) REFERENCES ${SCRATCH}.holds (id)
        DEFERRABLE INITIALLY DEFERRED;
      CREATE SEQUENCE ${SCRATCH}.seat_blocks;
      CREATE FUNCTION ${SCRATCH}.seat_id(n bigint) RETURNS uuid IMMUTABLE LANGUAGE sql
        AS $$ SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid $$;
      CREATE FUNCTION ${SCRATCH}.buyer_id(n bigint) RETURNS uuid IMMUTABLE LANGUAGE sql
        AS $$ SELECT ('00000000-0000-4000-9000-' || lpad(to_hex(n), 12, '0'))::uuid $$;
      -- The seat ids of block b, as the service receives them: one uuid[] of 1–4 seats.
      CREATE FUNCTION ${SCRATCH}.seat_ids(block bigint, quantity int) RETURNS uuid[] IMMUTABLE LANGUAGE sql
        AS $$ SELECT array_agg(${SCRATCH}.seat_id(block * 4 + k)) FROM generate_series(0, quantity - 1) AS k $$;`);
    await client.query(
      `INSERT INTO ${SCRATCH}.tickets (id, event_id, seat_id, section, row_label, seat_number, seat_position,
         row_distance, label, category, price, x, y, status, version, created_at, updated_at)
       SELECT gen_random_uuid(), '${EVENT_ID}', ${SCRATCH}.seat_id(n), 'S' || (n / 5000), 'R' || ((n / 50) % 100),
              (n % 50)::text, (n % 50)::int, ((n / 50) % 100)::float8, 'Seat ' || n, 'STANDARD', 9000, n % 50, n / 50,
              'AVAILABLE', 0, now(), now()
       FROM generate_series(4, $1::bigint + 11) AS n`,
      [seats],
    );
    await client.query(
      `INSERT INTO ${SCRATCH}.tickets (id, event_id, ticket_type_id, unit_number, label, price, status, version,
         created_at, updated_at)
       SELECT gen_random_uuid(), '${EVENT_ID}', '${TICKET_TYPE_ID}', unit, 'Standing #' || unit, 3000, 'AVAILABLE', 0,
              now(), now()
       FROM generate_series(1, $1::integer) AS unit`,
      [purchases * 4],
    );
    await client.query(`SELECT setval('${SCRATCH}.seat_blocks', 1); ANALYZE ${SCRATCH}.tickets`);
  } finally {
    await client.end();
  }
}

export async function dropScratchInventory(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${SCRATCH} CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * The SQL statements and transactions one run of a pgbench script sends: a statement ends with
 * `;` or `\gset` at the end of a line; BEGIN … COMMIT is one transaction, and a statement
 * outside one is its own. Meta-commands (`\set`) send nothing.
 */
export function scriptCounts(script: string): { statements: number; transactions: number } {
  let statements = 0;
  let transactions = 0;
  let inTransaction = false;
  let current = '';
  for (const line of script.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || (current === '' && trimmed.startsWith('\\') && !trimmed.endsWith('\\gset')))
      continue;
    current += ` ${trimmed}`;
    if (!trimmed.endsWith(';') && !trimmed.endsWith('\\gset')) continue;
    statements++;
    const keyword = current.trim().split(/[\s;]/)[0]!.toUpperCase();
    if (keyword === 'BEGIN') {
      inTransaction = true;
      transactions++;
    } else if (keyword === 'COMMIT' || keyword === 'ROLLBACK') inTransaction = false;
    else if (!inTransaction) transactions++;
    current = '';
  }
  return { statements, transactions };
}

/** Statements and transactions of pgbench's purchase: the mean of its two scripts (run 1:1). */
export function pgbenchPurchaseCounts(): { statements: number; transactions: number } {
  const seats = scriptCounts(SEATS_SCRIPT);
  const general = scriptCounts(GENERAL_ADMISSION_SCRIPT);
  return {
    statements: (seats.statements + general.statements) / 2,
    transactions: (seats.transactions + general.transactions) / 2,
  };
}

export interface PgbenchResult {
  version: string;
  clients: number;
  threads: number;
  purchases: number;
  /** Purchases (script runs) per second, without connection set-up. */
  purchasesPerSecond: number;
  latencyAverageMs: number;
  /** What one purchase of its scripts sends (pgbenchPurchaseCounts). */
  statementsPerPurchase: number;
  transactionsPerPurchase: number;
  failed: number;
  seconds: number;
  command: string;
  output: string;
}

/** Runs `purchases` purchases, half seats and half general admission, over `clients` connections. */
export async function runPgbench(
  pgbench: string,
  databaseUrl: string,
  options: { purchases: number; clients: number; threads: number },
): Promise<PgbenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-pgbench-'));
  try {
    await writeFile(join(dir, 'seats.sql'), SEATS_SCRIPT);
    await writeFile(join(dir, 'general-admission.sql'), GENERAL_ADMISSION_SCRIPT);
    const perClient = Math.max(1, Math.round(options.purchases / options.clients));
    const args = [
      '--no-vacuum',
      // The extended protocol with unnamed statements: what node-postgres sends for a query.
      '--protocol=extended',
      `--client=${options.clients}`,
      `--jobs=${options.threads}`,
      `--transactions=${perClient}`,
      '--report-per-command',
      `--file=${join(dir, 'seats.sql')}@1`,
      `--file=${join(dir, 'general-admission.sql')}@1`,
      databaseUrl,
    ];
    const version = (await run(pgbench, ['--version'])).stdout.trim();
    const started = performance.now();
    const { stdout, stderr } = await run(pgbench, args, { maxBuffer: 16 * 1024 * 1024 });
    const seconds = (performance.now() - started) / 1000;
    const output = `${stdout}\n${stderr}`;
    const number = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? Number.NaN);
    return {
      version,
      clients: options.clients,
      threads: options.threads,
      purchases: number(/number of transactions actually processed: (\d+)/),
      purchasesPerSecond: number(/tps = ([\d.]+) \(without initial connection time\)/),
      latencyAverageMs: number(/latency average = ([\d.]+) ms/),
      statementsPerPurchase: pgbenchPurchaseCounts().statements,
      transactionsPerPurchase: pgbenchPurchaseCounts().transactions,
      failed: number(/number of failed transactions: (\d+)/) || 0,
      seconds,
      command: `pgbench ${args.slice(0, -1).join(' ')} <database>`.replaceAll(dir, '<scripts>'),
      output: output.replaceAll(databaseUrl, '<database>').replaceAll(dir, '<scripts>'),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) of the hold statements on the scratch inventory, rolled back:
 * the seat hold, the general-admission hold, and the count of free units the ticket service
 * reads before a general-admission hold.
 */
export async function explainHolds(databaseUrl: string): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const statements: Record<string, string> = {
    'seat hold (holdAvailableSeats)': `
      UPDATE ${SCRATCH}.tickets
      SET status = 'LOCKED', hold_id = gen_random_uuid(), locked_by = ${SCRATCH}.buyer_id(1),
          locked_until = now() + interval '10 minutes', version = version + 1, updated_at = now()
      WHERE status = 'AVAILABLE' AND id IN (
        SELECT id FROM ${SCRATCH}.tickets
        WHERE event_id = '${EVENT_ID}' AND seat_id = ANY($1::uuid[]) AND status = 'AVAILABLE'
        ORDER BY id
        FOR UPDATE)`,
    'general-admission hold (holdFreeUnits)': `
      WITH free AS (
        SELECT id FROM ${SCRATCH}.tickets
        WHERE ticket_type_id = '${TICKET_TYPE_ID}' AND status = 'AVAILABLE'
        LIMIT 4
        FOR UPDATE SKIP LOCKED)
      UPDATE ${SCRATCH}.tickets t
      SET status = 'LOCKED', hold_id = gen_random_uuid(), locked_by = ${SCRATCH}.buyer_id(1),
          locked_until = now() + interval '10 minutes', version = t.version + 1, updated_at = now()
      FROM free WHERE t.id = free.id`,
    'free units before a general-admission hold (countFreeUnits)': `
      SELECT count(*)::int AS count FROM ${SCRATCH}.tickets
      WHERE ticket_type_id = '${TICKET_TYPE_ID}' AND status = 'AVAILABLE'`,
  };
  const plans: Record<string, string> = {};
  try {
    // Four free seats, passed as one uuid[] parameter as the service passes them.
    const { rows: block } = await client.query(
      `SELECT ${SCRATCH}.seat_ids(nextval('${SCRATCH}.seat_blocks'), 4) AS seats`,
    );
    for (const [name, statement] of Object.entries(statements)) {
      await client.query('BEGIN');
      try {
        // The deferred hold foreign key is checked at commit, which never comes: no hold row needed.
        const { rows } = await client.query(
          `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${statement}`,
          statement.includes('$1') ? [block[0].seats] : [],
        );
        plans[name] = rows.map((row) => row['QUERY PLAN']).join('\n');
      } finally {
        await client.query('ROLLBACK');
      }
    }
  } finally {
    await client.end();
  }
  return plans;
}
