// The waiting room's logic in the browser: the proof-of-work the ticket service accepts, the
// Server-Sent Events parser of the place stream, and where the admission token is kept.

import { describe, expect, test } from 'vitest';
import { isSolution } from '../../../services/ticket/src/proof-of-work';
import { ApiProblem } from '../src/api/problem';
import type { QueuePlaceView } from '../src/api/types';
import { isQueueRefusal } from '../src/queue/admissions';
import { followPlace, SseParser } from '../src/queue/place-stream';
import { leadingZeroBits, solveChallenge } from '../src/queue/proof-of-work';
import { formatWait } from '../src/queue/waiting-room-page';

describe('proof-of-work', () => {
  test('counts leading zero bits as the ticket service does', () => {
    expect(leadingZeroBits(new Uint8Array([0, 0, 0xff]))).toBe(16);
    expect(leadingZeroBits(new Uint8Array([0, 0x01]))).toBe(15);
    expect(leadingZeroBits(new Uint8Array([0x80]))).toBe(0);
    expect(leadingZeroBits(new Uint8Array([0, 0]))).toBe(16);
  });

  test('a nonce found with WebCrypto is one the ticket service accepts', async () => {
    const challenge = 'pow1.eyJpIjoiYSJ9.c2lnbmF0dXJl';
    for (const difficulty of [0, 4, 12]) {
      const progress: number[] = [];
      const nonce = await solveChallenge(challenge, difficulty, {
        onProgress: ({ tries }) => progress.push(tries),
      });
      expect(nonce).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
      expect(isSolution(challenge, nonce, difficulty)).toBe(true);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
    }
  });

  test('stops when asked', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(solveChallenge('x', 30, { signal: controller.signal })).rejects.toThrow('stopped');
  });
});

describe('the place stream', () => {
  test('reads status messages split anywhere, skipping keep-alive comments and retry lines', () => {
    const parser = new SseParser();
    const text =
      'retry: 3000\n\n: keep-alive\n\nevent: status\ndata: {"status":"WAITING","position":3}\n\nevent: status\r\ndata: {"status":"ADMITTED"}\r\n\r\n';
    const messages = [];
    for (let at = 0; at < text.length; at += 7) messages.push(...parser.push(text.slice(at, at + 7)));
    expect(messages).toEqual([
      { event: 'status', data: '{"status":"WAITING","position":3}' },
      { event: 'status', data: '{"status":"ADMITTED"}' },
    ]);
  });
});

describe('the waiting page', () => {
  test('says the wait the way people do', () => {
    expect(formatWait(12)).toBe('Less than a minute');
    expect(formatWait(90)).toBe('About 2 minutes');
    expect(formatWait(60)).toBe('About 1 minute');
    expect(formatWait(3_900)).toBe('About 1 h 5 min');
  });

  test('sends the buyer back to the line on a queue_* refusal only', () => {
    expect(isQueueRefusal({ status: 403, code: 'queue_token_expired' })).toBe(true);
    expect(isQueueRefusal({ status: 403, code: 'forbidden' })).toBe(false);
    expect(isQueueRefusal({ status: 409, code: 'queue_x' })).toBe(false);
    expect(isQueueRefusal(undefined)).toBe(false);
  });
});

describe('following a place', () => {
  const place = (status: QueuePlaceView['status'], position: number | null): QueuePlaceView => ({
    id: 'p1',
    eventId: 'e1',
    status,
    position,
    number: position,
    estimatedWaitSeconds: position,
    onSaleAt: null,
    joinedAt: new Date(0).toISOString(),
  });
  const sse = (...places: QueuePlaceView[]) =>
    new Response(places.map((each) => `event: status\ndata: ${JSON.stringify(each)}\n\n`).join(''), {
      headers: { 'content-type': 'text/event-stream' },
    });
  const pace = { reopenMs: 1, pollMs: 1 };

  test('reads the stream until admitted, opening it again when it ends while waiting', async () => {
    const streams = [sse(place('WAITING', 2)), sse(place('WAITING', 1), place('ADMITTED', 0))];
    const seen: (number | null)[] = [];
    const last = await followPlace(
      {
        queueStream: async () => streams.shift()!,
        queuePlace: () => Promise.reject(new Error('no polling while the stream works')),
      },
      'p1',
      { onPlace: (each) => seen.push(each.position) },
      new AbortController().signal,
      pace,
    );
    expect(last?.status).toBe('ADMITTED');
    expect(seen).toEqual([2, 1, 0]);
  });

  test('polls when the stream cannot be opened twice in a row, and stops at a 404', async () => {
    const modes: string[] = [];
    const polled = [place('WAITING', 3), place('EXPIRED', null)];
    const last = await followPlace(
      {
        queueStream: () => Promise.reject(new ApiProblem({ status: 502, code: 'bad_gateway' })),
        queuePlace: async () => polled.shift()!,
      },
      'p1',
      { onPlace: () => undefined, onMode: (mode) => modes.push(mode) },
      new AbortController().signal,
      pace,
    );
    expect(last?.status).toBe('EXPIRED');
    expect(modes).toEqual(['stream', 'polling']);
    await expect(
      followPlace(
        {
          queueStream: () => Promise.reject(new ApiProblem({ status: 404, code: 'queue_place_not_found' })),
          queuePlace: () => Promise.reject(new Error('unused')),
        },
        'p1',
        { onPlace: () => undefined },
        new AbortController().signal,
        pace,
      ),
    ).rejects.toThrow(ApiProblem);
  });
});
