// Development-only secrets, generated on first start and kept under DATA_DIR so a
// laptop needs no configuration. Production refuses to run on these (see config).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface DevSecrets {
  postgresPassword: string;
  internalTokenSecret: string;
}

export async function loadDevSecrets(dataDir: string): Promise<DevSecrets> {
  const file = join(dataDir, 'dev-secrets.json');
  if (existsSync(file)) {
    const stored = JSON.parse(await readFile(file, 'utf8')) as Partial<DevSecrets>;
    if (stored.postgresPassword && stored.internalTokenSecret) {
      return { postgresPassword: stored.postgresPassword, internalTokenSecret: stored.internalTokenSecret };
    }
  }
  const secrets: DevSecrets = {
    postgresPassword: randomBytes(18).toString('base64url'),
    internalTokenSecret: randomBytes(32).toString('base64url'),
  };
  await mkdir(dataDir, { recursive: true });
  await writeFile(
    file,
    `${JSON.stringify({ warning: 'DEVELOPMENT DEFAULTS generated at first start. Never use in production.', ...secrets }, null, 2)}\n`,
    { mode: 0o600 },
  );
  return secrets;
}
