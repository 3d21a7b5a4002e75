// Text PostgreSQL cannot store (a NUL, a lone surrogate), sent by a client through the gateway to
// every service: in every string field of every operation of the merged OpenAPI document it is a
// 400 problem naming the field, never a 5xx, and a stream of such requests leaves every circuit
// closed and every service answering. The named cases are the inputs a security review turned
// into 500s and open circuits (a NUL in `?q=`, in a login, in a profile's names, ...).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type JsonResponse } from '../../../tools/test/http.js';
import { RATE_LIMITS_OFF, startTestPlatform, type TestPlatform } from '../../../tools/test/platform.js';
import { loginAsAdmin } from './support.js';

let t: TestPlatform;
let token: string;

beforeAll(async () => {
  t = await startTestPlatform({ env: RATE_LIMITS_OFF });
  token = (await loginAsAdmin(t.gatewayUrl)).accessToken;
}, 180_000);
afterAll(() => t?.stop());

/** The bad texts, by what they hold; each as JSON carries it (JSON.stringify escapes a lone surrogate). */
const BAD_TEXTS = {
  nul: 'Ada\u0000Lovelace',
  'lone high surrogate': 'Ada\ud800',
  'lone low surrogate': '\udc00Ada',
} as const;

/**
 * A bad text in a URL. A NUL is `%00`; a lone surrogate has no UTF-8 form, so it goes as the bytes
 * a careless encoder writes for one (`%ED%A0%80`), which a server decodes to U+FFFD or refuses.
 */
const inUrl = (text: string) =>
  [...text]
    .map((character) => {
      const code = character.charCodeAt(0);
      if (code >= 0xd800 && code <= 0xdfff)
        return `%ED%${(0xa0 + ((code >> 6) & 0x1f)).toString(16).toUpperCase()}%${(0x80 + (code & 0x3f)).toString(16).toUpperCase()}`;
      return encodeURIComponent(character);
    })
    .join('');

function expectRefused(answer: JsonResponse, field: string, what: string) {
  expect(answer.status, `${what}: ${JSON.stringify(answer.body)}`).toBe(400);
  expect(String(answer.headers['content-type'])).toContain('application/problem+json');
  expect(answer.body, what).toMatchObject({ status: 400, code: 'validation_failed', field });
}

describe('the cases the security review found', () => {
  const ID = '00000000-0000-4000-8000-000000000000';
  it.each([
    ['the event search', 'GET', `/api/v1/events?q=${inUrl(BAD_TEXTS.nul)}`, undefined, 'q'],
    ['the events by city', 'GET', `/api/v1/events?city=${inUrl(BAD_TEXTS.nul)}`, undefined, 'city'],
    [
      'a login by username',
      'POST',
      '/api/v1/auth/login',
      { username: BAD_TEXTS.nul, password: 'x' },
      'username',
    ],
    ['a login by email', 'POST', '/api/v1/auth/login', { email: BAD_TEXTS.nul, password: 'x' }, 'email'],
    [
      'a register with a bad first name',
      'POST',
      '/api/v1/auth/register',
      {
        username: 'nul_user',
        email: 'nul@example.com',
        password: 'a-Sturdy-passphrase-42',
        firstName: BAD_TEXTS.nul,
        lastName: 'Lovelace',
      },
      'firstName',
    ],
    ['a profile with a bad last name', 'PATCH', '/api/v1/users/me', { lastName: BAD_TEXTS.nul }, 'lastName'],
    ['an event title', 'POST', '/api/v1/events', { title: BAD_TEXTS.nul }, 'title'],
    ['an admin user search', 'GET', `/api/v1/users?q=${inUrl(BAD_TEXTS.nul)}`, undefined, 'q'],
    [
      'an admin notification search',
      'GET',
      `/api/v1/notifications/admin/notifications?recipient=${inUrl(BAD_TEXTS.nul)}`,
      undefined,
      'recipient',
    ],
    ['an event id', 'GET', `/api/v1/events/${inUrl(BAD_TEXTS.nul)}`, undefined, 'id'],
    [
      'a lone surrogate in a JSON body',
      'PATCH',
      `/api/v1/users/me`,
      { firstName: BAD_TEXTS['lone high surrogate'] },
      'firstName',
    ],
    ['a hold for an event', 'POST', '/api/v1/holds', { eventId: ID, seatIds: [BAD_TEXTS.nul] }, 'seatIds.0'],
  ])('%s is refused with a 400 naming the field', async (_story, method, path, body, field) => {
    expectRefused(await call(t.gatewayUrl, method, path, { token, body }), field, `${method} ${path}`);
  });
});

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  $ref?: string;
}

