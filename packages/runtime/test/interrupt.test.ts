// Ctrl+C while the platform is still starting (the first start initialises PostgreSQL,
// migrates and seeds) must leave nothing running behind it.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@ticketing/platform/testing';
import { afterAll, expect, it } from 'vitest';

let dataDir = '';
afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Pids of PostgreSQL servers running on the given data directory. */
function postgresOn(pgDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (status.slice(status.lastIndexOf(')') + 2).startsWith('Z')) continue; // exited, not yet reaped
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (commandLine.includes('postgres') && commandLine.includes(pgDir)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

it('stops the embedded PostgreSQL when interrupted during the first start', {
  timeout: 180_000,
}, async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ticketing-interrupt-'));
  await chmod(dataDir, 0o755);
  const ports = Object.fromEntries(
    ['GATEWAY', 'USER', 'EVENT', 'TICKET', 'ORDER', 'PAYMENT', 'NOTIFICATION'].map((name) => [
      `${name}_PORT`,
      '0',
    ]),
  );
  const child = spawn(
    process.execPath,
    ['--conditions=@ticketing/source', '--import', 'tsx', 'bin/ticketing.js', 'start'],
    {
      env: {
        ...process.env,
        DATABASE_URL: '',
        DATA_DIR: dataDir,
        EMBEDDED_POSTGRES_PORT: String(await freePort()),
        LOG_LEVEL: 'info',
        NODE_ENV: 'development',
        MANAGEMENT_PORT: '0',
        ...ports,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no migration started:\n${output}`)), 150_000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      // The server is up and the start is under way: interrupt it here.
      if (output.includes('migration applied')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr.on('data', (chunk) => (output += chunk));
  });
  expect(postgresOn(join(dataDir, 'pg')).length).toBeGreaterThan(0);
  child.kill('SIGINT');
  await exited;
  await expect.poll(() => postgresOn(join(dataDir, 'pg')), { timeout: 15_000 }).toEqual([]);
  expect(output).not.toContain('Ticketing platform is running');
});
