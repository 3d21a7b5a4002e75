// The sender pool: renders messages (templates, QR codes, PNG, MIME) in worker threads, so none
// of it competes with the requests and consumers on the service's event loop. A few threads
// (NOTIFICATION_RENDER_THREADS, default 1) are plenty: rendering an e-ticket mail takes a few
// milliseconds; the delivery worker sends several messages at once and they queue here.
import { Piscina } from 'piscina';
import type { RenderJob, RenderResult } from './message-rendering.js';

/** Built code runs the compiled worker; from the TypeScript sources a bootstrap registers tsx first. */
function workerEntry(): { filename: string; execArgv?: string[] } {
  if (import.meta.url.endsWith('.ts')) {
    // The worker imports only this service's files and npm packages: no loader flag to inherit.
    return { filename: new URL('./render-worker-source.mjs', import.meta.url).href, execArgv: [] };
  }
  return { filename: new URL('./render-worker.js', import.meta.url).href };
}

export class MessageRenderer {
  private readonly pool: Piscina<RenderJob, RenderResult>;

  constructor(threads: number) {
    this.pool = new Piscina({ ...workerEntry(), minThreads: threads, maxThreads: threads });
  }

  /** Renders one message in a worker thread; rejects with the rendering's error. */
  async render(job: RenderJob): Promise<{ rendered: RenderResult['rendered']; raw: Buffer | null }> {
    // A text message rendered at an earlier attempt has nothing left to do.
    if ('rendered' in job.source && !job.email) return { rendered: job.source.rendered, raw: null };
    const { rendered, raw } = await this.pool.run(job);
    return { rendered, raw: raw && Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength) };
  }

  /** Messages the threads have rendered since the start. */
  get rendered(): number {
    return this.pool.completed;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
