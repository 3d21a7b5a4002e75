// The platform under test, as its own process: every service in one process (startPlatform),
// so the benchmark can measure its CPU and memory apart from the load generator's. It prints
// one JSON line with the gateway's and the database's URLs once it is up, and stops on SIGTERM.
import { startPlatform } from '@ticketing/runtime';

const platform = await startPlatform({ seed: 'never' });
const ready = {
  ready: true,
  pid: process.pid,
  gatewayUrl: platform.url('gateway'),
  databaseUrl: platform.infrastructure.databaseUrl,
  embedded: platform.infrastructure.embedded,
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
