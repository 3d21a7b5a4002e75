// The benchmark's own arithmetic and output: percentiles, the seat picture buyers choose from,
// SVG charts, the profile summary and the Markdown report. Pure functions: no server needed.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { paceWhileBackedUp } from '../crowd.js';
import { RunRecorder, summarizeLatencies } from '../metrics.js';
import { ProcessSampler, processTree } from '../process-usage.js';
import { placeOf, summarizeProfile } from '../profile.js';
import { type BenchReport, renderMarkdown, summaryLines, writeReport } from '../report.js';
import { ticketsWanted } from '../scenarios.js';
import { lineChart, niceTicks } from '../svg.js';
import { eventBody, planSections, SeatBoard, type SeatMapAnswer } from '../venue.js';

describe('latency percentiles', () => {
  it('match the exact percentiles of 1..1000 ms within HdrHistogram precision', () => {
    const values = Array.from({ length: 1000 }, (_, index) => index + 1);
    const summary = summarizeLatencies(values);
    expect(summary.count).toBe(1000);
    expect(summary.p50).toBeCloseTo(500, -0.5);
    expect(summary.p95).toBeCloseTo(950, -0.5);
    expect(summary.p99).toBeCloseTo(990, -0.5);
    expect(summary.max).toBeCloseTo(1000, -0.5);
    expect(summary.mean).toBeCloseTo(500.5, -0.5);
  });

  it('keep sub-millisecond latencies', () => {
    expect(summarizeLatencies([0.25, 0.25, 0.25]).p50).toBeCloseTo(0.25, 2);
  });

  it('are all zero when nothing was measured', () => {
    expect(summarizeLatencies([])).toEqual({ count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 });
  });

  it('are recorded per step, with errors counted by step, status and code', () => {
    const recorder = new RunRecorder();
    recorder.latency('hold', 10);
    recorder.latency('hold', 30);
    recorder.count('holds', 2);
    recorder.error('hold', 409, 'seats_unavailable');
    recorder.error('hold', 409, 'seats_unavailable');
    recorder.error('order', 503, 'payment_unavailable');
    expect(recorder.latencies().hold?.count).toBe(2);
    expect(recorder.total('holds')).toBe(2);
    expect(recorder.errors()).toEqual([
      { step: 'hold', status: 409, code: 'seats_unavailable', count: 2 },
      { step: 'order', status: 503, code: 'payment_unavailable', count: 1 },
    ]);
    expect(recorder.timeline()[0]?.latency.hold?.count).toBe(2);
    recorder.close();
  });
});

describe('the seat picture buyers choose from', () => {
  const map = (rows: string[][]): SeatMapAnswer => ({
    sections: [
      {
        name: 'Front',
        rows: rows.map((statuses, row) => ({
          name: String(row),
          seats: statuses.map((status, seat) => ({
            id: `s${row}-${seat}`,
            number: String(seat + 1),
            status,
          })),
        })),
      },
    ],
    ticketTypes: [],
  });

  it('picks only adjacent free seats of one row', () => {
    const board = new SeatBoard(map([['AVAILABLE', 'SOLD', 'AVAILABLE', 'AVAILABLE', 'AVAILABLE']]));
    expect(board.pickBlock(3)).toEqual(['s0-2', 's0-3', 's0-4']);
    expect(board.pickBlock(4)).toBeUndefined();
  });

  it('forgets seats others took and frees seats given back', () => {
    const board = new SeatBoard(map([['AVAILABLE', 'AVAILABLE']]));
    board.markTaken(['s0-0']);
    expect(board.freeSeats()).toBe(1);
    expect(board.pickBlock(2)).toBeUndefined();
    board.markFree(['s0-0']);
    expect(board.pickBlock(2)).toEqual(['s0-0', 's0-1']);
  });

  it('favours the best section', () => {
    const board = new SeatBoard({
      sections: ['Front', 'Back'].map((name) => ({
        name,
        rows: [{ name: 'A', seats: [{ id: `${name}-1`, number: '1', status: 'AVAILABLE' }] }],
      })),
      ticketTypes: [],
    });
    const picks = Array.from({ length: 300 }, () => board.pickBlock(1)?.[0]);
    const front = picks.filter((id) => id === 'Front-1').length;
    expect(front).toBeGreaterThan(150); // weights 2:1 for two sections
  });

  it('plans sections adding up to about the seats asked for', () => {
    const sections = planSections(10_000);
    expect(sections.reduce((sum, section) => sum + section.rows * section.seatsPerRow, 0)).toBe(10_000);
    const body = eventBody('t', 1_000, 500);
    expect(body.ticketTypes).toEqual([{ name: 'Standing', price: 3_000, quantity: 500 }]);
  });

  it('buyers want one to four tickets', () => {
    const draws = Array.from({ length: 200 }, (_, index) => ticketsWanted(() => index / 200));
    expect(new Set(draws)).toEqual(new Set([1, 2, 3, 4]));
  });
});