interface Operation {
  parameters?: { name: string; in: string; schema?: Schema }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}

interface BadRequest {
  method: string;
  /** The OpenAPI path, for the report. */
  operation: string;
  path: string;
  body?: unknown;
  field: string;
  /** Whether the server must name the field (a lone surrogate in a URL may arrive as U+FFFD, which is storable). */
  mustRefuse: boolean;
}

/** Every string a body schema accepts, as [dotted path, a body holding `text` there and nothing else]. */
function stringFieldsOf(
  schema: Schema | undefined,
  resolve: (ref: string) => Schema,
  depth = 0,
): [string, (text: string) => unknown][] {
  if (!schema || depth > 6) return [];
  if (schema.$ref) return stringFieldsOf(resolve(schema.$ref), resolve, depth + 1);
  const options = [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])];
  if (options.length > 0) {
    const seen = new Map<string, (text: string) => unknown>();
    for (const option of options)
      for (const [path, build] of stringFieldsOf(option, resolve, depth + 1))
        if (!seen.has(path)) seen.set(path, build);
    return [...seen];
  }
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('string')) return [['', (text) => text]];
  if (types.includes('array') && schema.items)
    return stringFieldsOf(schema.items, resolve, depth + 1).map(([path, build]) => [
      path ? `0.${path}` : '0',
      (text) => [build(text)],
    ]);
  return Object.entries(schema.properties ?? {}).flatMap(([name, child]) =>
    stringFieldsOf(child, resolve, depth + 1).map(
      ([path, build]) =>
        [path ? `${name}.${path}` : name, (text: string) => ({ [name]: build(text) })] as [
          string,
          (text: string) => unknown,
        ],
    ),
  );
}

/** One bad request per string field, bad text and operation of the document. */
function badRequestsOf(document: {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}): BadRequest[] {
  const resolve = (ref: string) => {
    const name = ref.split('/').at(-1)!;
    return document.components?.schemas?.[name] ?? {};
  };
  const requests: BadRequest[] = [];
  for (const [operationPath, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const pathParameters = (operation.parameters ?? []).filter((parameter) => parameter.in === 'path');
      const queryParameters = (operation.parameters ?? []).filter((parameter) => parameter.in === 'query');
      const pathWith = (bad?: { name: string; text: string }) =>
        operationPath.replace(/\{([^}]+)\}/g, (_whole, name: string) =>
          name === bad?.name ? inUrl(bad.text) : '00000000-0000-4000-8000-000000000000',
        );
      for (const [what, text] of Object.entries(BAD_TEXTS)) {
        const surrogate = what !== 'nul';
        for (const parameter of pathParameters)
          requests.push({
            method: method.toUpperCase(),
            operation: operationPath,
            path: pathWith({ name: parameter.name, text }),
            field: parameter.name,
            mustRefuse: !surrogate,
          });
        // Query strings are text whatever their schema says (a number arrives as text too).
        for (const parameter of queryParameters)
          requests.push({
            method: method.toUpperCase(),
            operation: operationPath,
            path: `${pathWith()}?${encodeURIComponent(parameter.name)}=${inUrl(text)}`,
            field: parameter.name,
            mustRefuse: !surrogate,
          });
        const bodySchema = operation.requestBody?.content?.['application/json']?.schema;
        for (const [field, build] of stringFieldsOf(bodySchema, resolve))
          requests.push({
            method: method.toUpperCase(),
            operation: operationPath,
            path: pathWith(),
            body: build(text),
            field: field || 'body',
            mustRefuse: true,
          });
      }
    }
  }
  return requests;
}

