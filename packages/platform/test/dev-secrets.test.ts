// Development secrets on a fresh data directory: processes starting at once (workers, several
// instances in a test) all read one complete file and agree on one set of secrets.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDevSecrets } from '../src/dev-secrets.js';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ticketing-dev-secrets-'));
  dirs.push(dir);
  return dir;
}

describe('loadDevSecrets', () => {
  it('gives twenty concurrent first starts the same secrets, from one complete file', async () => {
    const dir = await freshDir();
    const all = await Promise.all(Array.from({ length: 20 }, () => loadDevSecrets(dir)));
    expect(new Set(all.map((secrets) => secrets.internalTokenSecret)).size).toBe(1);
    expect(new Set(all.map((secrets) => secrets.postgresPassword)).size).toBe(1);
    const stored = JSON.parse(await readFile(join(dir, 'dev-secrets.json'), 'utf8'));
    expect(stored.internalTokenSecret).toBe(all[0]!.internalTokenSecret);
    expect(await readdir(dir)).toEqual(['dev-secrets.json']); // no drafts left behind
    expect(await loadDevSecrets(dir)).toEqual(all[0]);
  });

  it('replaces a file without the secrets (left by an older version)', async () => {
    const dir = await freshDir();
    await writeFile(join(dir, 'dev-secrets.json'), '{"warning":"old"}\n');
    const secrets = await loadDevSecrets(dir);
    expect(secrets.internalTokenSecret.length).toBeGreaterThan(20);
    expect(await loadDevSecrets(dir)).toEqual(secrets);
  });
});
