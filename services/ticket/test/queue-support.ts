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
