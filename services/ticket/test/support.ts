// Shared steps of the ticket service's stories: a platform with the ticket service, venues
// built like the event service builds them, and callers acting as a service or as a user.
import { randomUUID } from 'node:crypto';
import type { CreateInventoryBody } from '@ticketing/contracts';
import type { Clock, DomainEvent, Role } from '@ticketing/platform';
import pg from 'pg';
import { expect } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { startTestPlatform, type TestPlatform } from '../../../tools/test/platform.js';

export { expectProblem } from '../../user/test/support.js';

export interface TicketTestPlatform extends TestPlatform {
  /** Base URL of the ticket service itself (internal routes, or routes the gateway does not map). */
  ticketUrl: string;
  /** SQL on the test database, for checking invariants. */
  sql: pg.Pool;
  /** Every event the ticket service published so far. */
  published: DomainEvent[];
}

export async function startTicketPlatform(
  options: { clock?: Clock; env?: Record<string, string>; services?: string[] } = {},
): Promise<TicketTestPlatform> {
  const t = await startTestPlatform({
    services: options.services ?? ['user', 'ticket', 'gateway'],
    clock: options.clock,
    env: {
      RATE_LIMIT_AUTH: 'off',
      RATE_LIMIT_HOLDS: 'off',
      RATE_LIMIT_BROWSE: 'off',
      RATE_LIMIT_DEFAULT: 'off',
      TICKET_LIVE_COALESCE_MS: '50',
      ...options.env,
    },
  });
  const published: DomainEvent[] = [];
  await t.platform.infrastructure.bus.subscribe({
    group: `ticket-test-${randomUUID()}`,
    topics: ['ticket-locked', 'ticket-released', 'ticket-sold', 'ticket-cancelled'],
    handle: async (event) => {
      published.push(event);
    },
  });
  const sql = new pg.Pool({ connectionString: t.databaseUrl, max: 4 });
  return {
    ...t,
    ticketUrl: t.platform.url('ticket'),
    sql,
    published,
    async stop() {
      await sql.end();
      await t.stop();
    },
  };
}

const tokensOf = (t: TestPlatform) => t.platform.services.get('ticket')!.context.tokens;

/** Headers of a call another service makes (the event service, the order service). */
export async function asService(t: TestPlatform, service = 'event'): Promise<Record<string, string>> {
  return { 'x-internal-token': await tokensOf(t).issue({ service }) };
}

/** Headers of a call the gateway forwards for a signed-in user. */
export async function asUser(
  t: TestPlatform,
  userId: string,
  roles: Role[] = ['USER'],
): Promise<Record<string, string>> {
  return { 'x-internal-token': await tokensOf(t).issue({ service: 'gateway', user: { userId, roles } }) };
}

export interface SectionPlan {
  name: string;
  rows: number;
  seatsPerRow: number;
  category: string;
  price: number;
  /** Seat number after which an aisle runs through every row. */
  aisleAfter?: number;
  /** Horizontal offset of the section on the map. */
  x?: number;
  /** Vertical offset of the section on the map (0 = front, by the stage). */
  y?: number;
}

export interface Venue {
  eventId: string;
  body: CreateInventoryBody;
  /** The seat id of section/row/number, e.g. seat('Stalls', 'A', 5). */
  seat(section: string, row: string, number: number): string;
  ticketTypeId(name: string): string;
}

/** The organizer every venue() belongs to unless the test names another. */
export const TEST_ORGANIZER_ID = randomUUID();

/** Door facts: whose event and when it runs (by default it starts in an hour, so its door is open). */
export function door(
  organizerId: string = TEST_ORGANIZER_ID,
  startsAt = new Date(Date.now() + 3_600_000),
  endsAt = new Date(startsAt.getTime() + 3 * 3_600_000),
): NonNullable<CreateInventoryBody['door']> {
  return { organizerId, startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() };
}

const rowName = (index: number) =>
  index < 26
    ? String.fromCharCode(65 + index)
    : `${String.fromCharCode(65 + Math.floor(index / 26) - 1)}${String.fromCharCode(65 + (index % 26))}`;

/**
 * A venue laid out as the seat map draws it: the stage at the top (smallest y), rows going
 * back one unit of y each, seats one unit of x apart (two across an aisle).
 */
export function venue(
  plan: { sections?: SectionPlan[]; ticketTypes?: { name: string; price: number; quantity: number }[] } = {},
  extra: Partial<CreateInventoryBody> = {},
): Venue {
  const seatIds = new Map<string, string>();
  const seats: CreateInventoryBody['seats'] = [];
  for (const section of plan.sections ?? []) {
    for (let row = 0; row < section.rows; row++) {
      for (let number = 1; number <= section.seatsPerRow; number++) {
        const seatId = randomUUID();
        const name = rowName(row);
        seatIds.set(`${section.name}|${name}|${number}`, seatId);
        const aisle = section.aisleAfter !== undefined && number > section.aisleAfter ? 1 : 0;
        seats.push({
          seatId,
          section: section.name,
          row: name,
          number: String(number),
          label: `${section.name} · Row ${name} · Seat ${number}`,
          category: section.category,
          price: section.price,
          x: (section.x ?? 0) + number + aisle,
          y: (section.y ?? 0) + row,
          accessible: false,
        });
      }
    }
  }
  const ticketTypes = (plan.ticketTypes ?? []).map((type) => ({ ticketTypeId: randomUUID(), ...type }));
  return {
    eventId: randomUUID(),
    body: {
      currency: 'EUR',
      salesStartAt: null,
      salesEndAt: null,
      seats,
      ticketTypes,
      door: door(),
      ...extra,
    },
    seat(section, row, number) {
      const id = seatIds.get(`${section}|${row}|${number}`);
      if (!id) throw new Error(`no seat ${section} ${row} ${number}`);
      return id;
    },
    ticketTypeId(name) {
      const type = ticketTypes.find((candidate) => candidate.name === name);
      if (!type) throw new Error(`no ticket type ${name}`);
      return type.ticketTypeId;
    },
  };
}

/** Creates the venue's inventory as the event service does when it publishes the event. */
export async function publishInventory(t: TicketTestPlatform, plan: Venue): Promise<Venue> {
  const response = await call(t.ticketUrl, 'PUT', `/api/v1/internal/inventory/${plan.eventId}`, {
    body: plan.body,
    headers: await asService(t),
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return plan;
}

/** A hold placed for a user straight on the ticket service (as the gateway forwards it). */
export async function hold(t: TicketTestPlatform, userId: string, body: Record<string, unknown>) {
  return call(t.ticketUrl, 'POST', '/api/v1/holds', { body, headers: await asUser(t, userId) });
}

export async function sell(t: TicketTestPlatform, holdId: string, userId: string, orderId = randomUUID()) {
  return call(t.ticketUrl, 'POST', `/api/v1/internal/holds/${holdId}/sell`, {
    body: { orderId, userId },
    headers: await asService(t, 'order'),
  });
}

export const newUserId = () => randomUUID();

/** Runs the calls ten at a time: many at once, without queueing past the pool's patience. */
export async function inWaves<T>(count: number, run: (index: number) => Promise<T>, wave = 10): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < count; start += wave) {
    const size = Math.min(wave, count - start);
    results.push(...(await Promise.all(Array.from({ length: size }, (_, offset) => run(start + offset)))));
  }
  return results;
}