describe('charts', () => {
  it('choose round axis steps', () => {
    expect(niceTicks(9)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });

  it('draw a polyline per series with a legend, as standalone SVG', () => {
    const svg = lineChart({
      title: 'purchases <per> second',
      xLabel: 's',
      yLabel: '/s',
      series: [
        {
          name: 'purchases/s',
          points: [
            [0, 1],
            [1, 3],
            [2, 2],
          ],
        },
        { name: 'holds/s', points: [] },
      ],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(1);
    expect(svg).toContain('purchases &#60;per&#62; second');
    expect(svg).toContain('holds/s');
  });
});

describe('the CPU profile summary', () => {
  it('adds self time up per package and function, idle apart', () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
    const summary = summarizeProfile({
      nodes: [
        { id: 1, callFrame: frame('(idle)', '') },
        { id: 2, callFrame: frame('filterSumPaeth', 'file:///x/node_modules/pngjs/lib/filter-pack.js') },
        { id: 3, callFrame: frame('holdTickets', 'file:///x/services/ticket/src/holds.ts') },
      ],
      startTime: 0,
      endTime: 4000,
      samples: [1, 2, 2, 3],
      timeDeltas: [1000, 1000, 1000, 1000],
    });
    expect(summary.idlePercent).toBe(25);
    expect(summary.places[0]).toEqual({ name: 'pngjs', ms: 2, percent: 66.7 });
    expect(summary.places[1]?.name).toBe('services/ticket');
    expect(placeOf('file:///x/node_modules/@node-rs/argon2/index.js')).toBe('@node-rs/argon2');
  });
});

describe('the report', () => {
  const report: BenchReport = {
    ok: true,
    startedAt: '2026-11-26T00:00:00.000Z',
    finishedAt: '2026-11-26T00:01:00.000Z',
    command: 'npm run bench -- --quick',
    settings: { mode: 'embedded', seats: 10, generalAdmission: 10, buyers: 2, scenarios: ['onsale'] },
    machine: { cpuModel: 'test CPU', cores: 2, memoryGb: 4, os: 'Linux', loadAverage: [1, 1, 1] },
    versions: { node: 'v20' },
    setup: {},
    scenarios: [
      {
        name: 'onsale',
        seconds: 2,
        sale: {
          soldOut: true,
          secondsToSellOut: 2,
          purchases: 8,
          ticketsSold: 20,
          seatTicketsSold: 10,
          gaTicketsSold: 10,
          holds: 8,
          holdAttempts: 9,
          holdConflicts: 1,
          ordersFailed: 0,
          buyersAtLimit: 0,
          capacity: 20,
          purchasesPerSecond: 4,
          ticketsPerSecond: 10,
          holdsPerSecond: 4,
        },
        latency: { hold: summarizeLatencies([5, 6, 7]) },
        errors: [{ step: 'hold', status: 409, code: 'seats_unavailable', count: 1 }],
        usage: {
          'platform (node)': {
            cpuAveragePercent: 50,
            cpuPeakPercent: 90,
            rssAverageMb: 200,
            rssPeakMb: 250,
            cpuSeconds: 1,
            cpuWaitPercent: 20,
          },
        },
        timeline: [{ second: 0, counts: { purchases: 4 }, latency: { hold: { p50: 5, p99: 7, count: 3 } } }],
        cpuTimeline: { 'platform (node)': [{ second: 1, cpuPercent: 50, rssMb: 200 }] },
      },
    ],
    pgbench: {
      version: 'pgbench (PostgreSQL) 15',
      clients: 8,
      threads: 2,
      purchases: 1000,
      purchasesPerSecond: 400,
      latencyAverageMs: 20,
      statementsPerPurchase: 12,
      transactionsPerPurchase: 3,
      failed: 0,
      seconds: 2.5,
      command: 'pgbench …',
      output: '',
    },
    ratios: { 'onsale purchases/s': 0.01 },
    scale: { skipped: '--no-scale' },
    invariants: { ok: true, checkedAt: '2026-11-26T00:01:00.000Z', checks: [] },
    failures: [],
    warnings: [],
  };

  it('states the sale, the ratio to pgbench and the invariants in Markdown', () => {
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('Result: **PASS**');
    expect(markdown).toContain('| purchases/s | 4.0 |');
    expect(markdown).toContain('the platform sells at **1.0 %** of the database');
    expect(markdown).toContain('| hold | 409 | seats_unavailable | 1 |');
    expect(markdown).toContain('All invariants hold.');
    expect(summaryLines(report, '/tmp/x').join('\n')).toContain('onsale purchases/s / pgbench: 1.0 %');
  });

  it('puts the crowd without and with the waiting room side by side', () => {
    const [onsale] = report.scenarios;
    const crowd = (name: 'crowd-plain' | 'crowd-room', holdMs: number[]) => ({
      ...onsale!,
      name,
      latency: { hold: summarizeLatencies(holdMs) },
    });
    const withRoom: BenchReport = {
      ...report,
      scenarios: [
        crowd('crowd-plain', [100, 400, 900]),
        {
          ...crowd('crowd-room', [50, 60, 90]),
          waitingRoom: {
            configuredPerMinute: 600,
            measuredPerMinute: 594,
            joined: 150,
            admitted: 150,
            wait: summarizeLatencies([1, 5, 9]),
            difficulty: { min: 12, max: 13 },
            solveMs: summarizeLatencies([4, 8]),
          },
        },
      ],
      waitingRoom: {
        buyers: 150,
        tickets: 15,
        onSaleAfterSeconds: 8,
        holdP99PlainMs: 900,
        holdP99RoomMs: 90,
        holdP99RoomOverPlain: 0.1,
        admissionMeasuredOverConfigured: 0.99,
      },
    };
    const markdown = renderMarkdown(withRoom);
    expect(markdown).toContain('## The waiting room: the same crowd without and with it');
    expect(markdown).toContain('hold p99 with the room / without: **0.10**');
    expect(markdown).toContain('**594.0/min measured** against 600/min configured (ratio **0.990**)');
    expect(markdown).toContain('no polls (every place followed on its stream)');
    expect(summaryLines(withRoom, '/tmp/x').join('\n')).toContain(
      'hold p99 900.0 ms plain vs 90.0 ms with the room',
    );
  });

  it('writes JSON, Markdown and three charts per scenario', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-report-'));
    try {
      await writeReport(dir, report);
      expect((await readdir(dir)).sort()).toEqual([
        'onsale-cpu.svg',
        'onsale-latency.svg',
        'onsale-throughput.svg',
        'report.json',
        'report.md',
      ]);
      const json = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'));
      expect(json.scenarios[0].sale.purchasesPerSecond).toBe(4);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("the waiting room's measured pace", () => {
  it('is the admissions per minute over the steps that left somebody waiting', () => {
    // 100 places joined at once, admitted ten a second from the first second on.
    const places = Array.from({ length: 100 }, (_, index) => ({
      joinedAt: 0,
      admittedAt: (Math.floor(index / 10) + 1) * 1000,
    }));
    expect(paceWhileBackedUp(places)).toBeCloseTo(600, 6);
  });

  it('is not measurable when the crowd joins slower than the room admits', () => {
    const places = Array.from({ length: 20 }, (_, index) => ({
      joinedAt: index * 1000,
      admittedAt: index * 1000 + 500,
    }));
    expect(paceWhileBackedUp(places)).toBeNaN();
  });
});

describe('process usage from /proc', () => {
  it.skipIf(process.platform !== 'linux')('counts the CPU a process burns', async () => {
    const sampler = new ProcessSampler([{ name: 'me', pids: () => processTree(process.pid) }]);
    sampler.start(50);
    // Burn CPU in slices, letting the sampler's timer in between (a loop that never yields
    // leaves it one sample, however long it runs), until it has a few samples.
    const deadline = Date.now() + 10_000;
    while ((sampler.cpuTimeline().me?.length ?? 0) < 4 && Date.now() < deadline) {
      const slice = Date.now() + 20;
      while (Date.now() < slice) Math.sqrt(Math.random());
      await new Promise((done) => setTimeout(done, 5));
    }
    sampler.stop();
    const me = sampler.summary().me!;
    expect(me.cpuSeconds).toBeGreaterThan(0.05);
    expect(me.rssPeakMb).toBeGreaterThan(10);
    expect(sampler.cpuTimeline().me?.length).toBeGreaterThan(2);
  });
});
