// Repeated statements are prepared on the server, once per connection, on a real PostgreSQL;
// statements without parameters, one-off texts and a caller's own names are left alone.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, type Database } from '../src/database/pool.js';
import { statementName } from '../src/database/prepared-statements.js';
import { createLogger } from '../src/logger.js';
import { createTestDatabase } from '../src/testing/index.js';

const logger = createLogger('silent');
let db: Database;
let unprepared: Database;

beforeAll(async () => {
  const url = await createTestDatabase(inject('databaseAdminUrl'), 'prepared');
  db = createDatabase({ url, poolSize: 1, applicationName: 'prepared-test', logger });
  unprepared = createDatabase({
    url,
    poolSize: 1,
    applicationName: 'prepared-test-off',
    logger,
    preparedStatements: false,
  });
});
afterAll(async () => {
  await db?.close();
  await unprepared?.close();
});

/** The statements prepared on the pool's one connection, as the server lists them. */
async function preparedOn(database: Database): Promise<string[]> {
  const { rows } = await database.pool.query<{ statement: string }>(
    'SELECT statement FROM pg_prepared_statements',
  );
  return rows.map((row) => row.statement);
}

describe('prepared statements', () => {
  it('prepares a statement from its third run on, and answers the same', async () => {
    const text = 'SELECT $1::int + 40 AS answer /* prepared-test-1 */';
    const answers: number[] = [];
    for (let run = 1; run <= 5; run++) {
      const { rows } = await db.pool.query<{ answer: number }>(text, [run]);
      answers.push(rows[0]!.answer);
      const prepared = (await preparedOn(db)).filter((statement) => statement.includes('prepared-test-1'));
      expect(prepared.length, `after run ${run}`).toBe(run >= 3 ? 1 : 0);
    }
    expect(answers).toEqual([41, 42, 43, 44, 45]);
  });

  it('prepares Drizzle statements inside transactions too', async () => {
    for (let run = 0; run < 4; run++) {
      await db.transaction(async (tx) => {
        const result = await tx.execute<{ id: number }>(sql`SELECT ${run}::int AS id /* prepared-test-2 */`);
        expect(result.rows[0]!.id).toBe(run);
      });
    }
    expect((await preparedOn(db)).some((statement) => statement.includes('prepared-test-2'))).toBe(true);
  });

  it('leaves statements without parameters on the simple protocol, several to a text', async () => {
    for (let run = 0; run < 4; run++) await db.pool.query('SELECT 1; SELECT 2 /* prepared-test-3 */');
    expect((await preparedOn(db)).some((statement) => statement.includes('prepared-test-3'))).toBe(false);
  });

  it('keeps a name the caller gave', async () => {
    for (let run = 0; run < 4; run++)
      await db.pool.query({ name: 'callers-own', text: 'SELECT $1::text AS v', values: ['x'] });
    const { rows } = await db.pool.query('SELECT name FROM pg_prepared_statements');
    expect(rows.map((row) => row.name)).toContain('callers-own');
  });

  it('can be switched off (DATABASE_PREPARED_STATEMENTS=off)', async () => {
    for (let run = 0; run < 5; run++)
      await unprepared.pool.query('SELECT $1::int /* prepared-test-4 */', [run]);
    expect(await preparedOn(unprepared)).toEqual([]);
  });

  it('names a text once, and never a text built per call', () => {
    const text = `SELECT $1 /* ${Math.random()} */`;
    expect([statementName(text), statementName(text)]).toEqual([undefined, undefined]);
    const name = statementName(text);
    expect(name).toMatch(/^t[0-9a-z]+$/);
    expect(statementName(text)).toBe(name);
    const huge = `SELECT $1 /* ${'x'.repeat(9_000)} */`;
    expect([1, 2, 3, 4].map(() => statementName(huge))).toEqual([undefined, undefined, undefined, undefined]);
  });
});
