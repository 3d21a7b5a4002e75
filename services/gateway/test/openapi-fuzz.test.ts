// A fuzz of the whole public API: every operation of the merged OpenAPI document the gateway
// serves is called through the gateway with input fast-check generates from the operation's own
// schema and then spoils — wrong types, missing and unknown fields, boundary and huge numbers,
// invalid ids, NUL bytes, lone surrogates, overlong strings, odd content types — as the caller the
// route needs (anonymous, buyer, organizer, admin) and sometimes as nobody. A 5xx is a bug: the
// test fails, printing the seed and the smallest request that still gets one. Afterwards every
// circuit is closed, the platform answers, and the invariants checker (`ticketing verify`) passes.
//
// Bounded: FUZZ_RUNS runs per operation (25 unless set); FUZZ_SEED replays a printed seed.

import fc from 'fast-check';
import { request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { RATE_LIMITS_OFF, startTestPlatform, type TestPlatform } from '../../../tools/test/platform.js';
import { eventBody } from '../../event/test/support.js';
import { expectInvariantsHold } from '../../order/test/support.js';
import { compileRoutes, lookupRoute } from '../src/route-table.js';
import type { RouteRule } from '../src/schema.js';
import { loginAsAdmin, registerAndLogin } from './support.js';

const RUNS_PER_OPERATION = Number(process.env.FUZZ_RUNS ?? 25);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2_147_483_647);

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  $ref?: string;
}

interface Operation {
  parameters?: { name: string; in: string; required?: boolean; schema?: Schema }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}

