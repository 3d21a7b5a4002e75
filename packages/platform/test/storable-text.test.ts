// Text PostgreSQL cannot store, sent to a service built with the http kit whose routes write what
// they get into a real table: the kit refuses it with a 400 naming the field, on every part of
// the request and on routes that declare no schema, before a statement can fail with a 500.
import { sql } from 'drizzle-orm';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { INTERNAL_TOKEN_HEADER, InternalTokens } from '../src/auth.js';
import { createDatabase, type Database } from '../src/database/pool.js';
import { createHttpApp, type HttpApp } from '../src/http.js';
import { MAX_BODY_NESTING, nestsDeeperThan } from '../src/json-nesting.js';
import { createLogger } from '../src/logger.js';
import { findUnstorableText } from '../src/storable-text.js';
import { createTestDatabase } from '../src/testing/index.js';

const logger = createLogger('silent');
const tokens = new InternalTokens('the-platform-secret-for-storable-text-tests');
let db: Database;
let app: HttpApp;
let headers: Record<string, string>;

const Guest = Type.Object(
  {
    name: Type.String({ maxLength: 200 }),
    details: Type.Optional(
      Type.Object({ city: Type.Optional(Type.String()), tags: Type.Optional(Type.Array(Type.String())) }),
    ),
  },
  { additionalProperties: false },
);

beforeAll(async () => {
  db = createDatabase({
    url: await createTestDatabase(inject('databaseAdminUrl'), 'storable'),
    poolSize: 2,
    applicationName: 'storable-text-test',
    logger,
  });
  await db.pool.query('CREATE TABLE guests (name text NOT NULL, details jsonb)');
  app = await createHttpApp({ service: 'guests', logger, tokens });
  app.post(
    '/api/v1/guests',
    { config: { access: 'public' }, schema: { body: Guest } },
    async (request, reply) => {
      await db.orm.execute(
        sql`INSERT INTO guests (name, details) VALUES (${request.body.name}, ${JSON.stringify(request.body.details ?? null)}::jsonb)`,
      );
      return reply.status(201).send({ stored: true });
    },
  );
  // No schema at all: the query and the path parameter still reach SQL.
  app.get<{ Params: { name: string }; Querystring: { city?: string } }>(
    '/api/v1/guests/:name',
    { config: { access: 'public' } },
    async (request) => {
      const { rows } = await db.pool.query(
        "SELECT count(*)::int AS found FROM guests WHERE name = $1 OR details->>'city' = $2",
        [request.params.name, request.query.city ?? ''],
      );
      return rows[0];
    },
  );
  await app.ready();
  headers = { [INTERNAL_TOKEN_HEADER]: await tokens.issue({ service: 'gateway' }) };
});
afterAll(async () => {
  await app?.close();
  await db?.close();
});

const post = (payload: unknown) =>
  app.inject({
    method: 'POST',
    url: '/api/v1/guests',
    headers: { ...headers, 'content-type': 'application/json' },
    // Written by hand: JSON.stringify would keep a lone surrogate as an escape anyway, but this shows the wire.
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });

function expectRefused(response: Awaited<ReturnType<typeof post>>, field: string) {
  expect(response.statusCode, response.body).toBe(400);
  expect(response.headers['content-type']).toContain('application/problem+json');
  const problem = response.json();
  expect(problem).toMatchObject({ status: 400, code: 'validation_failed', field });
  expect(problem.detail).toContain(field);
}

describe('text PostgreSQL cannot store', () => {
  it('is what made the statement fail before: PostgreSQL itself refuses a NUL', async () => {
    await expect(db.pool.query('SELECT $1::text', ['a\u0000b'])).rejects.toThrow(/0x00/);
  });

  it.each([
    ['a NUL in a body field', { name: 'Ada\u0000' }, 'name'],
    ['a NUL deep in the body', { name: 'Ada', details: { tags: ['ok', 'x\u0000'] } }, 'details.tags.1'],
    ['a lone high surrogate', '{"name":"Ada\\ud800"}', 'name'],
    ['a lone low surrogate', '{"name":"Ada","details":{"city":"\\udc00Paris"}}', 'details.city'],
    ['a NUL in a key', '{"name":"Ada","details":{"ci\\u0000ty":"Paris"}}', 'details.ci\uFFFDty'],
  ])('%s in the body is a 400 naming the field', async (_story, payload, field) => {
    expectRefused(await post(payload), field);
  });

  it('is refused in the query and the path of a route without a schema', async () => {
    const byQuery = await app.inject({ method: 'GET', url: '/api/v1/guests/ada?city=Par%00is', headers });
    expectRefused(byQuery, 'city');
    const byPath = await app.inject({ method: 'GET', url: '/api/v1/guests/a%00da', headers });
    expectRefused(byPath, 'name');
  });

  it('answers a path whose percent-encoding is not UTF-8 (a lone surrogate has none) with a 400 problem', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/guests/Ada%ED%A0%80', headers });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ status: 400, code: 'bad_url' });
  });

  it('leaves good text alone, emoji (surrogate pairs) and other scripts included', async () => {
    const stored = await post({ name: 'Zoë 🎟️ 東京', details: { city: 'Kraków', tags: ['😀'] } });
    expect(stored.statusCode, stored.body).toBe(201);
    const found = await app.inject({
      method: 'GET',
      url: `/api/v1/guests/${encodeURIComponent('Zoë 🎟️ 東京')}`,
      headers,
    });
    expect(found.json()).toEqual({ found: 1 });
  });

  it('is looked for only in a body that nests a sane depth: a deeper one is a 400, not a stack overflow', async () => {
    const deep = `{"name":"Ada","details":{"tags":${'['.repeat(5_000)}${']'.repeat(5_000)}}}`;
    expectRefused(await post(deep), 'body');
    expect(nestsDeeperThan(JSON.parse(deep), MAX_BODY_NESTING)).toBe(true);
    expect(nestsDeeperThan({ a: [{ b: [1, { c: 'd' }] }] }, 5)).toBe(false);
    expect(nestsDeeperThan({ a: [{ b: [1, { c: {} }] }] }, 5)).toBe(true);
  });

  it('is found by the walker wherever it is, and only there', () => {
    expect(findUnstorableText({ a: [{ b: 'fine' }, { c: 'x\u0000' }] })).toEqual({
      field: 'a.1.c',
      what: 'a NUL character',
    });
    expect(findUnstorableText(['\ud83c'])).toEqual({ field: '0', what: 'a lone surrogate' });
    expect(findUnstorableText({ pair: '\ud83c\udf9f', numbers: [1, 2], flag: true, none: null })).toBe(
      undefined,
    );
    expect(findUnstorableText(Buffer.from([0, 0]))).toBe(undefined);
  });
});
