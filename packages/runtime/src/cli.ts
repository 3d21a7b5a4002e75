// The `ticketing` command: start (all services, or one with --service), migrate, seed.
import { parseArgs } from 'node:util';
import { ConfigError, MigrationError } from '@ticketing/platform';
import closeWithGrace from 'close-with-grace';
import { StartupError } from './infrastructure.js';
import { migrate, startPlatform } from './platform.js';
import { serviceNames } from './services.js';

const USAGE = `Usage: ticketing <command> [options]

Commands:
  start [--service NAME ...]   run every service in one process (embedded mode),
                               or only the named ones with infrastructure from the environment
  migrate [--service NAME ...] apply database migrations and exit
  seed                         insert the demo data and exit
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
    options: { service: { type: 'string', multiple: true }, help: { type: 'boolean' } },
  });

export async function main(argv: string[]): Promise<void> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { service: { type: 'string', multiple: true }, help: { type: 'boolean' } },
    });
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
    const platform = await startPlatform({ services });
    closeWithGrace({ delay: platform.config.shutdownTimeoutMs }, async ({ signal, err }) => {
      if (err)
        process.stderr.write(`ticketing: stopping after an unexpected error: ${err.stack ?? err.message}\n`);
      else
        process.stdout.write(`\nticketing: ${signal ?? 'stop'} received, draining requests and stopping\n`);
      await platform.stop();
    });
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
