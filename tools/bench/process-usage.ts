// CPU and memory of the processes under test, read from /proc once a second (Linux): the
// platform's Node process, the PostgreSQL server with its backends, and the load generator.
import { readdirSync, readFileSync } from 'node:fs';

/** Kernel clock ticks per second (USER_HZ): 100 on every mainstream Linux. */
const TICKS_PER_SECOND = 100;
const PAGE_BYTES = 4096;

interface ProcSample {
  ppid: number;
  cpuTicks: number;
  /** CPU of its children that have exited (and been waited for). */
  reapedChildrenTicks: number;
  /** Nanoseconds its main thread was ready to run but waited for a CPU (schedstat). */
  runQueueNs: number;
}

function readRunQueueNs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) || 0;
  } catch {
    return 0;
  }
}

function readProc(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      ppid: Number(fields[1]),
      cpuTicks: Number(fields[11]) + Number(fields[12]),
      reapedChildrenTicks: Number(fields[13]) + Number(fields[14]),
      runQueueNs: readRunQueueNs(pid),
    };
  } catch {
    return undefined; // gone meanwhile
  }
}

/**
 * Memory of a process: its proportional set size (shared pages divided among the processes
 * sharing them, so PostgreSQL's shared buffers count once over all backends), else its RSS.
 */
function memoryOf(pid: number): number {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const pss = /^Pss:\s+(\d+) kB/m.exec(rollup);
    if (pss) return Number(pss[1]) * 1024;
  } catch {
    // not readable: fall back to the resident set
  }
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE_BYTES;
  } catch {
    return 0;
  }
}

/** The pid and every descendant of it. */
export function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [rootPid];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const sample = readProc(Number(entry));
    if (!sample) continue;
    const list = children.get(sample.ppid);
    if (list) list.push(Number(entry));
    else children.set(sample.ppid, [Number(entry)]);
  }
  const tree: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

export interface UsageSummary {
  /** Average and peak CPU over the sampled span, in % of one core (200 % = both of two cores). */
  cpuAveragePercent: number;
  cpuPeakPercent: number;
  /** Memory (proportional set size, or resident set where that is not readable), MB. */
  rssAverageMb: number;
  rssPeakMb: number;
  /** CPU seconds used during the span. */
  cpuSeconds: number;
  /**
   * Time the processes were ready to run but waited for a CPU, in % of the span (summed over
   * processes, like CPU %): how much other work on the machine slowed this one down.
   */
  cpuWaitPercent: number;
}

export interface UsageGroup {
  name: string;
  /** The processes of the group right now (re-read every sample: PostgreSQL forks backends). */
  pids: () => number[];
  /**
   * A process whose exited children belong to the group: PostgreSQL's postmaster, so that a
   * backend that lived between two samples (a pgbench connection) still counts.
   */
  parent?: number;
}

export class ProcessSampler {
  private timer: NodeJS.Timeout | undefined;
  private readonly series = new Map<
    string,
    { at: number; cpuTicks: number; rssBytes: number; runQueueNs: number }[]
  >();
  readonly available: boolean;

  constructor(private readonly groups: UsageGroup[]) {
    this.available = readProc(process.pid) !== undefined;
  }

  private sample(): void {
    const at = performance.now();
    for (const group of this.groups) {
      let cpuTicks = 0;
      let rssBytes = 0;
      let runQueueNs = 0;
      for (const pid of group.pids()) {
        const sample = readProc(pid);
        if (!sample) continue;
        cpuTicks += sample.cpuTicks;
        if (pid === group.parent) cpuTicks += sample.reapedChildrenTicks;
        rssBytes += memoryOf(pid);
        runQueueNs += sample.runQueueNs;
      }
      const list = this.series.get(group.name) ?? [];
      list.push({ at, cpuTicks, rssBytes, runQueueNs });
      this.series.set(group.name, list);
    }
  }

  start(intervalMs = 1000): void {
    if (!this.available) return;
    this.series.clear();
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.available) this.sample();
  }

  /** CPU % per group per sampling interval, for the charts. */
  cpuTimeline(): Record<string, { second: number; cpuPercent: number; rssMb: number }[]> {
    const out: Record<string, { second: number; cpuPercent: number; rssMb: number }[]> = {};
    for (const [name, list] of this.series) {
      const first = list[0]?.at ?? 0;
      out[name] = list.slice(1).map((point, index) => {
        const previous = list[index]!;
        const seconds = (point.at - previous.at) / 1000;
        const cpu = (point.cpuTicks - previous.cpuTicks) / TICKS_PER_SECOND / Math.max(seconds, 0.001);
        return {
          second: Math.round((point.at - first) / 100) / 10,
          cpuPercent: Math.round(cpu * 1000) / 10,
          rssMb: Math.round(point.rssBytes / 1e5) / 10,
        };
      });
    }
    return out;
  }

  summary(): Record<string, UsageSummary> {
    const out: Record<string, UsageSummary> = {};
    for (const [name, list] of this.series) {
      const first = list[0];
      const last = list.at(-1);
      if (!first || !last || last.at === first.at) continue;
      const points = this.cpuTimeline()[name] ?? [];
      const cpuSeconds = (last.cpuTicks - first.cpuTicks) / TICKS_PER_SECOND;
      const round = (value: number) => Math.round(value * 10) / 10;
      out[name] = {
        cpuAveragePercent: round((cpuSeconds / ((last.at - first.at) / 1000)) * 100),
        cpuPeakPercent: round(Math.max(0, ...points.map((point) => point.cpuPercent))),
        rssAverageMb: round(list.reduce((sum, point) => sum + point.rssBytes, 0) / list.length / 1e6),
        rssPeakMb: round(Math.max(...list.map((point) => point.rssBytes)) / 1e6),
        cpuSeconds: round(cpuSeconds),
        // Processes that exited in between take their wait along: never below zero.
        cpuWaitPercent: round(
          Math.max(0, (last.runQueueNs - first.runQueueNs) / 1e7 / ((last.at - first.at) / 1000)),
        ),
      };
    }
    return out;
  }
}

/** The PostgreSQL server's main process: the first line of postmaster.pid in its data directory. */
export function postmasterPid(dataDirectory: string): number | undefined {
  try {
    const pid = Number(readFileSync(`${dataDirectory}/postmaster.pid`, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
