// Shared steps of the waiting-room stories: the domain's dependencies on the test platform's
// database and clock (so 10,000 buyers can join without 10,000 HTTP round trips), a room on a
// published inventory, and a proof-of-work solver like the browser's.
import { createHash } from 'node:crypto';
import type { Clock } from '@ticketing/platform';
import { expect } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { ticketServiceConfig } from '../src/config.js';
import { leadingZeroBits } from '../src/proof-of-work.js';
import { QueueAdmissionTokens } from '../src/queue-tokens.js';
import { ServiceSigningKeys } from '../src/signing-keys.js';
import type { WaitingRoomDeps } from '../src/waiting-room.js';
import { asService, publishInventory, type TicketTestPlatform, type Venue, venue } from './support.js';

/** The waiting room's dependencies as the ticket service builds them, on the test's clock. */
export function waitingRoomDeps(
  t: TicketTestPlatform,
  clock: Clock,
  env: Record<string, string> = {},
): WaitingRoomDeps {
  const context = t.platform.services.get('ticket')!.context;
  const keys = new ServiceSigningKeys(context.db, clock);
  return {
    db: context.db,
    clock,
    logger: context.logger,
    queue: ticketServiceConfig(context.config, { ...context.env, ...env }).queue,
    admissions: new QueueAdmissionTokens(keys, clock),
    openRooms: new Map(),
  };
}

/** A general-admission event on sale from `onSaleAt`, its waiting room on at `admitPerMinute`. */
export async function queuedEvent(
  t: TicketTestPlatform,
  options: { onSaleAt: Date | null; admitPerMinute: number; quantity?: number },
): Promise<Venue> {
  const plan = await publishInventory(
    t,
    venue(
      { ticketTypes: [{ name: 'Floor', price: 5000, quantity: options.quantity ?? 500 }] },
      { salesStartAt: options.onSaleAt?.toISOString() ?? null },
    ),
  );
  const response = await call(t.ticketUrl, 'PUT', `/api/v1/internal/waiting-rooms/${plan.eventId}`, {
    body: {
      enabled: true,
      admitPerMinute: options.admitPerMinute,
      onSaleAt: options.onSaleAt?.toISOString() ?? null,
    },
    headers: await asService(t),
  });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return plan;
}

/** What the browser does with a challenge: count up until the digest starts with enough zero bits. */
export function solveChallenge(challenge: string, difficulty: number): string {
  for (let nonce = 0; ; nonce++) {
    const digest = createHash('sha256')
      .update(challenge + String(nonce))
      .digest();
    if (leadingZeroBits(digest) >= difficulty) return String(nonce);
  }
}

/** Solves the room's challenge as the browser does and joins through the gateway; the answer. */
export async function joinQueue(gatewayUrl: string, token: string, eventId: string) {
  const challenge = await call(gatewayUrl, 'GET', `/api/v1/events/${eventId}/queue/challenge`, { token });
  expect(challenge.status, JSON.stringify(challenge.body)).toBe(200);
  const nonce = solveChallenge(challenge.body.challenge, challenge.body.difficulty);
  return call(gatewayUrl, 'POST', `/api/v1/events/${eventId}/queue`, {
    token,
    body: { challenge: challenge.body.challenge, nonce },
  });
}

/**
 * Opens a place's stream through the gateway and collects its `status` messages as they come;
 * `ended` settles when the server ends the stream (or `close` aborts it).
 */
export async function followPlace(gatewayUrl: string, token: string, placeId: string) {
  const controller = new AbortController();
  const response = await fetch(`${gatewayUrl}/api/v1/queue/${placeId}/stream`, {
    headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  const messages: any[] = [];
  const ended = (async () => {
    let buffer = '';
    const decoder = new TextDecoder();
    for await (const chunk of response.body!) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame.split('\n').find((line) => line.startsWith('data: '));
        if (frame.includes('event: status') && data) messages.push(JSON.parse(data.slice(6)));
      }
    }
  })().catch(() => undefined);
  return { messages, ended, close: () => controller.abort() };
}

/** Pearson's correlation of two equally long series. */
export function correlation(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / n;
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let index = 0; index < n; index++) {
    const dx = xs[index]! - mx;
    const dy = ys[index]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}
