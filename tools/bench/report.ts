// The report of a run: every figure as JSON, the same as Markdown for a reader, SVG charts of
// throughput, latency and CPU over time, and the few lines printed at the end.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InvariantReport } from '@ticketing/order-service';
import type { WaitingRoomFigures } from './crowd.js';
import { type Durability, durabilityLine } from './durability.js';
import type { LatencySummary, SecondSample } from './metrics.js';
import type { OpenLoopResult } from './open-loop.js';
import type { OutboxLag } from './outbox-lag.js';
import type { PgbenchResult } from './pgbench.js';
import type { UsageSummary } from './process-usage.js';
import type { ProfileSummary } from './profile.js';
import type { ScaleResult } from './scale.js';
import type { BrowseResult, OnSaleResult } from './scenarios.js';
import { type Sizing, sizingMarkdown } from './sizing.js';
import type { StatementCounts } from './statements.js';
import { lineChart, type Series } from './svg.js';

export interface ScenarioReport {
  /** crowd-plain / crowd-room: ten times more buyers than tickets, without and with the waiting room. */
  name: 'onsale' | 'browse' | 'mixed' | 'crowd-plain' | 'crowd-room' | `open-loop-${string}`;
  seconds: number;
  sale?: OnSaleResult & {
    purchasesPerSecond: number;
    ticketsPerSecond: number;
    holdsPerSecond: number;
    capacity: number;
  };
  browse?: BrowseResult & { readsPerSecond: number };
  latency: Record<string, LatencySummary>;
  errors: { step: string; status: number; code: string; count: number }[];
  usage: Record<string, UsageSummary>;
  /** CPU ms per purchase of each process group (sales only). */
  cpuMsPerPurchase?: Record<string, number>;
  timeline: SecondSample[];
  cpuTimeline: Record<string, { second: number; cpuPercent: number; rssMb: number }[]>;
  /** The crowd with the waiting room on: its admission rate and the time in line. */
  waitingRoom?: WaitingRoomFigures;
  /** How far the sale's events trailed it in the outboxes (on-sale scenarios). */
  outbox?: OutboxLag;
  /** The open-loop on-sale at one rate (`--rate`). */
  openLoop?: OpenLoopReport;
  /** SQL statements and transactions per purchase, counted by the server (on-sale scenarios). */
  statements?: StatementCounts;
}

/** One open-loop phase, and how it compares with the closed-loop peak of the same run. */
export interface OpenLoopReport extends OpenLoopResult {
  /** The rate as given: "0.5x" or "20/s". */
  label: string;
  /** The closed-loop onsale's purchases/s in the same run. */
  peakPerSecond?: number;
  offeredOverPeak?: number;
  achievedOverPeak?: number;
}

/** The crowd on-sale without and with the waiting room, side by side (`--waiting-room`). */
export interface WaitingRoomComparison {
  buyers: number;
  tickets: number;
  /** The room's on-sale opened this long after the event was created; the crowd joined before. */
  onSaleAfterSeconds: number;
  holdP99PlainMs: number;
  holdP99RoomMs: number;
  /** Room p99 over plain p99: below 1 means the room kept holds faster. */
  holdP99RoomOverPlain: number;
  /** Measured admissions per minute over the configured rate. */
  admissionMeasuredOverConfigured: number;
}

export interface BenchReport {
  ok: boolean;
  startedAt: string;
  finishedAt: string;
  command: string;
  settings: Record<string, unknown>;
  machine: { cpuModel: string; cores: number; memoryGb: number; os: string; loadAverage: number[] };
  versions: Record<string, string>;
  /** The measured PostgreSQL server's fsync, synchronous_commit and full_page_writes (SHOW). */
  durability?: Durability;
  setup: Record<string, number>;
  scenarios: ScenarioReport[];
  pgbench: (PgbenchResult & { postgresCpuMsPerPurchase?: number | undefined }) | { skipped: string };
  /** The platform's purchases per second over pgbench's, per scenario with sales. */
  ratios: Record<string, number>;
  scale: ScaleResult | { skipped: string } | undefined;
  invariants: InvariantReport | undefined;
  /** EXPLAIN ANALYZE of the hold statements (on pgbench's scratch inventory). */
  explain?: Record<string, string>;
  /** Where the platform process spent its CPU (--profile). */
  profile?: ProfileSummary & { directory: string };
  waitingRoom?: WaitingRoomComparison;
  /** Distributed mode: cores of each component per 1,000 purchases/s. */
  sizing?: Sizing;
  /** What makes the run fail (exit 1): a violated invariant, a run that could not finish. */
  failures: string[];
  /** What a reader should know but does not fail the run: not sold out in time, a skipped part. */
  warnings: string[];
}

