// A register that fails in the database, told by the log: the failure and the statement are
// there, but not the password, its argon2 hash, the email or the names the statement carried.
import { Writable } from 'node:stream';
import { createLogger } from '@ticketing/platform';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { startTestPlatform, type TestPlatform } from '../../../tools/test/platform.js';
import { expectProblem, newAccount } from './support.js';

/** Every line the services wrote. */
const lines: string[] = [];
const logged = new Writable({
  write(chunk, _encoding, done) {
    lines.push(String(chunk));
    done();
  },
});
let t: TestPlatform;
let sql: pg.Pool;

beforeAll(async () => {
  t = await startTestPlatform({
    services: ['user', 'gateway'],
    logger: createLogger('info', {}, logged),
    env: { RATE_LIMIT_AUTH: 'off' },
  });
  sql = new pg.Pool({ connectionString: t.databaseUrl, max: 1 });
});
afterAll(async () => {
  await sql?.end();
  await t?.stop();
});

describe('a register the database refuses', () => {
  it('is logged without the password, its hash, the email or the names', async () => {
    // Every new account fails at the INSERT from now on (existing rows are left alone).
    await sql.query('ALTER TABLE users.users ADD CONSTRAINT no_new_accounts CHECK (false) NOT VALID');
    const account = newAccount({ firstName: 'Augusta', lastName: 'Byron-King' });
    const answer = await call(t.gatewayUrl, 'POST', '/api/v1/auth/register', { body: account });
    expectProblem(answer, 500, 'internal_error');

    const failureLine = () =>
      lines.map((line) => JSON.parse(line)).find((line) => line.msg === 'unhandled error');
    await expect.poll(failureLine).toBeDefined();
    const failure = failureLine();
    // The log still says what failed…
    expect(failure.err.message).toContain('violates check constraint "no_new_accounts"');
    expect(failure.err.message).toContain('insert into "users"."users"');
    // …but not with what.
    const log = lines.join('');
    for (const secret of [account.password, '$argon2', account.email, 'Augusta', 'Byron-King'])
      expect(log, `the log holds ${secret}`).not.toContain(secret);
  });
});
