// `npm run bench`: the on-sale benchmark. Starts the platform as a child process, creates the
// event and the buyers, runs the scenarios through the gateway, checks the data-safety
// invariants, measures the database's own limit with pgbench, and writes the report.
// Usage: npm run bench -- [--quick] [--mode embedded|stack|distributed] [--scenario onsale,browse,mixed|all] …
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { formatReport, verifyInvariants } from '@ticketing/order-service';
import pg from 'pg';
import { Api } from './api.js';
import { runCrowdSale, waitingRoomFigures } from './crowd.js';
import { readDurability } from './durability.js';
import { launchPlatform, type Mode, ROOT } from './launch.js';
import { RunRecorder } from './metrics.js';
import {
  BUYER_SECONDS,
  buyersNeeded,
  openLoopInventory,
  parseRates,
  type RateSpec,
  resolveRate,
  runOpenLoop,
} from './open-loop.js';
import { OutboxLagWatcher } from './outbox-lag.js';
import {
  createScratchInventory,
  dropScratchInventory,
  explainHolds,
  findPgbench,
  runPgbench,
} from './pgbench.js';
import { ProcessSampler, postmasterPid, processTree, type UsageSummary } from './process-usage.js';
import { summarizeProfileFile } from './profile.js';
import { type BenchReport, type ScenarioReport, summaryLines, writeReport } from './report.js';
import { runScale } from './scale.js';
import { runBrowse, runOnSale } from './scenarios.js';
import { createBuyers, createOnSaleEvent, login } from './setup.js';
import { sizingTable } from './sizing.js';
import { StatementCounter } from './statements.js';

const USAGE = `Usage: npm run bench -- [options]

  --quick                  smoke run: 500 seats + 500 GA, 50 buyers, 60 s at most, small pgbench and scale (under 2 min)
  --mode MODE              embedded (default: own PostgreSQL, in-memory cache and bus),
                           stack (Debian PostgreSQL + Redis from tools/stack, all services in one process),
                           distributed (tools/stack/stack.sh: + Kafka, a process per service)
  --workers N              the platform's worker processes (ticketing start --workers N; embedded and stack modes; default 1)
  --scenario LIST          onsale (default), browse, mixed, or all; comma-separated
  --seats N                reserved seats of the on-sale event (default 10000)
  --ga N                   general-admission tickets (default 10000)
  --buyers K               concurrent buyers, each registered and logged in before timing (default 500)
  --best-share F           share of seat buyers asking for best available (default 0.25)
  --browse-seconds S       how long the browse scenario reads (default 20)
  --time-limit S           stop a sale after S seconds even if not sold out (default 600; reported, not a failure)
  --rate LIST              after the scenarios, the open-loop on-sale at each rate of LIST (comma-separated),
                           each on a fresh event: purchases per second (20), or a multiple of this run's
                           closed-loop onsale rate (0.5x; needs the onsale scenario). Poisson arrivals, each one
                           buyer doing one hold and one order whatever the answers; e.g. --rate 0.5x,1.5x
  --rate-seconds S         how long each open-loop rate runs (default 30)
  --pgbench-clients N      pgbench connections (default 8)
  --pgbench-purchases N    purchases pgbench runs (default 10000)
  --no-pgbench             skip pgbench
  --scale-tickets N        tickets of the large inventory in the scale test (default 1000000)
  --scale-holds N          holds measured per inventory (default 200)
  --no-scale               skip the scale test
  --waiting-room           also run the crowd on-sale twice, without and with a waiting room, side by side
  --crowd-buyers N         buyers of the crowd on-sale, 10× its tickets (default 2000; --quick 150)
  --crowd-admit-per-minute N  the waiting room's admission rate (default 1200; --quick 600)
  --profile                write a V8 CPU profile of the platform process (node --cpu-prof) into the results
  --out DIR                where the report goes (default bench-results/<timestamp>)
`;

const run = promisify(execFile);

function readOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      mode: { type: 'string', default: 'embedded' },
      workers: { type: 'string' },
      scenario: { type: 'string', default: 'onsale' },
      seats: { type: 'string' },
      ga: { type: 'string' },
      buyers: { type: 'string' },
      'best-share': { type: 'string', default: '0.25' },
      'browse-seconds': { type: 'string' },
      'time-limit': { type: 'string' },
      rate: { type: 'string' },
      'rate-seconds': { type: 'string' },
      'pgbench-clients': { type: 'string', default: '8' },
      'pgbench-purchases': { type: 'string' },
      'no-pgbench': { type: 'boolean', default: false },
      'scale-tickets': { type: 'string' },
      'scale-holds': { type: 'string' },
      'no-scale': { type: 'boolean', default: false },
      'waiting-room': { type: 'boolean', default: false },
      'crowd-buyers': { type: 'string' },
      'crowd-admit-per-minute': { type: 'string' },
      profile: { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const quick = values.quick;
  const integer = (name: string, raw: string | undefined, fallback: number, min: number) => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min)
      throw new Error(`--${name} must be an integer ≥ ${min} (got ${raw})`);
    return value;
  };
  const mode = values.mode as Mode;
  if (!['embedded', 'stack', 'distributed'].includes(mode))
    throw new Error(`--mode must be embedded, stack or distributed (got ${values.mode})`);
  const workers = integer('workers', values.workers, 1, 1);
  if (workers > 1 && mode === 'distributed')
    throw new Error('--workers is for the embedded and stack modes (distributed runs a process per service)');
  const scenarios =
    values.scenario === 'all'
      ? ['onsale', 'browse', 'mixed']
      : values.scenario.split(',').map((name) => name.trim());
  for (const name of scenarios)
    if (!['onsale', 'browse', 'mixed'].includes(name))
      throw new Error(`--scenario must list onsale, browse, mixed (or be all); got ${name}`);
  const rates: RateSpec[] = values.rate === undefined ? [] : parseRates(values.rate);
  if (rates.some((rate) => 'peakMultiple' in rate) && !scenarios.includes('onsale'))
    throw new Error(
      '--rate with a multiple of the peak (0.5x) needs the onsale scenario, which measures the peak',
    );
  const bestShare = Number(values['best-share']);
  if (!(bestShare >= 0 && bestShare <= 1)) throw new Error('--best-share must be between 0 and 1');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return {
    quick,
    mode,
    workers,
    scenarios: scenarios as ('onsale' | 'browse' | 'mixed')[],
    seats: integer('seats', values.seats, quick ? 500 : 10_000, 0),
    generalAdmission: integer('ga', values.ga, quick ? 500 : 10_000, 0),
    buyers: integer('buyers', values.buyers, quick ? 50 : 500, 1),
    bestAvailableShare: bestShare,
    browseSeconds: integer('browse-seconds', values['browse-seconds'], quick ? 10 : 20, 1),
    timeLimitSeconds: integer('time-limit', values['time-limit'], quick ? 60 : 600, 1),
    rates,
    rateSeconds: integer('rate-seconds', values['rate-seconds'], 30, 1),
    pgbench: !values['no-pgbench'],
    pgbenchClients: integer('pgbench-clients', values['pgbench-clients'], 8, 1),
    pgbenchPurchases: integer('pgbench-purchases', values['pgbench-purchases'], quick ? 1_000 : 10_000, 100),
    scale: !values['no-scale'],
    scaleTickets: integer('scale-tickets', values['scale-tickets'], quick ? 20_000 : 1_000_000, 2_000),
    scaleHolds: integer('scale-holds', values['scale-holds'], quick ? 40 : 200, 4),
    waitingRoom: values['waiting-room'],
    crowdBuyers: integer('crowd-buyers', values['crowd-buyers'], quick ? 150 : 2_000, 10),
    crowdAdmitPerMinute: integer(
      'crowd-admit-per-minute',
      values['crowd-admit-per-minute'],
      quick ? 600 : 1_200,
      1,
    ),
    profile: values.profile,
    out: values.out ?? join(ROOT, 'bench-results', stamp),
  };
}

type Options = ReturnType<typeof readOptions>;

const log = (line: string) => process.stdout.write(`[bench] ${line}\n`);

