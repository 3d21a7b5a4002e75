// The `ticketing` command: start (all services, or one with --service), migrate, seed, verify.
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { formatReport, verifyInvariants } from '@ticketing/order-service';
import { ConfigError, createLogger, loadConfig, loadDevSecrets, MigrationError } from '@ticketing/platform';
import closeWithGrace from 'close-with-grace';
import pg from 'pg';
import { defaultWorkers, startCluster } from './cluster.js';
import { createInfrastructure, StartupError } from './infrastructure.js';
import { migrate, startPlatform } from './platform.js';
import { serviceNames } from './services.js';

const USAGE = `Usage: ticketing <command> [options]

Commands:
  start [--service NAME ...]   run every service in one process (embedded mode),
                               or only the named ones with infrastructure from the environment
        [--workers N|auto]     run every service in N worker processes sharing the ports, the
                               database and the cache (default 1; auto = one per core, at most 4,
                               less one left to the embedded PostgreSQL)
  migrate [--service NAME ...] apply database migrations and exit
  seed                         insert the demo data and exit
  verify [--json]              check the data-safety invariants (docs/architecture.md) on the database;
                               exit 1 when one is violated
  help                         show this text

Services: ${serviceNames().join(', ')}
Configuration comes from environment variables; see README.md.`;

function fail(error: unknown): never {
  const known =
    error instanceof ConfigError || error instanceof StartupError || error instanceof MigrationError;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`ticketing: ${message}\n`);
  if (!known && error instanceof Error && process.env.LOG_LEVEL === 'debug')
    process.stderr.write(`${error.stack}\n`);
  process.exit(1);
}

const parseCommandLine = (argv: string[]) =>
  parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      service: { type: 'string', multiple: true },
      workers: { type: 'string' },
      help: { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });

/**
 * Runs the order service's invariants checker on the configured database: DATABASE_URL, or the
 * embedded server of a running platform, or the embedded server started for the check.
 */
async function verify(json: boolean): Promise<boolean> {
  const config = loadConfig(process.env);
  let url = config.databaseUrl;
  let infrastructure: Awaited<ReturnType<typeof createInfrastructure>> | undefined;
  if (url === undefined) {
    const { postgresPassword } = await loadDevSecrets(config.dataDir);
    const running = `postgres://postgres:${encodeURIComponent(postgresPassword)}@127.0.0.1:${config.embeddedPostgresPort}/ticketing`;
    const probe = new pg.Client({ connectionString: running, connectionTimeoutMillis: 2_000 });
    const up = await probe.connect().then(
      () => true,
      () => false,
    );
    await probe.end().catch(() => undefined);
    if (up) url = running;
    else {
      infrastructure = await createInfrastructure(config, createLogger('warn'));
      url = infrastructure.databaseUrl;
    }
  }
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    const sweepIntervalMs = Number(process.env.TICKET_SWEEP_INTERVAL_MS ?? 5_000) || 5_000;
    const report = await verifyInvariants(pool, { sweepIntervalMs });
    process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    return report.ok;
  } finally {
    await pool.end();
    await infrastructure?.close();
  }
}

/** What `start` prints and stops: one process, or a primary with its workers. */
interface RunningPlatform {
  services: { name: string; url: string }[];
  embedded: boolean;
  workers: number;
  stop(): Promise<void>;
}

/** Workers when --workers is not given. */
const DEFAULT_WORKERS = 1;
const MAX_WORKERS = 64;

function parseWorkers(raw: string | undefined, services: string[] | undefined): number {
  if (raw === undefined) return DEFAULT_WORKERS;
  const embeddedDatabase = !process.env.DATABASE_URL?.trim();
  const workers = raw === 'auto' ? defaultWorkers(availableParallelism(), embeddedDatabase) : Number(raw);
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
    process.stderr.write(
      `ticketing: --workers must be a whole number from 1 to ${MAX_WORKERS}, or auto (got ${raw})\n`,
    );
    process.exit(2);
  }
  if (workers > 1 && services && services.length > 0) {
    process.stderr.write(
      'ticketing: --workers runs every service in each worker; for instances of one service, start it several times with --service\n',
    );
    process.exit(2);
  }
  return workers;
}

/** Starts the platform and stops it on SIGINT/SIGTERM (or a crash), draining requests first. */
async function start(services: string[] | undefined, workers: number): Promise<void> {
  const config = loadConfig(process.env);
  // Signals are handled from the first moment: Ctrl+C during start-up (the first start
  // initialises a database and seeds) must still stop the embedded PostgreSQL.
  const interrupt = new AbortController();
  let running: RunningPlatform | undefined;
  const starting: Promise<RunningPlatform> =
    workers > 1
      ? startCluster({ workers, signal: interrupt.signal }).then((started) => ({ ...started, workers }))
      : startPlatform({ services, signal: interrupt.signal }).then((platform) => ({
          services: [...platform.services.values()].map((service) => ({
            name: service.module.name,
            url: service.url,
          })),
          embedded: platform.infrastructure.embedded,
          workers: 1,
          stop: () => platform.stop(),
        }));
  // Workers drain within SHUTDOWN_TIMEOUT_MS each (and are killed a little after); then PostgreSQL stops.
  const delay = config.shutdownTimeoutMs + (workers > 1 ? 15_000 : 0);
  closeWithGrace({ delay }, async ({ signal, err }) => {
    if (err)
      process.stderr.write(`ticketing: stopping after an unexpected error: ${err.stack ?? err.message}\n`);
    else process.stdout.write(`\nticketing: ${signal ?? 'stop'} received, draining requests and stopping\n`);
    if (running) return running.stop();
    interrupt.abort();
    await starting.catch(() => undefined);
  });
  try {
    running = await starting;
  } catch (error) {
    if (interrupt.signal.aborted) return; // close-with-grace finishes the exit
    throw error;
  }
  const lines = running.services.map((service) => `  ${service.name.padEnd(13)} ${service.url}`);
  const gateway = running.services.find((service) => service.name === 'gateway');
  const mode = [
    running.embedded ? 'embedded mode' : '',
    running.workers > 1 ? `${running.workers} workers` : '',
  ]
    .filter(Boolean)
    .join(', ');
  process.stdout.write(
    `\nTicketing platform is running${mode ? ` (${mode})` : ''}:\n${lines.join('\n')}\n` +
      (gateway ? `\n  Open ${gateway.url}  ·  health ${gateway.url}/actuator/health\n` : '') +
      '  Stop with Ctrl+C\n\n',
  );
}

export async function main(argv: string[]): Promise<void> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    process.stderr.write(`ticketing: ${(error as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  const [command = 'help'] = parsed.positionals;
  const services = parsed.values.service;
  if (parsed.values.help || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  try {
    if (command === 'migrate') {
      await migrate({ services });
      process.stdout.write('migrations applied\n');
      return;
    }
    if (command === 'verify') {
      if (!(await verify(parsed.values.json ?? false))) process.exit(1);
      return;
    }
    if (command === 'seed') {
      const platform = await startPlatform({ services, seed: 'always' });
      await platform.stop();
      process.stdout.write('demo data seeded\n');
      return;
    }
    if (command !== 'start') {
      process.stderr.write(`ticketing: unknown command "${command}"\n\n${USAGE}\n`);
      process.exit(2);
    }
    await start(services, parseWorkers(parsed.values.workers, services));
  } catch (error) {
    fail(error);
  }
}
