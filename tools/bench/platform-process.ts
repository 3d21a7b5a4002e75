// The platform under test, as its own process: every service in one process (startPlatform),
// or with `--workers N` a primary and N worker processes (startCluster), so the benchmark can
// measure its CPU and memory apart from the load generator's. It prints one JSON line with the
// gateway's and the database's URLs once it is up, and stops on SIGTERM.
import { parseArgs } from 'node:util';
import { startCluster, startPlatform } from '@ticketing/runtime';

const workers = Number(parseArgs({ options: { workers: { type: 'string', default: '1' } } }).values.workers);
const platform =
  workers > 1
    ? await startCluster({ workers, seed: 'never' }).then((cluster) => ({
        stop: cluster.stop,
        gatewayUrl: cluster.services.find((service) => service.name === 'gateway')!.url,
        databaseUrl: cluster.databaseUrl,
        embedded: cluster.embedded,
      }))
    : await startPlatform({ seed: 'never' }).then((single) => ({
        stop: single.stop,
        gatewayUrl: single.url('gateway'),
        databaseUrl: single.infrastructure.databaseUrl,
        embedded: single.infrastructure.embedded,
      }));
const ready = {
  ready: true,
  pid: process.pid,
  gatewayUrl: platform.gatewayUrl,
  databaseUrl: platform.databaseUrl,
  embedded: platform.embedded,
};
process.stdout.write(`${JSON.stringify(ready)}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await platform.stop().catch((error) => process.stderr.write(`stopping failed: ${String(error)}\n`));
  // process.exit (not a natural end): --cpu-prof writes its profile on exit.
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The parent closing our stdin means it is gone: do not outlive it with a database running.
process.stdin.on('end', stop);
process.stdin.resume();
