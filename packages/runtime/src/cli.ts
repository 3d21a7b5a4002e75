// The `ticketing` command: start (all services, or one with --service), migrate, seed, verify.
import { parseArgs } from 'node:util';
import { formatReport, verifyInvariants } from '@ticketing/order-service';
import { ConfigError, createLogger, loadConfig, loadDevSecrets, MigrationError } from '@ticketing/platform';
import closeWithGrace from 'close-with-grace';
import pg from 'pg';
import { createInfrastructure, StartupError } from './infrastructure.js';
import { migrate, type Platform, startPlatform } from './platform.js';
import { serviceNames } from './services.js';

const USAGE = `Usage: ticketing <command> [options]

Commands:
  start [--service NAME ...]   run every service in one process (embedded mode),
                               or only the named ones with infrastructure from the environment
  migrate [--service NAME ...] apply database migrations and exit
  seed                         insert the demo data and exit
  verify [--json]              check the data-safety invariants (ARCHITECTURE.md) on the database;
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
    // Signals are handled from the first moment: Ctrl+C during start-up (the first start
    // initialises a database and seeds) must still stop the embedded PostgreSQL.
    const interrupt = new AbortController();
    let platform: Platform | undefined;
    const starting = startPlatform({ services, signal: interrupt.signal });
    closeWithGrace({ delay: loadConfig(process.env).shutdownTimeoutMs }, async ({ signal, err }) => {
      if (err)
        process.stderr.write(`ticketing: stopping after an unexpected error: ${err.stack ?? err.message}\n`);
      else
        process.stdout.write(`\nticketing: ${signal ?? 'stop'} received, draining requests and stopping\n`);
      if (platform) return platform.stop();
      interrupt.abort();
      await starting.catch(() => undefined);
    });
    try {
      platform = await starting;
    } catch (error) {
      if (interrupt.signal.aborted) return; // close-with-grace finishes the exit
      throw error;
    }
    const lines = [...platform.services.values()].map(
      (service) => `  ${service.module.name.padEnd(13)} ${service.url}`,
    );
    const gateway = platform.services.get('gateway');
    process.stdout.write(
      `\nTicketing platform is running${platform.infrastructure.embedded ? ' (embedded mode)' : ''}:\n${lines.join('\n')}\n` +
        (gateway ? `\n  Open ${gateway.url}  ·  health ${gateway.url}/actuator/health\n` : '') +
        '  Stop with Ctrl+C\n\n',
    );
  } catch (error) {
    fail(error);
  }
}
