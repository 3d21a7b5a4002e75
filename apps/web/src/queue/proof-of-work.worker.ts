// The proof-of-work solver off the page's thread (see proof-of-work.ts).
import { type SolverMessage, type SolverRequest, solveChallenge } from './proof-of-work';

const post = (message: SolverMessage) => (self as unknown as Worker).postMessage(message);

self.onmessage = async (message: MessageEvent<SolverRequest>) => {
  const { challenge, difficulty } = message.data;
  let reported = 0;
  try {
    const nonce = await solveChallenge(challenge, difficulty, {
      onProgress: (progress) => {
        // A few messages a second are plenty for a progress bar.
        const now = Date.now();
        if (now - reported < 200) return;
        reported = now;
        post({ type: 'progress', progress });
      },
    });
    post({ type: 'solved', nonce });
  } catch (error) {
    post({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  }
};