const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const percent = (ratio: number) => (Number.isFinite(ratio) ? `${(ratio * 100).toFixed(1)} %` : 'n/a');

function latencyTable(latency: Record<string, LatencySummary>): string[] {
  const rows = Object.entries(latency).map(
    ([step, s]) =>
      `| ${step} | ${s.count} | ${fixed(s.p50)} | ${fixed(s.p95)} | ${fixed(s.p99)} | ${fixed(s.max)} | ${fixed(s.mean)} |`,
  );
  return [
    '| step | count | p50 ms | p95 ms | p99 ms | max ms | mean ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ];
}

function usageTable(usage: Record<string, UsageSummary>): string[] {
  const rows = Object.entries(usage).map(
    ([name, u]) =>
      `| ${name} | ${fixed(u.cpuAveragePercent)} | ${fixed(u.cpuPeakPercent)} | ${fixed(u.cpuSeconds)} | ${fixed(u.cpuWaitPercent)} | ${fixed(u.rssAverageMb)} | ${fixed(u.rssPeakMb)} |`,
  );
  return [
    '| process | CPU avg % | CPU peak % | CPU s | waiting for a CPU % | memory avg MB | memory peak MB |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ];
}

/** Statements and transactions per purchase in one line. */
export function statementLine(counts: StatementCounts): string {
  const statements =
    counts.statementsPerPurchase === undefined
      ? `statements not counted (${counts.unavailable ?? 'pg_stat_statements not loaded'})`
      : `${fixed(counts.statementsPerPurchase)} SQL statements`;
  const background =
    counts.backgroundStatementsPerSecond === undefined
      ? ''
      : `; ${fixed(counts.backgroundStatementsPerSecond)} statements/s after the sale's events were handled (polling)`;
  const evicted = counts.evicted
    ? `; ${counts.evicted} entries evicted from pg_stat_statements: too low`
    : '';
  return `${statements} and ${fixed(counts.transactionsPerPurchase)} transactions per purchase (${counts.statements ?? '—'} statements, ${counts.transactions} transactions over ${counts.purchases} purchases)${background}${evicted}`;
}

/** The statements with the most calls per purchase, and their mean execution time. */
export function statementTable(counts: StatementCounts): string[] {
  if (counts.top.length === 0) return [];
  return [
    '| statement | calls per purchase | calls | mean ms | total ms |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...counts.top.map(
      (statement) =>
        `| \`${statement.query.replaceAll('|', '\\|').replaceAll('`', "'")}\` | ${fixed(statement.callsPerPurchase, 2)} | ${statement.calls} | ${fixed(statement.meanMs, 3)} | ${fixed(statement.totalMs, 0)} |`,
    ),
  ];
}

/** The outbox backlog of a sale in one line. */
function outboxLine(lag: OutboxLag): string {
  const drained =
    lag.drainSecondsAfterSale === null
      ? 'still waiting 120 s after the sale'
      : `all sent ${fixed(lag.drainSecondsAfterSale)} s after the sale`;
  const handled = lag.handled.count
    ? `; written to handled p50/p99/max ${fixed(lag.handled.p50Ms, 0)}/${fixed(lag.handled.p99Ms, 0)}/${fixed(lag.handled.maxMs, 0)} ms over ${lag.handled.count} handlings`
    : '';
  const mails = lag.confirmationMails?.count
    ? `; confirmation mails sent p50/p99/max ${fixed(lag.confirmationMails.p50Ms, 0)}/${fixed(lag.confirmationMails.p99Ms, 0)}/${fixed(lag.confirmationMails.maxMs, 0)} ms after the order's confirmation (queued p50 ${fixed(lag.confirmationMails.queuedP50Ms, 0)} ms; ${lag.confirmationMails.count} mails${lag.confirmationMails.retried ? `, ${lag.confirmationMails.retried} retried` : ''}${lag.confirmationMails.unsent ? `, ${lag.confirmationMails.unsent} not sent` : ''})`
    : '';
  return `at most ${lag.peakPending} waiting in the outboxes, the oldest ${fixed(lag.peakOldestMs, 0)} ms old at worst; ${drained}${handled}${mails}`;
}

export function renderMarkdown(report: BenchReport): string {
  const lines: string[] = [];
  const settings = report.settings as {
    mode?: string;
    seats?: number;
    generalAdmission?: number;
    buyers?: number;
    scenarios?: string[];
  };
  lines.push(`# On-sale benchmark — ${report.startedAt}`, '');
  lines.push(
    `Result: **${report.ok ? 'PASS' : 'FAIL'}**${report.failures.length ? ` (${report.failures.join('; ')})` : ''}`,
    '',
  );
  if (report.warnings.length > 0) lines.push(`Warnings: ${report.warnings.join('; ')}`, '');
  lines.push(`Command: \`${report.command}\``, '');
  lines.push(
    `Machine: ${report.machine.cpuModel}, ${report.machine.cores} cores, ${fixed(report.machine.memoryGb)} GB, ${report.machine.os}; load average at start ${report.machine.loadAverage.map((value) => fixed(value, 2)).join(' ')} (a shared machine: compare ratios, not absolute figures).`,
    '',
  );
  lines.push(
    `Versions: ${Object.entries(report.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(' · ')}`,
    '',
  );
  if (report.durability)
    lines.push(
      `PostgreSQL durability (SHOW on the measured server): ${durabilityLine(report.durability)}.`,
      '',
    );
  lines.push(
    `Settings: mode ${settings.mode}, ${settings.seats} seats + ${settings.generalAdmission} general admission, ${settings.buyers} buyers, scenarios ${settings.scenarios?.join(', ')}.`,
    '',
  );

  const sales = report.scenarios.filter((scenario) => scenario.sale);
  if (sales.length > 0 || !('skipped' in report.pgbench)) {
    lines.push('## Against the database alone', '');
    if ('skipped' in report.pgbench) lines.push(`pgbench skipped: ${report.pgbench.skipped}`, '');
    else {
      const pgbench = report.pgbench;
      lines.push(
        `pgbench (${pgbench.version}), ${pgbench.clients} clients, ${pgbench.purchases} purchases of 1–4 tickets (half seats, half general admission), the ticket service's hold and sell transactions on a scratch copy of the inventory: **${fixed(pgbench.purchasesPerSecond)} purchases/s**, ${fixed(pgbench.latencyAverageMs, 2)} ms average.`,
        '',
      );
      for (const [name, ratio] of Object.entries(report.ratios))
        lines.push(`- ${name}: the platform sells at **${percent(ratio)}** of the database's own rate`);
      if (pgbench.postgresCpuMsPerPurchase !== undefined) {
        lines.push(
          `- CPU per purchase (steadier than rates on a shared machine): PostgreSQL alone ${fixed(pgbench.postgresCpuMsPerPurchase)} ms under pgbench`,
        );
        for (const scenario of sales)
          if (scenario.cpuMsPerPurchase)
            lines.push(
              `- CPU per purchase in ${scenario.name}: ${Object.entries(scenario.cpuMsPerPurchase)
                .map(([name, ms]) => `${name} ${fixed(ms)} ms`)
                .join(
                  ', ',
                )}${scenario.statements?.statementsPerPurchase !== undefined ? `; ${fixed(scenario.statements.statementsPerPurchase)} SQL statements and ${fixed(scenario.statements.transactionsPerPurchase)} transactions per purchase (pgbench's purchase: ${fixed(pgbench.statementsPerPurchase)} and ${fixed(pgbench.transactionsPerPurchase)})` : ''}`,
            );
      }
      lines.push('');
    }
  }

  lines.push(...sizingSection(report));
  lines.push(...openLoopSection(report));
  lines.push(...waitingRoomSection(report));

  for (const scenario of report.scenarios) {
    lines.push(`## Scenario: ${scenario.name}`, '');
    if (scenario.sale) {
      const sale = scenario.sale;
      lines.push(
        '| figure | value |',
        '| --- | ---: |',
        `| sold out | ${sale.soldOut ? 'yes' : 'NO'} |`,
        `| time to sell out | ${fixed(sale.secondsToSellOut)} s |`,
        `| tickets sold / capacity | ${sale.ticketsSold} / ${sale.capacity} (seats ${sale.seatTicketsSold}, general admission ${sale.gaTicketsSold}) |`,
        `| purchases | ${sale.purchases} |`,
        `| purchases/s | ${fixed(sale.purchasesPerSecond)} |`,
        `| tickets/s | ${fixed(sale.ticketsPerSecond)} |`,
        `| holds/s | ${fixed(sale.holdsPerSecond)} |`,
        `| hold attempts (409 conflicts) | ${sale.holdAttempts} (${sale.holdConflicts}) |`,
        `| orders not confirmed | ${sale.ordersFailed} |`,
        `| buyers who reached the per-buyer limit | ${sale.buyersAtLimit} |`,
        '',
      );
    }
    if (scenario.browse) {
      lines.push(
        `${scenario.browse.requests} reads in ${fixed(scenario.browse.seconds)} s: **${fixed(scenario.browse.readsPerSecond)} reads/s**, ${scenario.browse.failures} failed.`,
        '',
      );
    }
    lines.push(
      'Latency per step (purchase = from the first hold attempt to the confirmed order, 409 retries included):',
      '',
    );
    lines.push(...latencyTable(scenario.latency), '');
    lines.push(
      'Answers other than success, by kind (409 on holds is the expected contention of an on-sale):',
      '',
    );
    if (scenario.errors.length === 0) lines.push('none', '');
    else {
      lines.push('| step | status | code | count |', '| --- | ---: | --- | ---: |');
      for (const error of scenario.errors)
        lines.push(`| ${error.step} | ${error.status} | ${error.code} | ${error.count} |`);
      lines.push('');
    }
    lines.push(
      'CPU (% of one core) and memory (PSS: shared pages split among the processes sharing them) during the scenario:',
      '',
    );
    lines.push(...usageTable(scenario.usage), '');
    if (scenario.cpuMsPerPurchase)
      lines.push(
        `CPU per purchase: ${Object.entries(scenario.cpuMsPerPurchase)
          .map(([name, ms]) => `${name} ${fixed(ms)} ms`)
          .join(', ')}.`,
        '',
      );
    if (scenario.statements) {
      lines.push(
        `Statements per purchase: ${statementLine(scenario.statements)}.`,
        '',
        `Counted: ${scenario.statements.counted}.`,
        '',
      );
      const table = statementTable(scenario.statements);
      if (table.length > 0)
        lines.push(`The ${table.length - 2} statements with the most calls:`, '', ...table, '');
    }
    if (scenario.outbox) {
      lines.push(`Events: ${outboxLine(scenario.outbox)}.`, '');
      if (scenario.outbox.handledBy.length > 0)
        lines.push(
          'From an event’s write to its handling, per consumer:',
          '',
          '| consumer | handled | p50 ms | p99 ms | max ms |',
          '| --- | ---: | ---: | ---: | ---: |',
          ...scenario.outbox.handledBy.map(
            (c) =>
              `| ${c.consumer} | ${c.count} | ${fixed(c.p50Ms, 0)} | ${fixed(c.p99Ms, 0)} | ${fixed(c.maxMs, 0)} |`,
          ),
          '',
        );
    }
    lines.push(
      `![throughput](${scenario.name}-throughput.svg) ![latency](${scenario.name}-latency.svg) ![cpu](${scenario.name}-cpu.svg)`,
      '',
    );
  }

  if (report.scale) {
    lines.push('## Scale: hold latency against inventory size', '');
    if ('skipped' in report.scale) lines.push(`skipped: ${report.scale.skipped}`, '');
    else {
      const scale = report.scale;
      lines.push(
        `${scale.holdsPerEvent} holds per event, ${scale.concurrency} at a time, each released right after.`,
        '',
        '| inventory | create + publish s | seat hold p50 / p95 / p99 ms | GA hold p50 / p95 / p99 ms | release p50 ms | failures |',
        '| --- | ---: | ---: | ---: | ---: | ---: |',
      );
      for (const [label, entry] of [
        ['small', scale.small],
        ['large', scale.large],
      ] as const) {
        if (entry.createdBy === 'bulk-sql')
          lines.push(
            `| (${label}: publishing it through the API failed — ${entry.apiFailure?.replaceAll('|', '/').slice(0, 200)} — so a small general-admission type was grown to ${entry.generalAdmission.toLocaleString('en')} units by bulk SQL in ${fixed(entry.bulkInsertSeconds ?? 0, 1)} s) | | | | | |`,
          );
        lines.push(
          `| ${label}: ${entry.tickets.toLocaleString('en')} tickets (${entry.seats} seats) | ${fixed(entry.createSeconds, 2)} + ${fixed(entry.publishSeconds, 2)} | ${fixed(entry.seatHold.p50)} / ${fixed(entry.seatHold.p95)} / ${fixed(entry.seatHold.p99)} | ${fixed(entry.generalAdmissionHold.p50)} / ${fixed(entry.generalAdmissionHold.p95)} / ${fixed(entry.generalAdmissionHold.p99)} | ${fixed(entry.release.p50)} | ${entry.failures} |`,
        );
      }
      lines.push('');
      for (const [name, plan] of Object.entries(scale.largePlans ?? {}))
        lines.push(
          `${name} on the large inventory (EXPLAIN ANALYZE, rolled back):`,
          '',
          '```',
          plan,
          '```',
          '',
        );
    }
  }

  if (report.profile) {
    const profile = report.profile;
    lines.push(
      '## Where the platform spent its CPU',
      '',
      `V8 CPU profile of the platform process's main thread (${profile.directory}): ${profile.totalMs} ms sampled, idle ${fixed(profile.idlePercent)} %. Shares of the busy time:`,
      '',
      '| place | % | ms |',
      '| --- | ---: | ---: |',
      ...profile.places.map((line) => `| ${line.name} | ${fixed(line.percent)} | ${fixed(line.ms, 0)} |`),
      '',
      '| function | % | ms |',
      '| --- | ---: | ---: |',
      ...profile.functions.map(
        (line) => `| \`${line.name}\` | ${fixed(line.percent)} | ${fixed(line.ms, 0)} |`,
      ),
      '',
    );
  }
  if (report.explain) {
    lines.push(
      '## Plans of the hold statements',
      '',
      'EXPLAIN (ANALYZE, BUFFERS) on the scratch inventory pgbench used, rolled back:',
      '',
    );
    for (const [name, plan] of Object.entries(report.explain))
      lines.push(`${name}:`, '', '```', plan, '```', '');
  }

  lines.push('## Invariants', '');
  if (!report.invariants) lines.push('not checked (the run failed before)', '');
  else {
    for (const check of report.invariants.checks)
      lines.push(
        `- ${check.status === 'ok' ? 'ok' : check.status === 'skipped' ? 'skipped' : `**VIOLATED (${check.violations})**`} — ${check.name}: ${check.description}`,
      );
    lines.push('', report.invariants.ok ? 'All invariants hold.' : '**INVARIANTS VIOLATED**', '');
  }
  lines.push('## Settings', '', '```json', JSON.stringify(report.settings, null, 2), '```', '');
  return `${lines.join('\n')}\n`;
}

const p50p99 = (summary: LatencySummary | undefined) =>
  summary ? `${fixed(summary.p50)} / ${fixed(summary.p99)}` : 'n/a';
const timesPeak = (ratio: number | undefined) => (ratio === undefined ? '' : ` (${fixed(ratio, 2)} × peak)`);

/** The open-loop phases side by side: one column per rate. */
export function openLoopSection(report: BenchReport): string[] {
  const phases = report.scenarios.filter((scenario) => scenario.openLoop);
  if (phases.length === 0) return [];
  const row = (figure: string, cell: (scenario: ScenarioReport, open: OpenLoopReport) => string) =>
    `| ${figure} | ${phases.map((scenario) => cell(scenario, scenario.openLoop!)).join(' | ')} |`;
  const peak = phases[0]!.openLoop!.peakPerSecond;
  return [
    '## Open loop: latency under steady load',
    '',
    `Purchases start at a fixed rate with Poisson arrivals whatever the answers, each one buyer doing one hold and one order, on a fresh event that cannot sell out in the window${peak === undefined ? '' : `; the peak is this run's closed-loop onsale, ${fixed(peak)} purchases/s`}. Hold and purchase latencies count from the scheduled arrival (no coordinated omission); order from sending it to the confirmed order. Achieved = confirmed purchases of the window's arrivals per second of the window.`,
    '',
    `| figure | ${phases.map((scenario) => scenario.openLoop!.label).join(' | ')} |`,
    `| --- | ${phases.map(() => '---:').join(' | ')} |`,
    row(
      'offered purchases/s',
      (_, open) => `${fixed(open.offeredPerSecond)}${timesPeak(open.offeredOverPeak)}`,
    ),
    row(
      'achieved purchases/s',
      (_, open) => `**${fixed(open.achievedPerSecond)}**${timesPeak(open.achievedOverPeak)}`,
    ),
    row('hold p50 / p99 ms', (scenario) => p50p99(scenario.latency.hold)),
    row('order p50 / p99 ms', (scenario) => p50p99(scenario.latency.order)),
    row('purchase (arrival → confirmed) p50 / p99 ms', (scenario) => p50p99(scenario.latency.purchase)),
    row('arrivals (window s)', (_, open) => `${open.arrivals} (${open.seconds})`),
    row('arrivals dropped: no buyer free (buyers ready)', (_, open) => `${open.dropped} (${open.buyers})`),
    row('hold conflicts (409)', (_, open) => String(open.holdConflicts)),
    row('429/503 with Retry-After (shed)', (_, open) => String(open.answers.shedWithRetryAfter)),
    row('429/503 without Retry-After', (_, open) => String(open.answers.overloadWithoutRetryAfter)),
    row('other 5xx', (_, open) => String(open.answers.serverErrors)),
    row('`database_unavailable`', (_, open) => String(open.answers.databaseUnavailable)),
    row('no answer', (_, open) => String(open.answers.noAnswer)),
    row('orders not confirmed', (_, open) => String(open.ordersFailed)),
    row(
      'last purchase ended, s after the window',
      (_, open) => `${fixed(open.drainSeconds)}${open.unfinished ? ` (${open.unfinished} unanswered)` : ''}`,
    ),
    row('CPU per purchase: platform · PostgreSQL ms', (scenario) =>
      scenario.cpuMsPerPurchase
        ? `${fixed(platformCpu(scenario.cpuMsPerPurchase))} · ${fixed(scenario.cpuMsPerPurchase.postgresql ?? Number.NaN)}`
        : 'n/a',
    ),
    row('SQL statements · transactions per purchase', (scenario) =>
      scenario.statements
        ? `${fixed(scenario.statements.statementsPerPurchase ?? Number.NaN)} · ${fixed(scenario.statements.transactionsPerPurchase)}`
        : 'n/a',
    ),
    '',
  ];
}

/** CPU ms per purchase of the platform: its one process, or the sum of the services' processes. */
export function platformCpu(cpuMsPerPurchase: Record<string, number>): number {
  if (cpuMsPerPurchase['platform (node)'] !== undefined) return cpuMsPerPurchase['platform (node)'];
  const services = Object.entries(cpuMsPerPurchase).filter(([name]) => name.startsWith('service '));
  return services.length > 0 ? services.reduce((sum, [, ms]) => sum + ms, 0) : Number.NaN;
}

/** Distributed mode: the sizing table and what it rests on. */
export function sizingSection(report: BenchReport): string[] {
  const sizing = report.sizing;
  if (!sizing) return [];
  return [
    '## Sizing: cores per 1,000 purchases/s',
    '',
    `From the CPU each process spent per purchase in ${sizing.scenario} (${fixed(sizing.purchasesPerSecond)} purchases/s, read from /proc; each service's instances together): 1 ms of CPU per purchase is one core at 1,000 purchases/s. Measured on a ${report.machine.cores}-core machine at load average ${report.machine.loadAverage.map((value) => fixed(value, 2)).join(' ')} at the start, where every process also waits for a CPU: read the figures as an upper bound, and scale out the services with the most.`,
    '',
    ...sizingMarkdown(sizing),
    '',
  ];
}

/** One open-loop phase in one line. */
export function openLoopLine(scenario: ScenarioReport): string {
  const open = scenario.openLoop!;
  const answers = open.answers;
  return `${scenario.name}: offered ${fixed(open.offeredPerSecond)}/s${timesPeak(open.offeredOverPeak)}, achieved ${fixed(open.achievedPerSecond)} purchases/s${timesPeak(open.achievedOverPeak)}; hold p50/p99 ${p50p99(scenario.latency.hold).replace(' / ', '/')} ms (from the arrival), order p50/p99 ${p50p99(scenario.latency.order).replace(' / ', '/')} ms (sent to confirmed); 429/503 with Retry-After ${answers.shedWithRetryAfter}, without ${answers.overloadWithoutRetryAfter}, other 5xx ${answers.serverErrors}, database_unavailable ${answers.databaseUnavailable}, no answer ${answers.noAnswer}; ${open.dropped} of ${open.arrivals} arrivals dropped (no buyer free)`;
}

/** The crowd without and with the waiting room, side by side. */
function waitingRoomSection(report: BenchReport): string[] {
  const comparison = report.waitingRoom;
  const plain = report.scenarios.find((scenario) => scenario.name === 'crowd-plain');
  const room = report.scenarios.find((scenario) => scenario.name === 'crowd-room');
  if (!comparison || !plain?.sale || !room?.sale) return [];
  const figures = room.waitingRoom;
  const step = (scenario: ScenarioReport, name: string) => scenario.latency[name];
  const cell = (summary: LatencySummary | undefined) =>
    summary ? `${fixed(summary.p50)} / ${fixed(summary.p95)} / ${fixed(summary.p99)}` : 'n/a';
  const lines = [
    '## The waiting room: the same crowd without and with it',
    '',
    `${comparison.buyers} buyers, each wanting one purchase of 1–4 tickets, for ${comparison.tickets} general-admission tickets (10× more buyers than tickets), all at once. Plain: the sale is open and everyone goes for a hold. Waiting room: the event opens ${comparison.onSaleAfterSeconds} s after it is created; every buyer solves the proof-of-work, joins before the on-sale, follows its place on the stream (polling only if the stream fails), and once admitted holds and buys with the Queue-Token.`,
    '',
    '| figure | plain | waiting room |',
    '| --- | ---: | ---: |',
    `| hold p50 / p95 / p99 ms | ${cell(step(plain, 'hold'))} | ${cell(step(room, 'hold'))} |`,
    `| order p50 / p95 / p99 ms | ${cell(step(plain, 'order'))} | ${cell(step(room, 'order'))} |`,
    `| hold requests (409 conflicts) | ${plain.sale.holdAttempts} (${plain.sale.holdConflicts}) | ${room.sale.holdAttempts} (${room.sale.holdConflicts}) |`,
    `| tickets sold / capacity | ${plain.sale.ticketsSold} / ${plain.sale.capacity} | ${room.sale.ticketsSold} / ${room.sale.capacity} |`,
    `| last ticket sold, s after the crowd arrived | ${fixed(plain.sale.secondsToSellOut)} | ${fixed(room.sale.secondsToSellOut)} |`,
    '',
    `- hold p99 with the room / without: **${fixed(comparison.holdP99RoomOverPlain, 2)}**`,
  ];
  if (figures) {
    lines.push(
      Number.isFinite(figures.measuredPerMinute)
        ? `- admission rate while a line waited: **${fixed(figures.measuredPerMinute)}/min measured** against ${figures.configuredPerMinute}/min configured (ratio **${fixed(comparison.admissionMeasuredOverConfigured, 3)}**), ${figures.admitted} of ${figures.joined} places admitted`
        : `- admission rate: not measurable — the line never backed up over two admission steps (the crowd joined slower than ${figures.configuredPerMinute}/min); ${figures.admitted} of ${figures.joined} places admitted`,
      `- time in line, s (server clock, join to admission, the wait for the on-sale included): p50 ${fixed(figures.wait.p50)}, p95 ${fixed(figures.wait.p95)}, p99 ${fixed(figures.wait.p99)}, max ${fixed(figures.wait.max)}`,
      `- proof-of-work: ${figures.difficulty.min}–${figures.difficulty.max} bits, solved by the load generator in p50 ${fixed(figures.solveMs.p50)} ms, p99 ${fixed(figures.solveMs.p99)} ms`,
      `- queue steps, p99: challenge ${fixed(step(room, 'queue challenge')?.p99 ?? 0)} ms, join ${fixed(step(room, 'queue join')?.p99 ?? 0)} ms${step(room, 'queue poll') ? `, poll ${fixed(step(room, 'queue poll')!.p99)} ms (${step(room, 'queue poll')!.count} polls after a stream gave out)` : ', no polls (every place followed on its stream)'}`,
    );
  }
  lines.push('');
  return lines;
}

/** The charts of one scenario: throughput, latency and CPU over time. */
export function scenarioCharts(scenario: ScenarioReport): Record<string, string> {
  const counts = (name: string): Series => ({
    name: `${name}/s`,
    points: scenario.timeline.map((sample) => [sample.second, sample.counts[name] ?? 0]),
  });
  const latency = (step: string, which: 'p50' | 'p99'): Series => ({
    name: `${step} ${which}`,
    points: scenario.timeline.flatMap((sample) =>
      sample.latency[step] ? [[sample.second, sample.latency[step]![which]] as [number, number]] : [],
    ),
  });
  const throughput = scenario.sale
    ? [counts('purchases'), counts('holds'), counts('tickets'), counts('hold conflicts')]
    : [];
  if (scenario.browse) throughput.push(counts('reads'));
  if (scenario.openLoop) throughput.push(counts('arrivals'), counts('purchases'), counts('dropped'));
  if (scenario.waitingRoom) throughput.push(counts('joins'), counts('admitted'));
  const latencySteps = scenario.sale || scenario.openLoop ? ['hold', 'order'] : ['events list', 'seat map'];
  return {
    [`${scenario.name}-throughput.svg`]: lineChart({
      title: `${scenario.name}: throughput per second`,
      xLabel: 'seconds since start',
      yLabel: 'per second',
      series: throughput,
    }),
    [`${scenario.name}-latency.svg`]: lineChart({
      title: `${scenario.name}: latency per second (p50 and p99)`,
      xLabel: 'seconds since start',
      yLabel: 'ms',
      series: latencySteps.flatMap((step) => [latency(step, 'p50'), latency(step, 'p99')]),
    }),
    [`${scenario.name}-cpu.svg`]: lineChart({
      title: `${scenario.name}: CPU (% of one core)`,
      xLabel: 'seconds since start',
      yLabel: '% CPU',
      series: Object.entries(scenario.cpuTimeline).map(([name, points]) => ({
        name,
        points: points.map((point) => [point.second, point.cpuPercent] as [number, number]),
      })),
    }),
  };
}

export async function writeReport(dir: string, report: BenchReport): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(dir, 'report.md'), renderMarkdown(report));
  for (const scenario of report.scenarios)
    for (const [name, svg] of Object.entries(scenarioCharts(scenario))) await writeFile(join(dir, name), svg);
}

/** The lines printed at the end of a run. */
export function summaryLines(report: BenchReport, dir: string): string[] {
  const lines = [''];
  if (report.durability) lines.push(`PostgreSQL durability: ${durabilityLine(report.durability)}`);
  for (const scenario of report.scenarios) {
    if (scenario.sale) {
      const sale = scenario.sale;
      const hold = scenario.latency.hold;
      const order = scenario.latency.order;
      lines.push(
        `${scenario.name}: ${sale.ticketsSold}/${sale.capacity} tickets in ${fixed(sale.secondsToSellOut)} s${sale.soldOut ? ' (sold out)' : ' (NOT sold out)'}; ${fixed(sale.purchasesPerSecond)} purchases/s, ${fixed(sale.holdsPerSecond)} holds/s; hold p50/p99 ${fixed(hold?.p50 ?? 0)}/${fixed(hold?.p99 ?? 0)} ms, order p50/p99 ${fixed(order?.p50 ?? 0)}/${fixed(order?.p99 ?? 0)} ms`,
      );
    }
    if (scenario.cpuMsPerPurchase)
      lines.push(
        `${scenario.name}: CPU per purchase ${Object.entries(scenario.cpuMsPerPurchase)
          .map(([name, ms]) => `${name} ${fixed(ms)} ms`)
          .join(', ')}`,
      );
    if (scenario.openLoop) lines.push(openLoopLine(scenario));
    if (scenario.statements) lines.push(`${scenario.name}: ${statementLine(scenario.statements)}`);
    if (scenario.browse)
      lines.push(
        `${scenario.name}: ${fixed(scenario.browse.readsPerSecond)} reads/s, ${scenario.browse.failures} failed`,
      );
    if (scenario.outbox) lines.push(`${scenario.name}: events ${outboxLine(scenario.outbox)}`);
  }
  if (report.sizing)
    lines.push(
      `sizing (${report.sizing.scenario}): cores per 1,000 purchases/s ${report.sizing.rows
        .map((row) => `${row.component} ${fixed(row.coresPer1000PerSecond, 2)}`)
        .join(', ')}`,
    );
  if (report.waitingRoom) {
    const room = report.scenarios.find((scenario) => scenario.name === 'crowd-room')?.waitingRoom;
    lines.push(
      `waiting room (${report.waitingRoom.buyers} buyers, ${report.waitingRoom.tickets} tickets): hold p99 ${fixed(report.waitingRoom.holdP99PlainMs)} ms plain vs ${fixed(report.waitingRoom.holdP99RoomMs)} ms with the room (ratio ${fixed(report.waitingRoom.holdP99RoomOverPlain, 2)}); admission ${fixed(room?.measuredPerMinute ?? 0)}/min measured vs ${room?.configuredPerMinute ?? 0}/min configured (ratio ${fixed(report.waitingRoom.admissionMeasuredOverConfigured, 3)}); time in line p50/p99 ${fixed(room?.wait.p50 ?? 0)}/${fixed(room?.wait.p99 ?? 0)} s`,
    );
  }
  if (!('skipped' in report.pgbench)) {
    lines.push(`pgbench (database alone): ${fixed(report.pgbench.purchasesPerSecond)} purchases/s`);
    for (const [name, ratio] of Object.entries(report.ratios))
      lines.push(`${name} / pgbench: ${percent(ratio)}`);
    if (report.pgbench.postgresCpuMsPerPurchase !== undefined)
      lines.push(
        `PostgreSQL CPU per purchase under pgbench: ${fixed(report.pgbench.postgresCpuMsPerPurchase)} ms`,
      );
  } else lines.push(`pgbench: skipped (${report.pgbench.skipped})`);
  if (report.scale && !('skipped' in report.scale)) {
    const { small, large } = report.scale;
    lines.push(
      `scale: seat hold p50 ${fixed(small.seatHold.p50)} ms at ${small.tickets.toLocaleString('en')} tickets vs ${fixed(large.seatHold.p50)} ms at ${large.tickets.toLocaleString('en')}; GA hold p50 ${fixed(small.generalAdmissionHold.p50)} vs ${fixed(large.generalAdmissionHold.p50)} ms; large inventory created in ${fixed(large.publishSeconds, 1)} s`,
    );
  }
  lines.push(
    report.invariants
      ? `invariants: ${report.invariants.ok ? 'all hold' : 'VIOLATED'}`
      : 'invariants: not checked',
  );
  for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  lines.push(
    `${report.ok ? 'PASS' : 'FAIL'}${report.failures.length ? `: ${report.failures.join('; ')}` : ''}`,
  );
  lines.push(`report: ${join(dir, 'report.md')}`);
  return lines;
}
