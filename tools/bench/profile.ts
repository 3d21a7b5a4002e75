// Reads a V8 CPU profile (node --cpu-prof) and says where the time went: self time per
// function and per package or folder, so the report names the largest costs of the purchase path.
// Also usable alone: npx tsx tools/bench/profile.ts <file.cpuprofile>
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface CostLine {
  name: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  idlePercent: number;
  functions: CostLine[];
  places: CostLine[];
}

/** Where a script lives: a package under node_modules, a workspace folder, or Node itself. */
export function placeOf(url: string): string {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return url;
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  const workspace = /(services\/[^/]+|packages\/[^/]+|tools\/[^/]+)\//.exec(url);
  return workspace?.[1] ?? url.replace(/^file:\/\//, '');
}

export function summarizeProfile(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const functions = new Map<string, number>();
  const places = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, micros] of selfMicros) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    total += micros;
    if (frame.functionName === '(idle)') {
      idle += micros;
      continue;
    }
    const file = frame.url.split('/').slice(-2).join('/');
    const name =
      `${frame.functionName || '(anonymous)'} ${file ? `${file}:${frame.lineNumber + 1}` : ''}`.trim();
    functions.set(name, (functions.get(name) ?? 0) + micros);
    const place = placeOf(frame.url);
    places.set(place, (places.get(place) ?? 0) + micros);
  }
  const busy = Math.max(1, total - idle);
  const lines = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => ({
        name,
        ms: Math.round(micros / 100) / 10,
        percent: Math.round((micros / busy) * 1000) / 10,
      }));
  return {
    totalMs: Math.round(total / 1000),
    idlePercent: Math.round((idle / Math.max(1, total)) * 1000) / 10,
    functions: lines(functions),
    places: lines(places),
  };
}

export async function summarizeProfileFile(path: string, top = 25): Promise<ProfileSummary> {
  return summarizeProfile(JSON.parse(await readFile(path, 'utf8')) as CpuProfile, top);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: npx tsx tools/bench/profile.ts <file.cpuprofile>\n');
    process.exit(2);
  }
  const summary = await summarizeProfileFile(file);
  process.stdout.write(
    `total ${summary.totalMs} ms, idle ${summary.idlePercent} %\n\nby place (% of busy time):\n`,
  );
  for (const line of summary.places)
    process.stdout.write(`  ${line.percent.toFixed(1).padStart(5)} %  ${line.name}\n`);
  process.stdout.write('\nby function:\n');
  for (const line of summary.functions)
    process.stdout.write(`  ${line.percent.toFixed(1).padStart(5)} %  ${line.name}\n`);
}
