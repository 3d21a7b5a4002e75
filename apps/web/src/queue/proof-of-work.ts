// Solves the waiting room's proof-of-work (services/ticket/src/proof-of-work.ts): a nonce such
// that sha256(challenge + nonce) starts with `difficulty` zero bits, hashed with WebCrypto in
// batches. It runs in a Web Worker when the browser has one, else on the page, where each
// batch awaits the digests, so the page keeps answering taps and screen readers meanwhile.
// There is nothing to see, hear or click: nobody is locked out by a puzzle.

/** Digests started at once; between batches the solver reports progress and can be stopped. */
const BATCH = 256;

/** How many leading bits of the digest are zero (as the ticket service counts them). */
export function leadingZeroBits(digest: Uint8Array): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

export interface SolveProgress {
  tries: number;
  /** Tries expected on average: 2^difficulty. */
  expected: number;
}

/** Finds the nonce (base-36 digits, within the service's `[A-Za-z0-9_-]` pattern). */
export async function solveChallenge(
  challenge: string,
  difficulty: number,
  options: { onProgress?: (progress: SolveProgress) => void; signal?: AbortSignal } = {},
): Promise<string> {
  const encoder = new TextEncoder();
  const expected = 2 ** difficulty;
  for (let start = 0; ; start += BATCH) {
    if (options.signal?.aborted) throw new DOMException('The proof-of-work was stopped', 'AbortError');
    const nonces = Array.from({ length: BATCH }, (_, index) => (start + index).toString(36));
    const digests = await Promise.all(
      nonces.map((nonce) => crypto.subtle.digest('SHA-256', encoder.encode(challenge + nonce))),
    );
    const found = digests.findIndex((digest) => leadingZeroBits(new Uint8Array(digest)) >= difficulty);
    if (found >= 0) return nonces[found]!;
    options.onProgress?.({ tries: start + BATCH, expected });
  }
}

/** Messages between the page and proof-of-work.worker.ts. */
export type SolverRequest = { challenge: string; difficulty: number };
export type SolverMessage =
  | { type: 'progress'; progress: SolveProgress }
  | { type: 'solved'; nonce: string }
  | { type: 'failed'; message: string };

/** Solves in a Web Worker (off the page's thread), or on the page where workers are missing. */
export function solveInBackground(
  challenge: string,
  difficulty: number,
  options: { onProgress?: (progress: SolveProgress) => void; signal?: AbortSignal } = {},
): Promise<string> {
  let worker: Worker;
  try {
    worker = new Worker(new URL('./proof-of-work.worker.ts', import.meta.url), { type: 'module' });
  } catch {
    return solveChallenge(challenge, difficulty, options);
  }
  return new Promise<string>((resolve, reject) => {
    const stop = () => {
      worker.terminate();
      reject(new DOMException('The proof-of-work was stopped', 'AbortError'));
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    const finish = () => {
      options.signal?.removeEventListener('abort', stop);
      worker.terminate();
    };
    worker.onmessage = (message: MessageEvent<SolverMessage>) => {
      const data = message.data;
      if (data.type === 'progress') options.onProgress?.(data.progress);
      else if (data.type === 'solved') {
        finish();
        resolve(data.nonce);
      } else {
        finish();
        reject(new Error(data.message));
      }
    };
    // A worker that cannot start (a strict policy, an old browser): solve on the page instead.
    worker.onerror = (event) => {
      event.preventDefault();
      finish();
      solveChallenge(challenge, difficulty, options).then(resolve, reject);
    };
    worker.postMessage({ challenge, difficulty } satisfies SolverRequest);
  });
}