describe('every operation of the public API', () => {
  it('refuses every bad text in every string field with a 400 naming it, and never answers 5xx', {
    timeout: 600_000,
  }, async () => {
    const document = await call(t.gatewayUrl, 'GET', '/api/openapi.json');
    expect(document.status).toBe(200);
    const requests = badRequestsOf(document.body);
    const operations = new Set(requests.map((request) => `${request.method} ${request.operation}`));
    // Every service's routes are in the sweep, not a handful.
    expect(operations.size).toBeGreaterThan(60);

    const serverErrors: string[] = [];
    const notRefused: string[] = [];
    for (const request of requests) {
      const answer = await call(t.gatewayUrl, request.method, request.path, { token, body: request.body });
      const what = `${request.method} ${request.path} ${request.body === undefined ? '' : JSON.stringify(request.body)} → ${answer.status} ${JSON.stringify(answer.body)}`;
      const problem =
        answer.status === 400 && String(answer.headers['content-type']).includes('application/problem+json');
      if (answer.status >= 500) serverErrors.push(what);
      else if (
        request.mustRefuse
          ? !(problem && answer.body?.field === request.field)
          : answer.status === 400 && !problem
      )
        notRefused.push(what);
    }
    expect(serverErrors).toEqual([]);
    expect(notRefused).toEqual([]);
  });

  it('leaves every circuit closed and every service answering afterwards', async () => {
    const upstreams = await call(t.gatewayUrl, 'GET', '/api/v1/gateway/upstreams', { token });
    expect(upstreams.status).toBe(200);
    const circuits = upstreams.body.services.flatMap(
      (service: { service: string; instances: { circuit: string }[] }) =>
        service.instances.map((instance) => `${service.service}: ${instance.circuit}`),
    );
    expect(circuits.length).toBeGreaterThanOrEqual(6);
    expect(circuits.filter((circuit: string) => !circuit.endsWith('closed'))).toEqual([]);
    expect((await call(t.gatewayUrl, 'GET', '/api/v1/events')).status).toBe(200);
    expect((await call(t.gatewayUrl, 'GET', '/api/v1/users/me', { token })).status).toBe(200);
    expect((await call(t.gatewayUrl, 'GET', '/api/v1/orders', { token })).status).toBe(200);
  });
});

describe('a client provoking 400s on purpose', () => {
  const circuitsOf = async (service: string) => {
    const upstreams = await call(t.gatewayUrl, 'GET', '/api/v1/gateway/upstreams', { token });
    expect(upstreams.status).toBe(200);
    const pool = upstreams.body.services.find((entry: { service: string }) => entry.service === service);
    return [pool.circuit, ...pool.instances.map((instance: { circuit: string }) => instance.circuit)];
  };

  it.each([
    {
      service: 'event',
      // Refused by the event service itself (a NUL in a query the gateway refuses before passing on).
      provoke: () => call(t.gatewayUrl, 'GET', '/api/v1/events?limit=100000'),
      field: 'limit',
      // Its routes, answered by the service itself (a 404 is an answer, a 503 circuit_open is not).
      routes: [
        ['GET', '/api/v1/events', 200],
        ['GET', '/api/v1/events/00000000-0000-4000-8000-000000000000', 404],
      ],
    },
    {
      service: 'user',
      provoke: () =>
        call(t.gatewayUrl, 'POST', '/api/v1/auth/login', {
          body: { username: BAD_TEXTS.nul, password: 'x' },
        }),
      field: 'username',
      routes: [
        ['GET', '/api/v1/users/me', 200],
        ['GET', '/.well-known/jwks.json', 200],
      ],
    },
  ] as const)(
    'leaves the $service service breaker closed and its routes answering after twenty in a row',
    async ({ service, provoke, field, routes }) => {
      // Twenty: twice the volume after which failures would open the circuit (GATEWAY_BREAKER_VOLUME_THRESHOLD).
      for (let i = 0; i < 20; i++) expectRefused(await provoke(), field, `request ${i + 1}`);
      expect(await circuitsOf(service)).toEqual(expect.arrayContaining(['closed']));
      expect((await circuitsOf(service)).filter((circuit) => circuit !== 'closed')).toEqual([]);
      for (const [method, path, status] of routes) {
        const answer = await call(t.gatewayUrl, method, path, { token });
        expect(answer.status, `${method} ${path}: ${JSON.stringify(answer.body)}`).toBe(status);
      }
    },
  );
});
