// deploy/Dockerfile: multi-stage on Node 20, built with the project's own scripts, running as an
// unprivileged user, one image for every service; every path and script it names exists. No
// Docker engine runs here, so the file is parsed (dockerfile-ast) and its parts checked.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { environmentVariable } from '@ticketing/platform';
import { freePort } from '@ticketing/platform/testing';
import { type Copy, DockerfileParser } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { ROOT, readText } from './support.js';

const dockerfile = DockerfileParser.parse(readText('deploy/Dockerfile'));
const instructions = dockerfile.getInstructions();
const stages = dockerfile.getFROMs();
const args = (keyword: string) =>
  instructions
    .filter((instruction) => instruction.getKeyword() === keyword)
    .map((instruction) => instruction.getArgumentsContent() ?? '');
const packageJson = JSON.parse(readText('package.json')) as {
  scripts: Record<string, string>;
  workspaces: string[];
};

describe('the Dockerfile', () => {
  it('builds in one stage on Node 20 and runs from another', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(args('ARG').join('\n')).toMatch(/NODE_IMAGE=node:20-/);
    const runs = args('RUN').join('\n');
    expect(runs).toMatch(/npm ci\b/);
    expect(runs).toMatch(/npm run build\b/);
    expect(runs).toMatch(/npm prune --omit=dev\b/);
    for (const script of runs.matchAll(/npm run (\S+)/g))
      expect(packageJson.scripts).toHaveProperty(script[1]!);
  });

  it('copies only paths that exist, and every workspace manifest before npm ci', () => {
    const copies = instructions.filter((instruction) => instruction.getKeyword() === 'COPY');
    for (const copy of copies) {
      if ((copy as Copy).getFromFlag()) continue;
      const sources = copy
        .getArguments()
        .slice(0, -1)
        .map((argument) => argument.getValue());
      for (const source of sources)
        expect(existsSync(join(ROOT, source === '.' ? '' : source)), source).toBe(true);
    }
    const copied = copies.flatMap((copy) => copy.getArguments().map((argument) => argument.getValue()));
    const workspaces = ['packages/contracts', 'packages/platform', 'packages/runtime', 'apps/web'].concat(
      ['user', 'event', 'ticket', 'order', 'payment', 'notification', 'gateway'].map(
        (service) => `services/${service}`,
      ),
    );
    for (const workspace of workspaces) expect(copied).toContain(`${workspace}/package.json`);
    expect(packageJson.workspaces).toEqual(['packages/*', 'services/*', 'apps/*']);
  });

  it('runs as an unprivileged user by number, any service by argument, with a health check', () => {
    expect(args('USER').at(-1)).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    expect(args('ENTRYPOINT').at(-1)).toBe('["node", "bin/ticketing.js"]');
    expect(existsSync(join(ROOT, 'bin/ticketing.js'))).toBe(true);
    expect(args('CMD').at(-1)).toBe('["start"]');
    expect(args('HEALTHCHECK').at(-1)).toContain('"node", "deploy/healthcheck.mjs"');
  });

  it('sets only variables the platform reads', () => {
    const names = args('ENV').flatMap((content) =>
      [...content.matchAll(/(?:^|\s)([A-Z][A-Z0-9_]*)=/g)].map((match) => match[1]!),
    );
    expect(names).toEqual(['NODE_ENV', 'HOST', 'DATA_DIR']);
    expect(names.filter((name) => environmentVariable(name) === undefined)).toEqual([]);
  });

  it('leaves local state and secrets out of the build context', () => {
    const ignored = readText('.dockerignore').split('\n');
    for (const entry of ['**/node_modules', 'data', 'deploy/.env', '**/.env'])
      expect(ignored).toContain(entry);
  });
});

describe('the container health check', () => {
  async function healthCheck(status: number): Promise<number> {
    const port = await freePort();
    const server = createServer((request, response) => {
      response.statusCode = request.url === '/actuator/health' ? status : 404;
      response.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      // Outside a container PID 1 runs no service: the script checks the gateway, on GATEWAY_PORT.
      const child = spawn(process.execPath, [join(ROOT, 'deploy/healthcheck.mjs')], {
        env: { ...process.env, GATEWAY_PORT: String(port) },
      });
      return await new Promise((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
    } finally {
      server.close();
    }
  }

  it('passes when the service answers UP and fails when it answers 503', async () => {
    expect(await Promise.all([healthCheck(200), healthCheck(503)])).toEqual([0, 1]);
  });
});
