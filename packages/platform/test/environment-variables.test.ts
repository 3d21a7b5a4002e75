// The inventory of environment variables (src/environment-variables.ts) against the code: every
// variable the sources read is listed, everything listed is read, and docs/configuration.md is
// generated from it. After adding a variable, `npx vitest run <this file> -u` rewrites the doc.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig, SERVICE_NAMES } from '../src/config.js';
import {
  ENVIRONMENT_VARIABLES,
  type EnvironmentVariable,
  unknownVariables,
} from '../src/environment-variables.js';
import { deployedEnvironment } from '../src/testing/deployed-environment.js';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

/** The runtime sources: what a deployed process runs (tests, tools and the web app are not it). */
function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(path);
    }
  };
  for (const group of ['packages', 'services'])
    for (const entry of readdirSync(join(ROOT, group), { withFileTypes: true })) {
      const src = join(ROOT, group, entry.name, 'src');
      if (entry.isDirectory() && readdirSync(join(ROOT, group, entry.name)).includes('src')) walk(src);
    }
  // The test helpers live under src/testing but are no part of a running service.
  return files.filter((file) => !file.includes(`${join('src', 'testing')}`));
}

/**
 * Variable names read in one source text: `readX(env, 'NAME', …)`, `present(env, 'NAME')`,
 * `readGroup(env, ['A', 'B'])`, `env.NAME`, `process.env.NAME`, `env['NAME']`, and names built
 * from a template (`${upper}_PORT`), given as `*_PORT`.
 */
