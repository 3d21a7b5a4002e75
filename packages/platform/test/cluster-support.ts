// Processes for the cluster cache tests: a host (the primary's side) forked by the test, and
// cluster workers whose ClusterCacheStore the test, as their primary, serves.
import { type ChildProcess, fork } from 'node:child_process';
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';

/** The tests run the TypeScript sources; so do the processes they start. */
const EXEC_ARGV = ['--conditions=@ticketing/source', '--import', 'tsx'];
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** Resolves with the first message of `type` the process sends. */
export function messageOf(process: Pick<ChildProcess, 'on' | 'off'>, type: string): Promise<unknown> {
  return new Promise((resolve) => {
    const listener = (message: unknown) => {
      if ((message as { type?: string })?.type !== type) return;
      process.off('message', listener);
      resolve(message);
    };
    process.on('message', listener);
  });
}

/** A child process serving an in-memory store to this one over IPC, once it listens. */
export async function forkCacheHost(): Promise<ChildProcess> {
  const host = fork(fixture('cluster-cache-host.ts'), [], { execArgv: EXEC_ARGV, stdio: 'inherit' });
  await messageOf(host, 'host:ready');
  return host;
}

/** A cluster worker running a ClusterCacheStore that does what it is told (see the fixture). */
export class CacheWorker {
  private nextId = 0;
  private readonly answers = new Map<number, (answer: { value?: unknown; error?: string }) => void>();
  readonly heard: { channel: string; message: string }[] = [];

  private constructor(readonly worker: Worker) {
    type Report = {
      type?: string;
      id: number;
      value?: unknown;
      error?: string;
      channel: string;
      message: string;
    };
    worker.on('message', (report: Report) => {
      if (report?.type === 'heard') this.heard.push({ channel: report.channel, message: report.message });
      if (report?.type === 'done') this.answers.get(report.id)?.(report);
    });
  }

  static async fork(): Promise<CacheWorker> {
    cluster.setupPrimary({ exec: fixture('cluster-cache-worker.ts'), execArgv: EXEC_ARGV, args: [] });
    const worker = cluster.fork();
    const listening = messageOf(worker as unknown as ChildProcess, 'worker:listening');
    const created = new CacheWorker(worker);
    await listening;
    return created;
  }

  /** Runs one store operation in the worker; its value, or throws its error. */
  async do<T = unknown>(operation: string, ...args: unknown[]): Promise<T> {
    const id = ++this.nextId;
    const answer = await new Promise<{ value?: unknown; error?: string }>((resolve) => {
      this.answers.set(id, resolve);
      this.worker.send({ type: 'do', id, operation, args });
    });
    this.answers.delete(id);
    if (answer.error !== undefined) throw new Error(answer.error);
    return answer.value as T;
  }

  async stop(): Promise<void> {
    if (this.worker.isDead()) return;
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.process.kill('SIGKILL');
    await exited;
  }
}