interface Document {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

type Caller = 'anonymous' | 'buyer' | 'organizer' | 'admin';

interface FuzzRequest {
  caller: Caller;
  path: string;
  query: [string, string][];
  /** Headers a client controls, spoiled: idempotency keys, a queue token, a garbled authorization. */
  headers: Record<string, string>;
  /** A JSON value sent as application/json, or a raw body with its own content type. */
  body?: { json: unknown } | { raw: string; contentType: string };
}

let t: TestPlatform;
const tokens: Record<Exclude<Caller, 'anonymous'>, string> = { buyer: '', organizer: '', admin: '' };
/** Ids that exist (a published event, the buyer and organizer accounts), so paths reach past the 404s. */
const realIds: string[] = [];
let document: Document;
let routes: ReturnType<typeof compileRoutes>;

beforeAll(async () => {
  t = await startTestPlatform({ env: RATE_LIMITS_OFF });
  tokens.admin = (await loginAsAdmin(t.gatewayUrl)).accessToken;
  const buyer = await registerAndLogin(t.gatewayUrl);
  tokens.buyer = buyer.tokens.accessToken;
  const organizer = await registerAndLogin(t.gatewayUrl);
  const granted = await call(t.gatewayUrl, 'PUT', `/api/v1/users/${organizer.user.id}/roles`, {
    token: tokens.admin,
    body: { roles: ['ORGANIZER', 'USER'] },
  });
  expect(granted.status, JSON.stringify(granted.body)).toBe(200);
  tokens.organizer = (
    await call(t.gatewayUrl, 'POST', '/api/v1/auth/login', {
      body: { username: organizer.account.username, password: organizer.account.password },
    })
  ).body.accessToken;
  const created = await call(t.gatewayUrl, 'POST', '/api/v1/events', {
    token: tokens.organizer,
    body: eventBody(),
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const published = await call(t.gatewayUrl, 'POST', `/api/v1/events/${created.body.id}/publish`, {
    token: tokens.organizer,
  });
  expect(published.status, JSON.stringify(published.body)).toBe(200);
  realIds.push(created.body.id, organizer.user.id, buyer.user.id);
  const served = await call(t.gatewayUrl, 'GET', '/api/openapi.json');
  expect(served.status).toBe(200);
  document = served.body;
  const table = await call(t.gatewayUrl, 'GET', '/api/v1/gateway/routes', { token: tokens.admin });
  expect(table.status).toBe(200);
  routes = compileRoutes(table.body.routes as RouteRule[]);
}, 180_000);
afterAll(() => t?.stop());

/** Who the route table lets call an operation; the gateway's own API is for admins. */
function callerFor(method: string, path: string): Caller {
  if (path.startsWith('/api/v1/gateway/')) return 'admin';
  const found = lookupRoute(routes, method, path);
  if (found.kind !== 'found') return 'anonymous';
  const access = found.rule.access;
  if (access === 'public') return 'anonymous';
  if (access === 'authenticated') return 'buyer';
  if (access.roles.includes('ADMIN') && !access.roles.includes('ORGANIZER')) return 'admin';
  if (access.roles.includes('ORGANIZER')) return 'organizer';
  return access.roles.includes('USER') ? 'buyer' : 'admin';
}

const resolve = (schema: Schema | undefined): Schema | undefined =>
  schema?.$ref ? document.components?.schemas?.[schema.$ref.split('/').at(-1)!] : schema;

const LONE_SURROGATES = ['\ud800', '\udfff', 'a\udc00b'];

/** Values no schema should take in place of another: the heart of the fuzz. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, -0, 2 ** 31, 2 ** 53 + 2, -(2 ** 63), 1e308, -1e308),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '\u0000', 'a\u0000b', ...LONE_SURROGATES, '💥'.repeat(70), 'NaN', '1e999'),
  fc.constantFrom('x'.repeat(10_001), 'é'.repeat(70_000)),
  fc.constantFrom('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '../..'),
  fc.uuid(),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
);

/** A value the schema may well accept: the base the spoiling starts from. */
function plausible(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const resolved = resolve(schema);
  if (!resolved || depth > 5) return fc.jsonValue({ maxDepth: 1 });
  if (resolved.const !== undefined) return fc.constant(resolved.const);
  if (resolved.enum) return fc.constantFrom(...resolved.enum);
  const options = resolved.anyOf ?? resolved.oneOf;
  if (options?.length) return fc.oneof(...options.map((option) => plausible(option, depth + 1)));
  if (resolved.allOf?.length) return plausible(resolved.allOf[0], depth + 1);
  const type = Array.isArray(resolved.type) ? resolved.type[0] : resolved.type;
  switch (type) {
    case 'string':
      if (resolved.format === 'uuid') return fc.uuid();
      if (resolved.format === 'date-time')
        return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
      if (resolved.format === 'email') return fc.emailAddress();
      return fc.string({
        minLength: resolved.minLength ?? 0,
        maxLength: Math.min(resolved.maxLength ?? 30, 30),
      });
    case 'integer':
      return fc.integer({ min: resolved.minimum ?? -1_000, max: resolved.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({ min: resolved.minimum ?? -1e6, max: resolved.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(plausible(resolved.items, depth + 1), { maxLength: 3 });
    case 'object': {
      const properties = Object.entries(resolved.properties ?? {});
      return fc.record(
        Object.fromEntries(properties.map(([name, child]) => [name, plausible(child, depth + 1)])),
        { requiredKeys: (resolved.required ?? []).filter((name) => resolved.properties?.[name]) },
      );
    }
    default:
      return fc.jsonValue({ maxDepth: 1 });
  }
}

/** A plausible body with one thing wrong: a hostile value somewhere, a field gone, or one too many. */
function spoiledBody(schema: Schema | undefined): fc.Arbitrary<unknown> {
  return fc
    .tuple(
      plausible(schema),
      fc.constantFrom('replace', 'drop', 'add', 'whole'),
      fc.nat(),
      hostileValue,
      fc.string({ maxLength: 12 }),
    )
    .map(([base, how, pick, hostile, extraName]) => {
      if (how === 'whole' || base === null || typeof base !== 'object' || Array.isArray(base)) return hostile;
      const body = { ...(base as Record<string, unknown>) };
      const names = Object.keys(body);
      const name = names.length ? names[pick % names.length]! : extraName;
      if (how === 'replace') body[name] = hostile;
      else if (how === 'drop') delete body[name];
      else body[extraName || 'unexpected'] = hostile;
      return body;
    });
}

const ODD_BODIES = fc.constantFrom(
  { raw: '{"unterminated": ', contentType: 'application/json' },
  { raw: '', contentType: 'application/json' },
  { raw: 'null', contentType: 'application/json' },
  { raw: '[]', contentType: 'application/json' },
  { raw: '"text"', contentType: 'application/json' },
  { raw: '{"a":1}', contentType: 'application/json; charset=utf-16' },
  { raw: '{"a":1}', contentType: 'text/plain' },
  { raw: '<a>1</a>', contentType: 'application/xml' },
  { raw: 'a=1&b=%00', contentType: 'application/x-www-form-urlencoded' },
  { raw: '--x\r\n\r\n', contentType: 'multipart/form-data' },
  { raw: '\u0000\u0001\u0002', contentType: 'application/octet-stream' },
  { raw: '{"__proto__":{"admin":true},"constructor":{"prototype":{}}}', contentType: 'application/json' },
  { raw: `{"a":${'['.repeat(5_000)}${']'.repeat(5_000)}}`, contentType: 'application/json' },
);

const badId = fc.oneof(
  fc.constantFrom('0', '-1', '1e999', '99999999999999999999', 'null', 'undefined', '%00', '%ED%A0%80', '%25'),
  fc.constantFrom('..', '.', '%2e%2e', 'a'.repeat(2_000), '00000000-0000-0000-0000-000000000000'),
  fc.uuid(),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).map(encodeURIComponent),
);

const badHeaders = fc.oneof(
  { weight: 3, arbitrary: fc.constant({}) },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        'idempotency-key': fc.constantFrom('', ' ', 'k'.repeat(5_000), '../x', '\u00e9t\u00e9', '0'),
        'queue-token': fc.constantFrom('', 'x', 'a.b.c', 'q'.repeat(5_000)),
        'if-none-match': fc.constantFrom('*', '"x"', 'W/'),
        'last-event-id': fc.constantFrom('-1', '99999999999999999999', 'x'),
        'x-request-id': fc.constantFrom('', '../..', 'r'.repeat(500)),
        'accept-encoding': fc.constantFrom('gzip;q=NaN', 'br, *;q=0'),
      },
      { requiredKeys: [] },
    ),
  },
);

const garbledAuthorization = fc.constantFrom(
  'Bearer',
  'Bearer ',
  'Bearer a.b.c',
  'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
  'Basic YWRtaW46YWRtaW4=',
  `Bearer ${'x'.repeat(8_000)}`,
);

const badQueryValue = fc.oneof(
  fc.constantFrom('', '%00', '-1', '0', '1e999', '99999999999999999999', 'NaN', 'true', '%ED%A0%80'),
  fc.constantFrom('a'.repeat(5_000), '2026-13-45T99:99:99Z', '[]', '{}'),
  fc.string({ unit: 'binary', maxLength: 20 }).map(encodeURIComponent),
);

function requestsFor(method: string, path: string, operation: Operation): fc.Arbitrary<FuzzRequest> {
  const parameters = operation.parameters ?? [];
  const pathNames = parameters.filter((parameter) => parameter.in === 'path').map((p) => p.name);
  const queryNames = parameters.filter((parameter) => parameter.in === 'query').map((p) => p.name);
  const bodySchema = operation.requestBody?.content?.['application/json']?.schema;
  const sendsBody = method !== 'get' && method !== 'delete' && method !== 'head';
  const needed = callerFor(method.toUpperCase(), path.replace(/\{[^}]+\}/g, 'x'));
  return fc.record({
    // Mostly the caller the route needs; sometimes nobody, to walk the refusals too.
    caller: fc.oneof(
      { weight: 4, arbitrary: fc.constant(needed) },
      { weight: 1, arbitrary: fc.constant('anonymous' as Caller) },
    ),
    headers: fc.oneof(
      { weight: 5, arbitrary: badHeaders },
      { weight: 1, arbitrary: garbledAuthorization.map((authorization) => ({ authorization })) },
    ),
    path: fc.tuple(...pathNames.map(() => fc.oneof(fc.uuid(), badId))).map((ids) => {
      let index = 0;
      return path.replace(/\{[^}]+\}/g, () => ids[index++] as string);
    }),
    query: fc.array(
      fc.tuple(
        queryNames.length
          ? fc.oneof(fc.constantFrom(...queryNames), fc.string({ maxLength: 8 }))
          : fc.string({ maxLength: 8 }),
        badQueryValue,
      ),
      { maxLength: 3 },
    ),
    body: sendsBody
      ? fc.oneof(
          { weight: 4, arbitrary: spoiledBody(bodySchema).map((json) => ({ json })) },
          { weight: 1, arbitrary: ODD_BODIES },
          { weight: 1, arbitrary: fc.constant(undefined) },
        )
      : fc.constant(undefined),
  });
}

/** One request; an event stream's status is its answer (the stream itself never ends). */
async function send(method: string, request: FuzzRequest): Promise<{ status: number; body: string }> {
  const query = request.query.map(([name, value]) => `${encodeURIComponent(name)}=${value}`).join('&');
  const path = query ? `${request.path}?${query}` : request.path;
  // A garbled authorization header replaces the caller's token.
  const token =
    request.caller === 'anonymous' || request.headers.authorization ? undefined : tokens[request.caller];
  const headers: Record<string, string> = { ...request.headers };
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (request.body && 'raw' in request.body) {
    headers['content-type'] = request.body.contentType;
    body = request.body.raw;
  } else if (request.body?.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(request.body.json);
  }
  const answer = await undiciRequest(`${t.gatewayUrl}${path}`, { method: method as 'GET', headers, body });
  if (String(answer.headers['content-type']).includes('text/event-stream')) {
    answer.body.destroy();
    return { status: answer.statusCode, body: '(event stream)' };
  }
  return { status: answer.statusCode, body: (await answer.body.text()).slice(0, 400) };
}

/** Operations that end the caller's session go last, so the others still run as who they need. */
const endsSession = (path: string) => /logout|password|refresh|sessions/.test(path);

describe('the public API under bad input', () => {
  it('never answers 5xx, whatever an operation is sent and by whom', { timeout: 600_000 }, async () => {
    const operations = Object.entries(document.paths)
      .flatMap(([path, byMethod]) =>
        Object.entries(byMethod)
          .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
          .map(([method, operation]) => ({ method, path, operation })),
      )
      .sort((a, b) => Number(endsSession(a.path)) - Number(endsSession(b.path)));
    expect(operations.length).toBeGreaterThan(60);

    const failures: string[] = [];
    for (const { method, path, operation } of operations) {
      const result = await fc.check(
        fc.asyncProperty(requestsFor(method, path, operation), async (request) => {
          const answer = await send(method.toUpperCase(), request);
          if (answer.status >= 500)
            throw new Error(`${method.toUpperCase()} ${path} → ${answer.status} ${answer.body}`);
        }),
        {
          numRuns: RUNS_PER_OPERATION,
          seed: SEED,
          interruptAfterTimeLimit: 20_000,
          markInterruptAsFailure: false,
        },
      );
      if (result.failed) {
        // fast-check's own report would print the whole (possibly megabyte-long) counterexample.
        const shown = JSON.stringify(result.counterexample).slice(0, 400);
        failures.push(
          `${(result.errorInstance as Error)?.message?.slice(0, 400)} — seed ${result.seed}, path "${result.counterexample ? result.counterexamplePath : ''}", request ${shown}`,
        );
      }
    }
    expect(failures, `FUZZ_SEED=${SEED} replays this run`).toEqual([]);
  });

  it('leaves every circuit closed, every service answering and the data consistent', {
    timeout: 120_000,
  }, async () => {
    const upstreams = await call(t.gatewayUrl, 'GET', '/api/v1/gateway/upstreams', { token: tokens.admin });
    expect(upstreams.status).toBe(200);
    const instances = upstreams.body.services.flatMap(
      (service: { service: string; instances: { circuit: string; healthy: boolean }[] }) =>
        service.instances.map(
          (instance) => `${service.service}: ${instance.circuit}, healthy ${instance.healthy}`,
        ),
    );
    expect(instances.length).toBeGreaterThanOrEqual(6);
    expect(instances.filter((instance: string) => !instance.endsWith('closed, healthy true'))).toEqual([]);
    expect((await call(t.gatewayUrl, 'GET', '/actuator/health')).status).toBe(200);
    expect((await call(t.gatewayUrl, 'GET', '/api/v1/events')).status).toBe(200);
    for (const path of [
      '/api/v1/users/me',
      '/api/v1/orders',
      '/api/v1/holds',
      '/api/v1/notifications/preferences',
    ])
      expect((await call(t.gatewayUrl, 'GET', path, { token: tokens.admin })).status, path).toBe(200);
    await expectInvariantsHold(t.databaseUrl);
  });
});