export function variablesReadIn(source: string): string[] {
  const names = new Set<string>();
  const patterns = [
    /\(\s*env\s*,\s*'([A-Z][A-Z0-9_]+)'/g,
    /\benv\??\.([A-Z][A-Z0-9_]+)\b/g,
    /\benv\[\s*['"]([A-Z][A-Z0-9_]+)['"]\s*\]/g,
    /`\$\{\w+\}(_[A-Z][A-Z0-9_]+)`/g,
  ];
  for (const pattern of patterns)
    for (const match of source.matchAll(pattern))
      names.add(match[1]!.startsWith('_') ? `*${match[1]}` : match[1]!);
  for (const group of source.matchAll(/\(\s*env\s*,\s*\[([^\]]*)\]/g))
    for (const match of group[1]!.matchAll(/'([A-Z][A-Z0-9_]+)'/g)) names.add(match[1]!);
  return [...names];
}

function variablesInSources(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of sourceFiles()) {
    for (const name of variablesReadIn(readFileSync(file, 'utf8'))) {
      const expanded = name.startsWith('*')
        ? SERVICE_NAMES.map((service) => `${service.toUpperCase()}${name.slice(1)}`)
        : [name];
      for (const variable of expanded)
        found.set(variable, [...(found.get(variable) ?? []), relative(ROOT, file)]);
    }
  }
  return found;
}

const cell = (text: string) => text.replaceAll('|', '\\|');

function renderVariable(variable: EnvironmentVariable): string {
  const notes = [
    variable.requiredIn ? `**required in ${variable.requiredIn.join(' and ')}**` : undefined,
    variable.secret ? 'secret' : undefined,
  ].filter(Boolean);
  const defaultValue = variable.default === '—' ? '—' : `\`${variable.default}\``;
  return `| \`${variable.name}\` | ${cell(defaultValue)} | ${cell(variable.description)}${notes.length ? ` (${notes.join(', ')})` : ''} |`;
}

/** docs/configuration.md, generated: one table per reader. */
export function renderConfigurationDoc(): string {
  const readers = ['all', 'cli', ...SERVICE_NAMES] as const;
  const titles: Record<(typeof readers)[number], string> = {
    all: 'Every service (the platform configuration)',
    cli: 'The `ticketing` command',
    ...Object.fromEntries(SERVICE_NAMES.map((service) => [service, `The ${service} service`])),
  } as Record<(typeof readers)[number], string>;
  const sections = readers
    .map((reader) => {
      const variables = ENVIRONMENT_VARIABLES.filter((variable) => variable.readBy === reader);
      if (variables.length === 0) return undefined;
      return [
        `## ${titles[reader]}`,
        '',
        '| variable | default | meaning |',
        '| --- | --- | --- |',
        ...variables.map(renderVariable),
      ].join('\n');
    })
    .filter(Boolean);
  return `${[
    '# Configuration',
    '',
    '<!-- Generated from packages/platform/src/environment-variables.ts by',
    '     packages/platform/test/environment-variables.test.ts: edit the inventory, then run',
    '     `npx vitest run packages/platform/test/environment-variables.test.ts -u`. -->',
    '',
    'Everything is an environment variable, read and validated once at start-up; a bad value stops',
    'the start with one line naming the variable. With nothing set you get the embedded mode',
    '(`NODE_ENV=development`): embedded PostgreSQL, secrets generated under `DATA_DIR`, in-memory',
    "cache and bus, demo data. A variable under one of the platform's prefixes (`TICKET_`, `GATEWAY_`,",
    '`RATE_LIMIT_`, …) that it does not read is reported at start as a warning, with the name it most',
    'likely meant.',
    '',
    '`NODE_ENV=staging` and `NODE_ENV=production` are the deployed profiles: they refuse to start on',
    'a development default — no `DATABASE_URL` (embedded database), a database password that is',
    'missing, well known or the generated development one, no or a placeholder',
    '`INTERNAL_TOKEN_SECRET`, no `HOST`, `REDIS_URL` or `KAFKA_BROKERS`, the public demo password as',
    '`ADMIN_PASSWORD`, the demo seed, files instead of SMTP, the sandbox payment gateway in production',
    'unless named, Stripe test keys in production or live keys in staging. Each refusal names the',
    'variable to set. See [ADR 0022](adr/0022-environment-profiles-and-deployment.md) and',
    '[`deploy/`](../deploy/README.md).',
    '',
    ...sections.flatMap((section) => [section, '']),
  ].join('\n')}`;
}

describe('the environment variable inventory', () => {
  it('lists every variable the sources read', () => {
    const listed = new Set(ENVIRONMENT_VARIABLES.map((variable) => variable.name));
    const missing = [...variablesInSources()].filter(([name]) => !listed.has(name));
    expect(
      missing.map(([name, files]) => `${name} (read in ${files.join(', ')})`),
      'add these to packages/platform/src/environment-variables.ts',
    ).toEqual([]);
  });

  it('lists only variables the sources read, each once', () => {
    const read = variablesInSources();
    const unread = ENVIRONMENT_VARIABLES.filter((variable) => !read.has(variable.name));
    expect(unread.map((variable) => variable.name)).toEqual([]);
    const names = ENVIRONMENT_VARIABLES.map((variable) => variable.name);
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
  });

  it('finds names in every way the code reads them', () => {
    const source = `readInteger(env, 'A_ONE', 1, 0, 2); present(env, 'B_TWO'); env.C_THREE; process.env.D_FOUR;
      env?.E_FIVE; env['F_SIX']; readGroup(env, ['G_SEVEN', 'H_EIGHT']); readPort(env, \`\${upper}_PORT\`, 1);`;
    expect(variablesReadIn(source).sort()).toEqual(
      ['*_PORT', 'A_ONE', 'B_TWO', 'C_THREE', 'D_FOUR', 'E_FIVE', 'F_SIX', 'G_SEVEN', 'H_EIGHT'].sort(),
    );
  });

  it.each(['staging', 'production'] as const)('marks what %s requires of every service', (environment) => {
    for (const variable of ENVIRONMENT_VARIABLES.filter((entry) => entry.readBy === 'all')) {
      const env = deployedEnvironment(environment, { [variable.name]: undefined });
      const required = variable.requiredIn?.includes(environment) ?? false;
      if (required) expect(() => loadConfig(env), variable.name).toThrowError(`${variable.name} must be`);
      else expect(() => loadConfig(env), variable.name).not.toThrow();
    }
  });

  it('is documented in docs/configuration.md', async () => {
    await expect(renderConfigurationDoc()).toMatchFileSnapshot(join(ROOT, 'docs', 'configuration.md'));
  });
});

describe('unknown variables', () => {
  it("are the ones under the platform's prefixes that it does not read, with the likely intended name", () => {
    expect(
      unknownVariables({
        TICKET_HOLD_TTL_SECOND: '60',
        GATEWAY_CORS_ORIGIN: 'https://a.example',
        ORDER_SOMETHING_ELSE_ENTIRELY: '1',
        TICKET_HOLD_TTL_SECONDS: '60',
        PATH: '/usr/bin',
        NODE_OPTIONS: '--enable-source-maps',
      }),
    ).toEqual([
      { name: 'GATEWAY_CORS_ORIGIN', suggestion: 'GATEWAY_CORS_ORIGINS' },
      { name: 'ORDER_SOMETHING_ELSE_ENTIRELY' },
      { name: 'TICKET_HOLD_TTL_SECOND', suggestion: 'TICKET_HOLD_TTL_SECONDS' },
    ]);
  });
});
