// What the logger keeps out of the log, whatever the code that logs: the parameters of a failed
// statement (Drizzle puts them in its error's message), PostgreSQL's quoted values, and
// credentials, tokens, card data and personal data under their usual keys.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { INTERNAL_TOKEN_HEADER, InternalTokens } from '../src/auth.js';
import { createDatabase, type Database } from '../src/database/pool.js';
import { createHttpApp, type HttpApp } from '../src/http.js';
import { createLogger } from '../src/logger.js';
import { createTestDatabase } from '../src/testing/index.js';

/** Every line the logger wrote, parsed. */
const lines: string[] = [];
const logger = createLogger('info', {}, { write: (line: string) => lines.push(line) });
const tokens = new InternalTokens('the-platform-secret-for-logger-tests');
const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g';
const EMAIL = 'grace.hopper@example.com';
let db: Database;
let app: HttpApp;

beforeAll(async () => {
  db = createDatabase({
    url: await createTestDatabase(inject('databaseAdminUrl'), 'logger'),
    poolSize: 2,
    applicationName: 'logger-test',
    logger,
  });
  // Every insert fails, and PostgreSQL's detail would quote the whole row.
  await db.pool.query(
    'CREATE TABLE accounts (email text NOT NULL, password_hash text NOT NULL, CONSTRAINT closed CHECK (false))',
  );
  app = await createHttpApp({ service: 'accounts', logger, tokens });
  app.post('/api/v1/accounts', { config: { access: 'public' } }, async () => {
    await db.orm.execute(sql`INSERT INTO accounts (email, password_hash) VALUES (${EMAIL}, ${HASH})`);
    return { created: true };
  });
  app.post('/api/v1/raw-accounts', { config: { access: 'public' } }, async () => {
    await db.pool.query('INSERT INTO accounts (email, password_hash) VALUES ($1, $2)', [EMAIL, HASH]);
    return { created: true };
  });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await db?.close();
});

const logged = () => lines.join('');

describe('a failed statement in the log', () => {
  it.each([
    ['through Drizzle', '/api/v1/accounts'],
    ['on the pg pool', '/api/v1/raw-accounts'],
  ])('says what failed %s, but not with which values', async (_story, url) => {
    lines.length = 0;
    const response = await app.inject({
      method: 'POST',
      url,
      headers: { [INTERNAL_TOKEN_HEADER]: await tokens.issue({ service: 'gateway' }) },
    });
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain(EMAIL);
    const failure = lines.map((line) => JSON.parse(line)).find((line) => line.msg === 'unhandled error');
    expect(failure, logged()).toBeDefined();
    expect(failure.err.message).toContain('violates check constraint "closed"');
    expect(logged()).not.toContain(EMAIL);
    expect(logged()).not.toContain('$argon2id');
    expect(failure.err.params).toBeUndefined();
  });
});

describe('keys that are never logged', () => {
  it('are redacted at any depth, and the rest of the line stays', () => {
    lines.length = 0;
    logger.info(
      {
        userId: 'user-7',
        email: EMAIL,
        body: { password: 'hunter2-hunter2', card: { number: '4242424242424242' }, firstName: 'Grace' },
        session: { tokens: { refreshToken: 'rt-secret', accessToken: 'at-secret' } },
        req: { headers: { authorization: 'Bearer at-secret', 'x-internal-token': 'it-secret' } },
      },
      'signed up',
    );
    const line = JSON.parse(lines[0]!);
    expect(line.userId).toBe('user-7');
    expect(line.msg).toBe('signed up');
    for (const secret of [EMAIL, 'hunter2', '4242', 'Grace', 'rt-secret', 'at-secret', 'it-secret'])
      expect(lines[0]).not.toContain(secret);
    expect(line.session.tokens.refreshToken).toBe('[redacted]');
    expect(line.req.headers['x-internal-token']).toBe('[redacted]');
  });
});

describe('an error with secrets among its fields', () => {
  it('is logged with its message, but the redacted keys of its fields are not', () => {
    lines.length = 0;
    const error = Object.assign(new Error('the upstream refused the call'), {
      request: { headers: { authorization: 'Bearer at-secret' } },
      password: 'hunter2-hunter2',
    });
    logger.error({ err: error }, 'call failed');
    const line = JSON.parse(lines[0]!);
    expect(line.err.message).toBe('the upstream refused the call');
    expect(line.err.request.headers.authorization).toBe('[redacted]');
    expect(lines[0]).not.toContain('hunter2');
    expect(lines[0]).not.toContain('at-secret');
  });
});
