// The pure parts behind the open loop, the statement counts, the durability line and the sizing
// table: the Poisson schedule, rates as given, the answers sorted by what they say about
// overload, pgbench's own statement count, and how the report shows them. No server needed.
import { describe, expect, it } from 'vitest';
import { durabilityLine, isDurable } from '../durability.js';
import { summarizeLatencies } from '../metrics.js';
import {
  buyersNeeded,
  NO_OVERLOAD_ANSWERS,
  openLoopInventory,
  parseRates,
  poissonSchedule,
  resolveRate,
  tallyAnswer,
} from '../open-loop.js';
import { GENERAL_ADMISSION_SCRIPT, SEATS_SCRIPT, scriptCounts } from '../pgbench.js';
import {
  type BenchReport,
  openLoopLine,
  openLoopSection,
  renderMarkdown,
  type ScenarioReport,
  sizingSection,
  statementLine,
  statementTable,
  summaryLines,
} from '../report.js';
import { sizingMarkdown, sizingTable } from '../sizing.js';
import { perPurchase, statementText } from '../statements.js';

/** A seeded generator (mulberry32), so a schedule is the same on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('the Poisson arrival schedule', () => {
  it('brings about rate × seconds buyers, in order, inside the window', () => {
    const arrivals = poissonSchedule(50, 200, seeded(1));
    // 10,000 expected; a Poisson count's standard deviation is √10,000 = 100.
    expect(arrivals.length).toBeGreaterThan(10_000 - 400);
    expect(arrivals.length).toBeLessThan(10_000 + 400);
    expect(arrivals.every((at, index) => index === 0 || at >= arrivals[index - 1]!)).toBe(true);
    expect(arrivals[0]).toBeGreaterThanOrEqual(0);
    expect(arrivals.at(-1)).toBeLessThan(200_000);
  });

  it('spaces them by exponential gaps: mean 1/rate, and as many short gaps as the law says', () => {
    const arrivals = poissonSchedule(20, 500, seeded(7));
    const gaps = arrivals.slice(1).map((at, index) => at - arrivals[index]!);
    const mean = gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length;
    expect(mean).toBeGreaterThan(50 * 0.95);
    expect(mean).toBeLessThan(50 * 1.05);
    // P(gap < mean) = 1 - 1/e ≈ 0.632 for an exponential; a fixed pace would give 0 or 1.
    const short = gaps.filter((gap) => gap < 50).length / gaps.length;
    expect(short).toBeGreaterThan(0.6);
    expect(short).toBeLessThan(0.66);
  });

  it('is empty when the window is too short for anyone to arrive', () => {
    expect(poissonSchedule(1, 0.001, () => 0.5)).toEqual([]);
  });
});

describe('rates as given to --rate', () => {
  it('are purchases per second or multiples of the measured peak, comma-separated', () => {
    expect(parseRates('0.5x,1.5x, 20')).toEqual([
      { label: '0.5x', peakMultiple: 0.5 },
      { label: '1.5x', peakMultiple: 1.5 },
      { label: '20/s', perSecond: 20 },
    ]);
    expect(() => parseRates('fast')).toThrow(/--rate takes/);
    expect(() => parseRates('0x')).toThrow(/--rate takes/);
  });

  it('resolve against the closed-loop peak, which a relative rate cannot do without', () => {
    expect(resolveRate({ label: '1.5x', peakMultiple: 1.5 }, 30)).toBe(45);
    expect(resolveRate({ label: '20/s', perSecond: 20 }, undefined)).toBe(20);
    expect(() => resolveRate({ label: '0.5x', peakMultiple: 0.5 }, undefined)).toThrow(/peak/);
  });

  it('get an inventory that outlasts the window and enough buyers for slow purchases', () => {
    const inventory = openLoopInventory(40, 30);
    // 1,200 arrivals of at most 4 tickets, 2.5 on average: half as much again to spare.
    expect(inventory.seats + inventory.generalAdmission).toBeGreaterThanOrEqual(1_200 * 2.5 * 1.5);
    expect(Math.abs(inventory.seats - inventory.generalAdmission)).toBeLessThanOrEqual(1);
    expect(buyersNeeded(40)).toBe(160);
  });
});

describe('answers sorted by what they say about overload', () => {
  it('tells shed load (with Retry-After) from late failures', () => {
    const tally = { ...NO_OVERLOAD_ANSWERS };
    tallyAnswer(tally, { status: 429, code: 'rate_limited', retryAfter: '1' });
    tallyAnswer(tally, { status: 503, code: 'overloaded', retryAfter: '2' });
    tallyAnswer(tally, { status: 503, code: 'database_unavailable', retryAfter: undefined });
    tallyAnswer(tally, { status: 500, code: 'internal', retryAfter: undefined });
    tallyAnswer(tally, { status: 0, code: 'UND_ERR_SOCKET', retryAfter: undefined });
    tallyAnswer(tally, { status: 409, code: 'seats_unavailable', retryAfter: undefined });
    expect(tally).toEqual({
      shedWithRetryAfter: 2,
      overloadWithoutRetryAfter: 1,
      serverErrors: 2,
      databaseUnavailable: 1,
      noAnswer: 1,
    });
  });
});

describe('statements per purchase', () => {
  it("counts pgbench's purchase from its scripts: 12 statements in 3 transactions", () => {
    expect(scriptCounts(SEATS_SCRIPT)).toEqual({ statements: 12, transactions: 3 });
    expect(scriptCounts(GENERAL_ADMISSION_SCRIPT)).toEqual({ statements: 12, transactions: 3 });
    expect(scriptCounts('\\set x 1\nSELECT 1;\nSELECT 2;\nBEGIN;\nSELECT\n  3;\nCOMMIT;\n')).toEqual({
      statements: 5,
      transactions: 3,
    });
  });

  it('divides by the purchases and lists the busiest statements first, text on one line', () => {
    const counts = perPurchase({ seconds: 40, purchases: 100, transactions: 2_000, statements: 9_500 }, [
      { query: 'COMMIT', calls: 1_200, totalMs: 12 },
      { query: 'SELECT *\n  FROM tickets.tickets\n  WHERE id = $1', calls: 3_000, totalMs: 600 },
      { query: 'BEGIN', calls: 1_200, totalMs: 10 },
    ]);
    expect(counts.statementsPerPurchase).toBe(95);
    expect(counts.transactionsPerPurchase).toBe(20);
    expect(counts.top.map((statement) => statement.query)).toEqual([
      'SELECT * FROM tickets.tickets WHERE id = $1',
      'COMMIT',
      'BEGIN',
    ]);
    expect(counts.top[0]).toMatchObject({ callsPerPurchase: 30, meanMs: 0.2 });
    expect(statementLine(counts)).toContain('95.0 SQL statements and 20.0 transactions per purchase');
    expect(statementTable(counts)[2]).toBe(
      '| `SELECT * FROM tickets.tickets WHERE id = $1` | 30.00 | 3000 | 0.200 | 600 |',
    );
  });

  it('says so when statements could not be counted', () => {
    const counts = perPurchase(
      {
        seconds: 40,
        purchases: 10,
        transactions: 200,
        unavailable: 'pg_stat_statements is not in shared_preload_libraries',
      },
      [],
    );
    expect(counts.statementsPerPurchase).toBeUndefined();
    expect(statementLine(counts)).toContain('statements not counted (pg_stat_statements is not in');
    expect(statementTable(counts)).toEqual([]);
  });

  it('cuts a long statement for a table cell', () => {
    expect(statementText('x'.repeat(300), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});

describe('durability of the measured server', () => {
  it("is PostgreSQL's defaults; any of the three off is not durable", () => {
    expect(isDurable('on', 'on', 'on')).toBe(true);
    expect(isDurable('on', 'local', 'on')).toBe(true);
    expect(isDurable('off', 'on', 'on')).toBe(false);
    expect(isDurable('on', 'off', 'on')).toBe(false);
    expect(isDurable('on', 'on', 'off')).toBe(false);
    expect(
      durabilityLine({ fsync: 'off', synchronousCommit: 'off', fullPageWrites: 'off', durable: false }),
    ).toContain('NOT durable');
  });
});

describe('the sizing table', () => {
  const cpu = {
    'platform (node)': 100,
    'service gateway': 30,
    'service ticket': 40,
    'service order': 20,
    postgresql: 25,
    redis: 1,
    kafka: 4,
    'load generator': 9,
  };

  it('gives each service and server its cores per 1,000 purchases/s (= CPU ms per purchase), and the total', () => {
    const rows = sizingTable(cpu, { ticket: 2, order: 2, gateway: 1 }, 0.5);
    expect(rows.map((row) => row.component)).toEqual([
      'ticket',
      'gateway',
      'order',
      'postgresql',
      'redis',
      'kafka',
      'total',
    ]);
    expect(rows[0]).toEqual({
      component: 'ticket',
      instances: 2,
      cpuMsPerPurchase: 40,
      coresPer1000PerSecond: 40,
      coresAtTarget: 80,
    });
    // The platform's sum and the load generator are not components to deploy.
    expect(rows.at(-1)?.cpuMsPerPurchase).toBe(120);
  });

  it('is empty without per-service figures (embedded and stack modes)', () => {
    expect(sizingTable({ 'platform (node)': 60, 'load generator': 9 }, {})).toEqual([]);
  });

  it('prints as the Markdown table deploy/README.md shows', () => {
    const lines = sizingMarkdown({
      scenario: 'onsale',
      purchasesPerSecond: 10,
      targetUtilisation: 0.7,
      rows: sizingTable({ 'service ticket': 14, postgresql: 7 }, { ticket: 2 }),
    });
    expect(lines[0]).toContain('cores to request per 1,000 purchases/s at 70 % use');
    expect(lines[2]).toBe('| ticket | 2 | 14.0 | 14.00 | 20.00 |');
    expect(lines[4]).toBe('| **total** |  | 21.0 | 21.00 | 30.00 |');
  });
});

describe('the report of an open-loop run in distributed mode', () => {
  const phase = (label: string, offered: number, achieved: number, extra: Partial<ScenarioReport> = {}) =>
    ({
      name: `open-loop-${label}`,
      seconds: 31,
      openLoop: {
        label,
        offeredPerSecond: offered,
        seconds: 30,
        arrivals: offered * 30,
        dropped: 0,
        purchases: achieved * 30,
        ticketsSold: achieved * 75,
        achievedPerSecond: achieved,
        holdConflicts: 0,
        ordersFailed: 0,
        answers: { ...NO_OVERLOAD_ANSWERS, shedWithRetryAfter: label === '1.5x' ? 40 : 0 },
        drainSeconds: 0.4,
        unfinished: 0,
        buyers: 120,
        peakPerSecond: 20,
        offeredOverPeak: offered / 20,
        achievedOverPeak: achieved / 20,
      },
      latency: { hold: summarizeLatencies([10, 20, 40]), order: summarizeLatencies([100, 200, 250]) },
      errors: [],
      usage: {},
      cpuMsPerPurchase: { 'service ticket': 10, 'service gateway': 5, postgresql: 6 },
      timeline: [],
      cpuTimeline: {},
      ...extra,
    }) satisfies ScenarioReport;

  const report: BenchReport = {
    ok: true,
    startedAt: '2026-12-07T00:00:00.000Z',
    finishedAt: '2026-12-07T00:05:00.000Z',
    command: 'npm run bench -- --mode distributed --rate 0.5x,1.5x',
    settings: { mode: 'distributed', seats: 10, generalAdmission: 10, buyers: 2, scenarios: ['onsale'] },
    machine: { cpuModel: 'test CPU', cores: 2, memoryGb: 4, os: 'Linux', loadAverage: [3, 2, 1] },
    versions: { node: 'v20' },
    durability: { fsync: 'on', synchronousCommit: 'on', fullPageWrites: 'on', durable: true },
    setup: {},
    scenarios: [phase('0.5x', 10, 9.9), phase('1.5x', 30, 19)],
    pgbench: { skipped: '--no-pgbench' },
    ratios: {},
    scale: { skipped: '--no-scale' },
    invariants: { ok: true, checkedAt: '2026-12-07T00:05:00.000Z', checks: [] },
    sizing: {
      scenario: 'onsale',
      purchasesPerSecond: 20,
      targetUtilisation: 0.7,
      rows: sizingTable({ 'service ticket': 10, postgresql: 6 }, { ticket: 2 }),
    },
    failures: [],
    warnings: [],
  };

  it('puts the rates side by side with their ratios to the peak and the overload answers', () => {
    const section = openLoopSection(report).join('\n');
    expect(section).toContain('| figure | 0.5x | 1.5x |');
    expect(section).toContain('| offered purchases/s | 10.0 (0.50 × peak) | 30.0 (1.50 × peak) |');
    expect(section).toContain('| achieved purchases/s | **9.9** (0.49 × peak) | **19.0** (0.95 × peak) |');
    expect(section).toContain('| 429/503 with Retry-After (shed) | 0 | 40 |');
    expect(section).toContain('| CPU per purchase: platform · PostgreSQL ms | 15.0 · 6.0 | 15.0 · 6.0 |');
    expect(openLoopLine(report.scenarios[1]!)).toContain(
      'offered 30.0/s (1.50 × peak), achieved 19.0 purchases/s (0.95 × peak)',
    );
  });

  it('states the durability, the sizing and the open loop in the Markdown and the summary', () => {
    const markdown = renderMarkdown(report);
    expect(markdown).toContain(
      "PostgreSQL durability (SHOW on the measured server): fsync on, synchronous_commit on, full_page_writes on (durable: PostgreSQL's defaults).",
    );
    expect(markdown).toContain('## Sizing: cores per 1,000 purchases/s');
    expect(markdown).toContain('## Open loop: latency under steady load');
    expect(sizingSection(report).join('\n')).toContain('| ticket | 2 | 10.0 | 10.00 | 14.29 |');
    const summary = summaryLines(report, '/tmp/x').join('\n');
    expect(summary).toContain('PostgreSQL durability: fsync on');
    expect(summary).toContain(
      'sizing (onsale): cores per 1,000 purchases/s ticket 10.00, postgresql 6.00, total 16.00',
    );
    expect(summary).toContain('open-loop-1.5x: offered 30.0/s');
  });
});
