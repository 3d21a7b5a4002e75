// Follows a place in line: the `status` Server-Sent Events of GET /api/v1/queue/{id}/stream,
// read with fetch because EventSource cannot send the access token. A stream that ends while
// the place is still waiting (a restart, a proxy's timeout) is opened again; one that cannot
// be opened twice in a row gives way to polling GET /api/v1/queue/{id} at a pace inside the
// gateway's `queue-poll` limit (30 a minute per user).
import type { ApiClient } from '../api/client';
import { ApiProblem } from '../api/problem';
import type { QueuePlaceView } from '../api/types';

/** Between polls: well inside 30 a minute, leaving room for a reload or a second tab. */
export const POLL_INTERVAL_MS = 5_000;
/** Before opening a stream again (the server's `retry:` says the same). */
const REOPEN_MS = 3_000;

export interface SseMessage {
  event: string;
  data: string;
}

/** An incremental text/event-stream parser: push chunks as they arrive, get whole messages. */
export class SseParser {
  private buffer = '';

  push(chunk: string): SseMessage[] {
    this.buffer += chunk.replace(/\r\n?/g, '\n');
    const messages: SseMessage[] = [];
    let end = this.buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) continue; // keep-alive comments
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length > 0) messages.push({ event, data: data.join('\n') });
      end = this.buffer.indexOf('\n\n');
    }
    return messages;
  }
}

export const isSettled = (place: QueuePlaceView) => place.status !== 'WAITING';

export type FollowMode = 'stream' | 'polling';

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** Reads one stream until it ends; answers the last place it told. */
async function readStream(
  api: Pick<ApiClient, 'queueStream'>,
  placeId: string,
  onPlace: (place: QueuePlaceView) => void,
  signal: AbortSignal,
): Promise<QueuePlaceView | undefined> {
  const response = await api.queueStream(placeId, signal);
  if (!response.body || !response.headers.get('content-type')?.includes('text/event-stream'))
    throw new Error('The server did not open a stream');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new SseParser();
  let last: QueuePlaceView | undefined;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return last;
      for (const message of parser.push(value)) {
        if (message.event !== 'status') continue;
        last = JSON.parse(message.data) as QueuePlaceView;
        onPlace(last);
        if (isSettled(last)) return last;
      }
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

/**
 * Tells every new standing of the place until it is admitted or expired (answers that last
 * one), or the signal stops it. A place that is gone (404) throws its ApiProblem.
 */
export async function followPlace(
  api: Pick<ApiClient, 'queueStream' | 'queuePlace'>,
  placeId: string,
  handlers: { onPlace: (place: QueuePlaceView) => void; onMode?: (mode: FollowMode) => void },
  signal: AbortSignal,
  pace: { reopenMs: number; pollMs: number } = { reopenMs: REOPEN_MS, pollMs: POLL_INTERVAL_MS },
): Promise<QueuePlaceView | undefined> {
  let mode: FollowMode = 'stream';
  let streamFailures = 0;
  handlers.onMode?.(mode);
  while (!signal.aborted) {
    let wait = mode === 'stream' ? pace.reopenMs : pace.pollMs;
    try {
      if (mode === 'stream') {
        const last = await readStream(api, placeId, handlers.onPlace, signal);
        if (last && isSettled(last)) return last;
        streamFailures = 0;
      } else {
        const place = await api.queuePlace(placeId);
        handlers.onPlace(place);
        if (isSettled(place)) return place;
      }
    } catch (error) {
      if (signal.aborted) return undefined;
      if (error instanceof ApiProblem && (error.status === 404 || error.status === 403)) throw error;
      // Too many reads: wait as long as the gateway asks (Retry-After is in the problem, or a minute's share).
      if (error instanceof ApiProblem && error.status === 429) wait = Math.max(wait, 2 * pace.pollMs);
      if (mode === 'stream' && ++streamFailures >= 2) {
        mode = 'polling';
        handlers.onMode?.(mode);
      }
    }
    await sleep(wait, signal);
  }
  return undefined;
}
