// Container health check: asks the service this container runs for /actuator/health.
// The service is the one named by `--service` on PID 1's command line (the gateway when the
// container runs them all); its port is <SERVICE>_PORT or the platform's default.
import { readFileSync } from 'node:fs';

const DEFAULT_PORTS = {
  gateway: 8080,
  user: 8081,
  event: 8082,
  ticket: 8083,
  order: 8084,
  payment: 8085,
  notification: 8086,
};

function servedService() {
  try {
    const args = readFileSync('/proc/1/cmdline', 'utf8').split('\0');
    const at = args.indexOf('--service');
    if (at !== -1 && args[at + 1] in DEFAULT_PORTS) return args[at + 1];
  } catch {
    // Not on Linux, or no access: fall back to the gateway.
  }
  return 'gateway';
}

const service = servedService();
const port = process.env[`${service.toUpperCase()}_PORT`] || DEFAULT_PORTS[service];
try {
  const response = await fetch(`http://127.0.0.1:${port}/actuator/health`, {
    signal: AbortSignal.timeout(2_500),
  });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}
