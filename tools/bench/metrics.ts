// What a run records: latency per step (HdrHistogram, microsecond resolution), counts per
// second for the throughput charts, and answers that were not successes, by kind.
import * as hdr from 'hdr-histogram-js';

export interface LatencySummary {
  count: number;
  /** Milliseconds. */
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

const newHistogram = () =>
  hdr.build({
    bitBucketSize: 64,
    // 1 µs to 10 minutes, 3 significant digits: 0.1 % error at every scale.
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });

/** Percentiles of a set of latencies given in milliseconds. */
export function summarizeLatencies(values: readonly number[]): LatencySummary {
  const histogram = newHistogram();
  for (const value of values) histogram.recordValue(Math.max(1, Math.round(value * 1000)));
  return summaryOf(histogram);
}

function summaryOf(histogram: hdr.Histogram): LatencySummary {
  const ms = (micros: number) => Math.round(micros) / 1000;
  if (histogram.totalCount === 0) return { count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  return {
    count: histogram.totalCount,
    mean: ms(histogram.mean),
    p50: ms(histogram.getValueAtPercentile(50)),
    p95: ms(histogram.getValueAtPercentile(95)),
    p99: ms(histogram.getValueAtPercentile(99)),
    max: ms(histogram.maxValue),
  };
}

/** One point of a time series: the second since the start and what happened during it. */
export interface SecondSample {
  second: number;
  counts: Record<string, number>;
  /** Per step: p50 and p99 of the latencies completed in that second (ms). */
  latency: Record<string, { p50: number; p99: number; count: number }>;
}

export class RunRecorder {
  readonly startedAt = performance.now();
  private readonly histograms = new Map<string, hdr.Histogram>();
  private readonly perSecond: { counts: Map<string, number>; latencies: Map<string, number[]> }[] = [];
  private readonly errorCounts = new Map<
    string,
    { step: string; status: number; code: string; count: number }
  >();

  private bucket(at = performance.now()) {
    const second = Math.max(0, Math.floor((at - this.startedAt) / 1000));
    while (this.perSecond.length <= second) this.perSecond.push({ counts: new Map(), latencies: new Map() });
    return this.perSecond[second]!;
  }

  /** A completed step (successful or not) and how long it took. */
  latency(step: string, ms: number): void {
    let histogram = this.histograms.get(step);
    if (!histogram) {
      histogram = newHistogram();
      this.histograms.set(step, histogram);
    }
    histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
    const bucket = this.bucket();
    const list = bucket.latencies.get(step);
    if (list) list.push(ms);
    else bucket.latencies.set(step, [ms]);
  }

  count(name: string, by = 1): void {
    const bucket = this.bucket();
    bucket.counts.set(name, (bucket.counts.get(name) ?? 0) + by);
  }

  /** An answer that was not a success: counted by step, status and problem code. */
  error(step: string, status: number, code: string | undefined): void {
    const key = `${step} ${status} ${code ?? ''}`;
    const entry = this.errorCounts.get(key);
    if (entry) entry.count++;
    else this.errorCounts.set(key, { step, status, code: code ?? '', count: 1 });
  }

  total(name: string): number {
    return this.perSecond.reduce((sum, bucket) => sum + (bucket.counts.get(name) ?? 0), 0);
  }

  elapsedSeconds(): number {
    return (performance.now() - this.startedAt) / 1000;
  }

  latencies(): Record<string, LatencySummary> {
    return Object.fromEntries([...this.histograms].map(([step, histogram]) => [step, summaryOf(histogram)]));
  }

  errors(): { step: string; status: number; code: string; count: number }[] {
    return [...this.errorCounts.values()].sort((a, b) => b.count - a.count);
  }

  timeline(): SecondSample[] {
    return this.perSecond.map((bucket, second) => ({
      second,
      counts: Object.fromEntries(bucket.counts),
      latency: Object.fromEntries(
        [...bucket.latencies].map(([step, values]) => {
          const summary = summarizeLatencies(values);
          return [step, { p50: summary.p50, p99: summary.p99, count: summary.count }];
        }),
      ),
    }));
  }

  close(): void {
    for (const histogram of this.histograms.values()) histogram.destroy();
  }
}
