// Development-only secrets, generated on first start and kept under DATA_DIR so a
// laptop needs no configuration. Production refuses to run on these (see config).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface DevSecrets {
  postgresPassword: string;
  internalTokenSecret: string;
}

async function readStored(file: string): Promise<DevSecrets | undefined> {
  const stored = JSON.parse(await readFile(file, 'utf8')) as Partial<DevSecrets>;
  if (!stored.postgresPassword || !stored.internalTokenSecret) return undefined;
  return { postgresPassword: stored.postgresPassword, internalTokenSecret: stored.internalTokenSecret };
}

export async function loadDevSecrets(dataDir: string): Promise<DevSecrets> {
  const file = join(dataDir, 'dev-secrets.json');
  // A file without both secrets was left by an older version: it is replaced.
  const incomplete = existsSync(file);
  if (incomplete) {
    const stored = await readStored(file);
    if (stored) return stored;
  }
  const secrets: DevSecrets = {
    postgresPassword: randomBytes(18).toString('base64url'),
    internalTokenSecret: randomBytes(32).toString('base64url'),
  };
  await mkdir(dataDir, { recursive: true });
  // Written whole under another name, then linked into place: processes starting at once on one
  // data directory never read a half-written file, and all of them keep the first one's secrets
  // (a link fails when the name exists; a second secret would split their internal tokens).
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(
    draft,
    `${JSON.stringify({ warning: 'DEVELOPMENT DEFAULTS generated at first start. Never use in production.', ...secrets }, null, 2)}\n`,
    { mode: 0o600 },
  );
  try {
    if (incomplete) await rename(draft, file);
    else await link(draft, file);
    return secrets;
  } catch (error) {
    if ((error as { code?: string }).code !== 'EEXIST') throw error;
    return (await readStored(file)) ?? secrets;
  } finally {
    await rm(draft, { force: true });
  }
}
