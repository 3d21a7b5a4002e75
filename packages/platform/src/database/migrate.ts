// Applies a service's SQL migrations at start, under a Postgres advisory lock so
// concurrent instances never race. A failed migration throws: the start stops.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { Logger } from '../logger.js';

const PLATFORM_MIGRATIONS = fileURLToPath(new URL('../../migrations/', import.meta.url));

export interface MigrationSet {
  /** Postgres schema owned by the service, e.g. `users`. */
  schema: string;
  /** Directory of `NNNN_name.sql` files, applied in name order. */
  directory: string;
}

export class MigrationError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

async function readMigrations(directory: string, prefix: string, schema: string): Promise<MigrationFile[]> {
  const names = (await readdir(directory)).filter((name) => /^\d{4}_[\w-]+\.sql$/.test(name)).sort();
  const files: MigrationFile[] = [];
  for (const name of names) {
    const sql = (await readFile(`${directory}/${name}`, 'utf8')).replaceAll('{{schema}}', schema);
    files.push({ name: `${prefix}${name}`, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return files;
}

export async function runMigrations(pool: pg.Pool, set: MigrationSet, logger: Logger): Promise<string[]> {
  if (!/^[a-z_][a-z0-9_]*$/.test(set.schema)) throw new MigrationError(`invalid schema name ${set.schema}`);
  const files = [
    ...(await readMigrations(PLATFORM_MIGRATIONS, 'platform/', set.schema)),
    ...(await readMigrations(set.directory, '', set.schema)),
  ];
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`ticketing:migrations:${set.schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${set.schema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${set.schema}.schema_migrations (
         name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ name: string; checksum: string }>(
      `SELECT name, checksum FROM ${set.schema}.schema_migrations`,
    );
    const done = new Map(rows.map((row) => [row.name, row.checksum]));
    for (const file of files) {
      const previous = done.get(file.name);
      if (previous !== undefined) {
        if (previous !== file.checksum) {
          throw new MigrationError(
            `migration ${set.schema}/${file.name} was changed after it was applied; add a new migration instead`,
          );
        }
        continue;
      }
      try {
        await client.query('BEGIN');
        await client.query(file.sql);
        await client.query(`INSERT INTO ${set.schema}.schema_migrations (name, checksum) VALUES ($1, $2)`, [
          file.name,
          file.checksum,
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new MigrationError(`migration ${set.schema}/${file.name} failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
      applied.push(file.name);
      logger.info({ schema: set.schema, migration: file.name }, 'migration applied');
    }
  } finally {
    await client
      .query('SELECT pg_advisory_unlock(hashtext($1))', [`ticketing:migrations:${set.schema}`])
      .catch(() => undefined);
    client.release();
  }
  return applied;
}