async function versions(databaseUrl: string | undefined): Promise<Record<string, string>> {
  const out: Record<string, string> = { node: process.version };
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
  out.ticketing = pkg.version;
  out.commit = await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).then(
    (result) => result.stdout.trim(),
    () => 'unknown',
  );
  if (databaseUrl) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    out.postgresql = (await client.query('SHOW server_version')).rows[0].server_version;
    await client.end();
  }
  return out;
}

async function dataDirectory(databaseUrl: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query('SHOW data_directory')).rows[0]?.data_directory;
  } catch {
    return undefined; // not a superuser: PostgreSQL's usage is then not measured
  } finally {
    await client.end();
  }
}

/**
 * CPU milliseconds each process group spent per purchase: unlike purchases per second, this
 * hardly moves when other work shares the machine, so runs on a busy machine stay comparable.
 */
function cpuPerPurchase(usage: Record<string, UsageSummary>, purchases: number): Record<string, number> {
  if (purchases === 0) return {};
  return Object.fromEntries(
    Object.entries(usage).map(([name, summary]) => [
      name,
      Math.round((summary.cpuSeconds * 10_000) / purchases) / 10,
    ]),
  );
}

async function main(): Promise<number> {
  const options: Options = readOptions(process.argv.slice(2));
  const startedAt = new Date();
  const report: BenchReport = {
    ok: false,
    startedAt: startedAt.toISOString(),
    finishedAt: '',
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    settings: { ...options },
    machine: {
      cpuModel: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGb: totalmem() / 1024 ** 3,
      os: `${type()} ${release()}`,
      loadAverage: loadavg(),
    },
    versions: {},
    setup: {},
    scenarios: [],
    pgbench: { skipped: 'not run' },
    ratios: {},
    scale: undefined,
    invariants: undefined,
    failures: [],
    warnings: [],
  };

  log(
    `mode ${options.mode}${options.workers > 1 ? `, ${options.workers} workers` : ''}: starting the platform`,
  );
  let started = performance.now();
  const platform = await launchPlatform({
    mode: options.mode,
    workers: options.workers,
    cpuProfileDir: options.profile ? join(options.out, 'cpu-profiles') : undefined,
    env: {},
    log,
  });
  report.setup.platformStartSeconds = (performance.now() - started) / 1000;
  report.settings = { ...options, platform: platform.settings };
  const api = new Api(platform.gatewayUrl, Math.max(16, options.buyers + 8));
  const hide = (text: string) => text.replaceAll(platform.databaseUrl, '<database>');
  let sampler = () => new ProcessSampler([]);
  try {
    report.versions = await versions(platform.databaseUrl);
    report.durability = await readDurability(platform.databaseUrl);
    const pgData = await dataDirectory(platform.databaseUrl);
    const postmaster = pgData ? postmasterPid(pgData) : undefined;
    sampler = () =>
      new ProcessSampler([
        { name: 'platform (node)', pids: platform.pids },
        ...(postmaster
          ? [{ name: 'postgresql', pids: () => processTree(postmaster), parent: postmaster }]
          : []),
        ...(platform.componentGroups ?? []),
        { name: 'load generator', pids: () => [process.pid] },
      ]);

    /**
     * What every measured sale watches from its start: per-step timings, the processes' CPU, the
     * statements run and the outboxes' lag; `finish` stops them when the sale's last purchase ended.
     */
    const watchSale = async () => {
      const recorder = new RunRecorder();
      const usage = sampler();
      usage.start();
      const statements = new StatementCounter(platform.databaseUrl);
      await statements.start();
      const outbox = new OutboxLagWatcher(platform.databaseUrl);
      await outbox.start();
      /** The sale's measured figures, as its report has them; the recorder is closed after. */
      const finish = async (purchases: number) => {
        const endedAt = performance.now();
        usage.stop();
        const outboxLag = await outbox.stop();
        const summary = usage.summary();
        const measured = {
          latency: recorder.latencies(),
          errors: recorder.errors(),
          usage: summary,
          cpuMsPerPurchase: cpuPerPurchase(summary, purchases),
          timeline: recorder.timeline(),
          cpuTimeline: usage.cpuTimeline(),
          outbox: outboxLag,
          statements: await statements.finish(purchases, endedAt, outbox.queries),
        } satisfies Partial<ScenarioReport>;
        recorder.close();
        return measured;
      };
      return { recorder, finish };
    };

    const organizer = await login(api, platform.adminLogin.username, platform.adminLogin.password);
    const runId = Date.now().toString(36);
    log(`registering and logging in ${options.buyers} buyers`);
    started = performance.now();
    const buyers = await createBuyers(api, runId, options.buyers);
    report.setup.buyersSeconds = (performance.now() - started) / 1000;

    // A catalogue for the readers: a few small events besides the on-sale ones.
    const catalogue: string[] = [];
    const searchWords = ['Bench', 'Arena', 'concert', 'flash', 'sale'];

    const onSale = async (name: 'onsale' | 'mixed') => {
      log(
        `${name}: creating the event (${options.seats} seats, ${options.generalAdmission} general admission)`,
      );
      const event = await createOnSaleEvent(
        api,
        organizer,
        `Bench on-sale ${name} ${runId}`,
        options.seats,
        options.generalAdmission,
      );
      catalogue.push(event.id);
      report.setup[`${name}CreateSeconds`] = event.createMs / 1000;
      report.setup[`${name}PublishSeconds`] = event.publishMs / 1000;
      const readers = name === 'mixed' ? buyers.slice(0, Math.max(1, Math.floor(buyers.length / 5))) : [];
      log(
        `${name}: ${buyers.length} buyers${readers.length ? ` and ${readers.length} readers` : ''} go (${event.seatCount} seats, ${event.generalAdmission} GA)`,
      );
      const { recorder, finish } = await watchSale();
      let saleOver = false;
      const reading = readers.length
        ? runBrowse(api, readers, catalogue, searchWords, recorder, () => saleOver)
        : undefined;
      const sale = await runOnSale(api, event, buyers, recorder, {
        bestAvailableShare: options.bestAvailableShare,
        timeLimitSeconds: options.timeLimitSeconds,
        mapRefreshMs: 2_000,
      });
      saleOver = true;
      const browse = await reading;
      const measured = await finish(sale.purchases);
      const seconds = sale.secondsToSellOut;
      const scenario: ScenarioReport = {
        name,
        seconds,
        sale: {
          ...sale,
          capacity: event.seatCount + event.generalAdmission,
          purchasesPerSecond: sale.purchases / seconds,
          ticketsPerSecond: sale.ticketsSold / seconds,
          holdsPerSecond: sale.holds / seconds,
        },
        ...(browse ? { browse: { ...browse, readsPerSecond: browse.requests / browse.seconds } } : {}),
        ...measured,
      };
      if (measured.outbox.drainSecondsAfterSale === null)
        report.warnings.push(`${name}: the outboxes still held events 120 s after the sale`);
      report.scenarios.push(scenario);
      log(
        `${name}: ${sale.ticketsSold} tickets in ${seconds.toFixed(1)} s, ${(sale.purchases / seconds).toFixed(1)} purchases/s${sale.soldOut ? '' : ' — NOT sold out'}`,
      );
      if (!sale.soldOut)
        report.warnings.push(`${name} did not sell out within ${options.timeLimitSeconds} s`);
    };

    const browse = async () => {
      for (let index = catalogue.length; index < 5; index++) {
        const extra = await createOnSaleEvent(api, organizer, `Bench concert ${index} ${runId}`, 200, 100);
        catalogue.push(extra.id);
      }
      log(`browse: ${buyers.length} readers for ${options.browseSeconds} s`);
      const recorder = new RunRecorder();
      const usage = sampler();
      usage.start();
      const deadline = performance.now() + options.browseSeconds * 1000;
      const result = await runBrowse(
        api,
        buyers,
        catalogue,
        searchWords,
        recorder,
        () => performance.now() >= deadline,
      );
      usage.stop();
      report.scenarios.push({
        name: 'browse',
        seconds: result.seconds,
        browse: { ...result, readsPerSecond: result.requests / result.seconds },
        latency: recorder.latencies(),
        errors: recorder.errors(),
        usage: usage.summary(),
        timeline: recorder.timeline(),
        cpuTimeline: usage.cpuTimeline(),
      });
      recorder.close();
      log(`browse: ${(result.requests / result.seconds).toFixed(1)} reads/s`);
    };

    for (const name of options.scenarios) {
      if (name === 'browse') await browse();
      else await onSale(name);
    }

    // Distributed: each component's CPU per purchase of the closed-loop sale, as a sizing table.
    const measured = report.scenarios.find((scenario) => scenario.sale && scenario.cpuMsPerPurchase);
    if (platform.componentGroups && measured?.sale && measured.cpuMsPerPurchase)
      report.sizing = {
        scenario: measured.name,
        purchasesPerSecond: measured.sale.purchasesPerSecond,
        targetUtilisation: 0.7,
        rows: sizingTable(measured.cpuMsPerPurchase, platform.instances ?? {}, 0.7),
      };

    // The open loop: purchases at a fixed rate on a fresh event each, whatever the answers.
    const rateBuyers = [...buyers];
    for (const [phase, spec] of options.rates.entries()) {
      const peak = report.scenarios.find((scenario) => scenario.name === 'onsale')?.sale?.purchasesPerSecond;
      const rate = resolveRate(spec, peak);
      const needed = buyersNeeded(rate);
      if (needed > rateBuyers.length) {
        log(`open loop ${spec.label}: registering ${needed - rateBuyers.length} more buyers`);
        rateBuyers.push(...(await createBuyers(api, `${runId}o${phase}`, needed - rateBuyers.length)));
      }
      const inventory = openLoopInventory(rate, options.rateSeconds);
      const event = await createOnSaleEvent(
        api,
        organizer,
        `Bench open loop ${spec.label} ${runId}`,
        inventory.seats,
        inventory.generalAdmission,
      );
      const name = `open-loop-${spec.label.replace('/', '-per-')}` as const;
      log(
        `${name}: ${rate.toFixed(1)} purchases/s for ${options.rateSeconds} s, ${rateBuyers.length} buyers, ${event.seatCount} seats + ${event.generalAdmission} GA`,
      );
      const { recorder, finish } = await watchSale();
      // A connection per buyer, as a crowd of browsers has: requests wait in the platform, not here.
      const openApi = new Api(platform.gatewayUrl, rateBuyers.length + 8);
      const result = await runOpenLoop(openApi, event, rateBuyers, recorder, {
        ratePerSecond: rate,
        seconds: options.rateSeconds,
        bestAvailableShare: options.bestAvailableShare,
        drainSeconds: 120,
      });
      const seconds = recorder.elapsedSeconds();
      const measured = await finish(result.purchases);
      await openApi.close().catch(() => undefined);
      const scenario: ScenarioReport = {
        name,
        seconds,
        openLoop: {
          ...result,
          label: spec.label,
          ...(peak !== undefined && {
            peakPerSecond: peak,
            offeredOverPeak: rate / peak,
            achievedOverPeak: result.achievedPerSecond / peak,
          }),
        },
        ...measured,
      };
      report.scenarios.push(scenario);
      log(
        `${name}: offered ${rate.toFixed(1)}/s, achieved ${result.achievedPerSecond.toFixed(1)} purchases/s; hold p99 ${scenario.latency.hold?.p99 ?? 0} ms, order p99 ${scenario.latency.order?.p99 ?? 0} ms; ${result.dropped} arrivals found no buyer free`,
      );
      if (result.dropped > 0)
        report.warnings.push(
          `${name}: ${result.dropped} of ${result.arrivals} arrivals found no buyer free (every buyer busy for more than ~${BUYER_SECONDS} s): the offered rate was not fully delivered`,
        );
      if (result.unfinished > 0)
        report.warnings.push(
          `${name}: ${result.unfinished} purchases still unanswered 120 s after the window`,
        );
    }

    if (options.waitingRoom) {
      const tickets = Math.max(1, Math.floor(options.crowdBuyers / 10));
      log(`crowd: registering ${Math.max(0, options.crowdBuyers - buyers.length)} more buyers`);
      started = performance.now();
      const crowd = [
        ...buyers.slice(0, options.crowdBuyers),
        ...(await createBuyers(api, `${runId}c`, Math.max(0, options.crowdBuyers - buyers.length))),
      ];
      report.setup.crowdBuyersSeconds = (performance.now() - started) / 1000;
      // With the room, the crowd arrives before the on-sale (as fans do) and the lottery orders it
      // at the on-sale moment; without it, everyone goes for a hold at once.
      const joinSeconds = Math.max(10, Math.ceil(options.crowdBuyers / 15));
      // The crowd's own connections, one per buyer as a crowd of browsers has: on the shared
      // pool (sized for --buyers) requests would wait in the load generator, not the platform.
      const crowdApi = new Api(platform.gatewayUrl, crowd.length + 8);
      for (const room of [false, true]) {
        const name = room ? 'crowd-room' : 'crowd-plain';
        const event = await createOnSaleEvent(
          api,
          organizer,
          `Bench crowd ${room ? 'with' : 'without'} a waiting room ${runId}`,
          0,
          tickets,
          room
            ? {
                waitingRoom: { enabled: true, admitPerMinute: options.crowdAdmitPerMinute },
                salesStartAt: new Date(Date.now() + joinSeconds * 1000).toISOString(),
              }
            : {},
        );
        log(`${name}: ${crowd.length} buyers for ${tickets} tickets`);
        const recorder = new RunRecorder();
        const usage = sampler();
        usage.start();
        const { seen, ...sale } = await runCrowdSale(crowdApi, event, crowd, recorder, {
          room,
          timeLimitSeconds: options.timeLimitSeconds,
          pollMs: 1_000,
        });
        usage.stop();
        const seconds = Math.max(sale.secondsToSellOut, 0.001);
        const scenario: ScenarioReport = {
          name,
          seconds: recorder.elapsedSeconds(),
          sale: {
            ...sale,
            capacity: tickets,
            purchasesPerSecond: sale.purchases / seconds,
            ticketsPerSecond: sale.ticketsSold / seconds,
            holdsPerSecond: sale.holds / seconds,
          },
          latency: recorder.latencies(),
          errors: recorder.errors(),
          usage: usage.summary(),
          timeline: recorder.timeline(),
          cpuTimeline: usage.cpuTimeline(),
          ...(room && {
            waitingRoom: await waitingRoomFigures(
              platform.databaseUrl,
              event.id,
              options.crowdAdmitPerMinute,
              seen,
            ),
          }),
        };
        recorder.close();
        report.scenarios.push(scenario);
        log(
          `${name}: ${sale.ticketsSold}/${tickets} tickets, hold p99 ${scenario.latency.hold?.p99 ?? 0} ms`,
        );
      }
      await crowdApi.close().catch(() => undefined);
      const plain = report.scenarios.find((scenario) => scenario.name === 'crowd-plain')!;
      const withRoom = report.scenarios.find((scenario) => scenario.name === 'crowd-room')!;
      const plainP99 = plain.latency.hold?.p99 ?? 0;
      const roomP99 = withRoom.latency.hold?.p99 ?? 0;
      report.waitingRoom = {
        buyers: crowd.length,
        tickets,
        onSaleAfterSeconds: joinSeconds,
        holdP99PlainMs: plainP99,
        holdP99RoomMs: roomP99,
        holdP99RoomOverPlain: plainP99 > 0 ? roomP99 / plainP99 : Number.NaN,
        admissionMeasuredOverConfigured:
          (withRoom.waitingRoom?.measuredPerMinute ?? 0) / options.crowdAdmitPerMinute,
      };
      if (withRoom.waitingRoom && withRoom.waitingRoom.admitted < withRoom.waitingRoom.joined)
        report.warnings.push(
          `crowd-room: ${withRoom.waitingRoom.joined - withRoom.waitingRoom.admitted} places were not admitted within ${options.timeLimitSeconds} s`,
        );
    }

    if (options.scale) {
      started = performance.now();
      // A failure here (a timeout publishing a huge inventory) is reported, not fatal: the
      // invariants and pgbench still run.
      report.scale = await runScale(
        api,
        organizer,
        buyers,
        platform.databaseUrl,
        {
          smallTickets: 1_000,
          largeTickets: options.scaleTickets,
          holds: options.scaleHolds,
          concurrency: 4,
        },
        log,
      ).catch((error: Error) => {
        report.warnings.push(`scale test failed: ${error.message}`);
        return { skipped: `failed: ${error.message}` };
      });
      report.setup.scaleSeconds = (performance.now() - started) / 1000;
    } else report.scale = { skipped: '--no-scale' };
  } catch (error) {
    // Connection strings carry the database password: never into the report or the terminal.
    report.failures.push(`run failed: ${hide((error as Error).message)}`);
    process.stderr.write(`${hide((error as Error).stack ?? String(error))}\n`);
  }
  try {
    log('checking the invariants');
    const pool = new pg.Pool({ connectionString: platform.databaseUrl, max: 2 });
    try {
      report.invariants = await verifyInvariants(pool, { sweepIntervalMs: 5_000 });
    } finally {
      await pool.end();
    }
    process.stdout.write(formatReport(report.invariants));
    if (!report.invariants.ok) report.failures.push('invariants violated');

    if (options.pgbench) {
      const pgbench = await findPgbench(log).catch((error) => {
        log(`pgbench could not be installed: ${(error as Error).message}`);
        return undefined;
      });
      if (!pgbench) report.pgbench = { skipped: 'pgbench not found (apt-get install postgresql-contrib)' };
      else {
        log(`pgbench: ${options.pgbenchPurchases} purchases on a scratch copy of the inventory`);
        await createScratchInventory(platform.databaseUrl, options.pgbenchPurchases);
        try {
          const usage = sampler();
          usage.start();
          const result = await runPgbench(pgbench, platform.databaseUrl, {
            purchases: options.pgbenchPurchases,
            clients: options.pgbenchClients,
            threads: Math.min(2, options.pgbenchClients),
          });
          usage.stop();
          const postgres = usage.summary().postgresql;
          report.pgbench = {
            ...result,
            postgresCpuMsPerPurchase: postgres ? (postgres.cpuSeconds * 1000) / result.purchases : undefined,
          };
          report.explain = await explainHolds(platform.databaseUrl);
          report.versions.pgbench = result.version;
          for (const scenario of report.scenarios)
            if (scenario.sale)
              report.ratios[`${scenario.name} purchases/s`] =
                scenario.sale.purchasesPerSecond / result.purchasesPerSecond;
        } finally {
          await dropScratchInventory(platform.databaseUrl);
        }
      }
    } else report.pgbench = { skipped: '--no-pgbench' };
  } catch (error) {
    report.failures.push(`run failed: ${hide((error as Error).message)}`);
    process.stderr.write(`${hide((error as Error).stack ?? String(error))}\n`);
  } finally {
    await api.close().catch(() => undefined);
    log('stopping the platform');
    await platform.stop();
  }
  if (options.profile) {
    // One profile per thread; the main thread is the busiest one.
    const dir = join(options.out, 'cpu-profiles');
    const files = (await readdir(dir).catch(() => [] as string[])).filter((file) =>
      file.endsWith('.cpuprofile'),
    );
    const summaries = await Promise.all(files.map((file) => summarizeProfileFile(join(dir, file), 20)));
    const busiest = summaries.sort((a, b) => a.idlePercent - b.idlePercent)[0];
    if (busiest) report.profile = { directory: dir, ...busiest };
  }
  report.ok = report.failures.length === 0 && report.invariants?.ok === true;
  report.finishedAt = new Date().toISOString();
  await writeReport(options.out, report);
  for (const line of summaryLines(report, options.out)) process.stdout.write(`${line}\n`);
  // A violated invariant, or a run that could not finish, fails; slowness alone does not.
  return report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    process.exit(2);
  },
);
