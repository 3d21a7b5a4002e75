// Sizing from a distributed run: the CPU each service (and PostgreSQL, Redis, Kafka) spent per
// purchase, turned into cores per 1,000 purchases/s, so an operator can size a deployment for
// a given on-sale. 1 ms of CPU per purchase at 1,000 purchases/s is 1,000 ms of CPU a second:
// one core. So cores per 1,000 purchases/s equal CPU ms per purchase; the table adds the
// headroom a deployment keeps (a target utilisation) and the cores for a chosen rate.

export interface SizingRow {
  /** A service (`gateway`, `ticket`, …) or `postgresql`, `redis`, `kafka`; `total` last. */
  component: string;
  /** Processes of it in the measured run (services only). */
  instances?: number;
  cpuMsPerPurchase: number;
  coresPer1000PerSecond: number;
  /** Cores to request per 1,000 purchases/s so that they run at the target utilisation. */
  coresAtTarget: number;
}

export interface Sizing {
  /** The scenario whose CPU per purchase the table comes from. */
  scenario: string;
  purchasesPerSecond: number;
  targetUtilisation: number;
  rows: SizingRow[];
}

/** Usage groups the distributed mode measures: `service <name>` per service, and the servers. */
export const SERVICE_GROUP_PREFIX = 'service ';
const SERVERS = ['postgresql', 'redis', 'kafka'];

/**
 * The sizing table of one scenario's CPU per purchase (by usage group): one row per service
 * group (`service ticket` → `ticket`), then the servers, then the total of them all; the
 * platform's sum and the load generator are left out.
 */
export function sizingTable(
  cpuMsPerPurchase: Record<string, number>,
  instances: Record<string, number>,
  targetUtilisation = 0.7,
): SizingRow[] {
  const row = (component: string, ms: number, count?: number): SizingRow => ({
    component,
    ...(count !== undefined && { instances: count }),
    cpuMsPerPurchase: ms,
    coresPer1000PerSecond: ms,
    coresAtTarget: ms / targetUtilisation,
  });
  const services = Object.entries(cpuMsPerPurchase)
    .filter(([name]) => name.startsWith(SERVICE_GROUP_PREFIX))
    .map(([name, ms]) => {
      const service = name.slice(SERVICE_GROUP_PREFIX.length);
      return row(service, ms, instances[service]);
    })
    .sort((a, b) => b.cpuMsPerPurchase - a.cpuMsPerPurchase);
  const servers = SERVERS.flatMap((name) =>
    cpuMsPerPurchase[name] === undefined ? [] : [row(name, cpuMsPerPurchase[name])],
  );
  const rows = [...services, ...servers];
  if (rows.length === 0) return [];
  return [
    ...rows,
    row(
      'total',
      rows.reduce((sum, entry) => sum + entry.cpuMsPerPurchase, 0),
    ),
  ];
}

const cores = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : 'n/a');

/** The table in Markdown: what deploy/README.md shows too. */
export function sizingMarkdown(sizing: Sizing): string[] {
  const percent = Math.round(sizing.targetUtilisation * 100);
  return [
    `| component | processes in the run | CPU ms per purchase | cores per 1,000 purchases/s | cores to request per 1,000 purchases/s at ${percent} % use |`,
    '| --- | ---: | ---: | ---: | ---: |',
    ...sizing.rows.map(
      (row) =>
        `| ${row.component === 'total' ? '**total**' : row.component} | ${row.instances ?? ''} | ${row.cpuMsPerPurchase.toFixed(1)} | ${cores(row.coresPer1000PerSecond)} | ${cores(row.coresAtTarget)} |`,
    ),
  ];
}
