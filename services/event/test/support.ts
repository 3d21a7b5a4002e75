// Shared steps of the event service's stories: a platform with the user, event and gateway
// services, a stand-in for the ticket service's internal API, organizers, and event bodies.
import { isDeepStrictEqual } from 'node:util';
import {
  type Availability,
  ConfigureWaitingRoomBody,
  CreateInventoryBody,
  InventoryDoor,
} from '@ticketing/contracts';
import {
  createHttpApp,
  createLogger,
  type DomainEvent,
  type HttpApp,
  InternalTokens,
  newId,
} from '@ticketing/platform';
import pg from 'pg';
import { Type } from 'typebox';
import { expect } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { startTestPlatform, TEST_ADMIN, type TestPlatform } from '../../../tools/test/platform.js';
import { login, registerAndLogin } from '../../user/test/support.js';

export { expectProblem, login } from '../../user/test/support.js';

/** Shared by the platform and the stand-in, so the stand-in can check the event service's tokens. */
export const TEST_INTERNAL_TOKEN_SECRET = 'event-service-tests-internal-secret-0123456789';

/**
 * Answers the ticket service's internal inventory and availability routes the way the
 * contract says (packages/contracts/src/inventory.ts), records what it receives, and can be
 * told to fail. Built with the platform's http kit, so it checks internal tokens like a service.
 */
export class TicketServiceStandIn {
  readonly inventories = new Map<string, CreateInventoryBody>();
  readonly inventoryCalls: { eventId: string; body: CreateInventoryBody; caller: string | undefined }[] = [];
  readonly availabilityCalls: string[][] = [];
  readonly waitingRoomCalls: { eventId: string; body: ConfigureWaitingRoomBody }[] = [];
  /** Door facts sent on their own (a published event rescheduled). */
  readonly doorCalls: { eventId: string; body: InventoryDoor }[] = [];
  /** Tickets sold per event, reported by the availability route. */
  readonly sold = new Map<string, number>();
  /** When set, every call is answered with this status. */
  failWith: number | undefined;

  private constructor(
    private readonly app: HttpApp,
    readonly url: string,
  ) {}

  static async start(): Promise<TicketServiceStandIn> {
    const app = await createHttpApp({
      service: 'ticket-stand-in',
      logger: createLogger('silent'),
      tokens: new InternalTokens(TEST_INTERNAL_TOKEN_SECRET),
    });
    let standIn: TicketServiceStandIn | undefined;
    const failing = (reply: { status(code: number): { send(body: unknown): unknown } }) =>
      reply
        .status(standIn!.failWith!)
        .send({ status: standIn!.failWith, code: 'stand_in_failure', detail: 'told to fail' });

    app.put(
      '/api/v1/internal/inventory/:eventId',
      {
        config: { access: 'internal' },
        schema: {
          params: Type.Object({ eventId: Type.String({ format: 'uuid' }) }),
          body: CreateInventoryBody,
        },
      },
      async (request, reply) => {
        const { eventId } = request.params;
        standIn!.inventoryCalls.push({ eventId, body: request.body, caller: request.caller });
        if (standIn!.failWith) return failing(reply);
        const tickets =
          request.body.seats.length + request.body.ticketTypes.reduce((sum, t) => sum + t.quantity, 0);
        const existing = standIn!.inventories.get(eventId);
        if (existing && !isDeepStrictEqual(existing, request.body))
          return reply.status(409).type('application/problem+json').send({
            type: 'about:blank',
            title: 'Conflict',
            status: 409,
            code: 'inventory_exists',
            detail: 'a different inventory exists for this event',
          });
        if (existing) return reply.status(200).send({ eventId, created: false, tickets });
        standIn!.inventories.set(eventId, request.body);
        return reply.status(201).send({ eventId, created: true, tickets });
      },
    );

    app.put(
      '/api/v1/internal/inventory/:eventId/door',
      {
        config: { access: 'internal' },
        schema: {
          params: Type.Object({ eventId: Type.String({ format: 'uuid' }) }),
          body: InventoryDoor,
        },
      },
      async (request, reply) => {
        standIn!.doorCalls.push({ eventId: request.params.eventId, body: request.body });
        if (standIn!.failWith) return failing(reply);
        return reply.status(204).send();
      },
    );

    app.put(
      '/api/v1/internal/waiting-rooms/:eventId',
      {
        config: { access: 'internal' },
        schema: {
          params: Type.Object({ eventId: Type.String({ format: 'uuid' }) }),
          body: ConfigureWaitingRoomBody,
        },
      },
      async (request, reply) => {
        standIn!.waitingRoomCalls.push({ eventId: request.params.eventId, body: request.body });
        if (standIn!.failWith) return failing(reply);
        return { eventId: request.params.eventId, source: 'event', drawnAt: null, ...request.body };
      },
    );

    app.get(
      '/api/v1/internal/availability',
      {
        config: { access: 'internal' },
        schema: { querystring: Type.Object({ eventIds: Type.String() }) },
      },
      async (request, reply) => {
        const eventIds = request.query.eventIds.split(',');
        standIn!.availabilityCalls.push(eventIds);
        if (standIn!.failWith) return failing(reply);
        return { items: eventIds.flatMap((eventId) => standIn!.availabilityOf(eventId) ?? []) };
      },
    );

    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    standIn = new TicketServiceStandIn(app, `http://127.0.0.1:${port}`);
    return standIn;
  }

  availabilityOf(eventId: string): Availability | undefined {
    const inventory = this.inventories.get(eventId);
    if (!inventory) return undefined;
    const byCategory: Availability['byCategory'] = {};
    for (const seat of inventory.seats) {
      const entry = byCategory[seat.category] ?? { total: 0, available: 0, sold: 0 };
      entry.total++;
      entry.available++;
      byCategory[seat.category] = entry;
    }
    const byTicketType: Availability['byTicketType'] = {};
    for (const ticketType of inventory.ticketTypes) {
      byTicketType[ticketType.ticketTypeId] = {
        total: ticketType.quantity,
        available: ticketType.quantity,
        sold: 0,
      };
    }
    const total = inventory.seats.length + inventory.ticketTypes.reduce((sum, t) => sum + t.quantity, 0);
    const sold = this.sold.get(eventId) ?? 0;
    return { eventId, total, available: total - sold, held: 0, sold, byCategory, byTicketType };
  }

  async stop(): Promise<void> {
    await this.app.close();
  }
}

export interface EventPlatform {
  t: TestPlatform;
  tickets: TicketServiceStandIn;
  gateway: string;
  adminToken: string;
  /** Everything the event service published, in order (an observer consumer group on the bus). */
  published: DomainEvent[];
  stop(): Promise<void>;
}

export async function startEventPlatform(env: Record<string, string> = {}): Promise<EventPlatform> {
  const tickets = await TicketServiceStandIn.start();
  const t = await startTestPlatform({
    services: ['user', 'event', 'gateway'],
    env: {
      TICKET_SERVICE_URL: tickets.url,
      INTERNAL_TOKEN_SECRET: TEST_INTERNAL_TOKEN_SECRET,
      // A busy test machine must not turn a slow answer into "no counts".
      EVENT_AVAILABILITY_TIMEOUT_MS: '15000',
      ...env,
    },
  });
  const published: DomainEvent[] = [];
  await t.platform.infrastructure.bus.subscribe({
    group: 'test-observer',
    topics: ['event-published', 'event-cancelled'],
    handle: async (event) => {
      published.push(event);
    },
  });
  const admin = await login(t.gatewayUrl, TEST_ADMIN.username, TEST_ADMIN.password);
  return {
    t,
    tickets,
    gateway: t.gatewayUrl,
    adminToken: admin.accessToken,
    published,
    async stop() {
      await t.stop();
      await tickets.stop();
    },
  };
}

/** How long to wait for what happens after a commit (the outbox relay, a ticket event) on a busy machine. */
export const EVENTUALLY = { timeout: 20_000, interval: 100 };

/** A new account made ORGANIZER by the admin, logged in again so its token carries the role. */
export async function newOrganizer(platform: EventPlatform) {
  const { account, user } = await registerAndLogin(platform.gateway);
  const granted = await call(platform.gateway, 'PUT', `/api/v1/users/${user.id}/roles`, {
    token: platform.adminToken,
    body: { roles: ['ORGANIZER', 'USER'] },
  });
  expect(granted.status, JSON.stringify(granted.body)).toBe(200);
  const tokens = await login(platform.gateway, account.username, account.password);
  return { id: user.id as string, token: tokens.accessToken };
}

export async function newBuyer(platform: EventPlatform) {
  const { user, tokens } = await registerAndLogin(platform.gateway);
  return { id: user.id as string, token: tokens.accessToken };
}

const DAY_MS = 86_400_000;
export const daysAhead = (days: number, hours = 0) =>
  new Date(Date.now() + days * DAY_MS + hours * 3_600_000).toISOString();

/** The public API table's create body: a small seated hall plus a standing area. */
export function eventBody(overrides: Record<string, unknown> = {}) {
  return {
    title: 'Night of the Strings',
    description: 'A chamber orchestra plays Vivaldi and Piazzolla.',
    location: 'Konzerthaus, Gendarmenmarkt 2',
    city: 'Berlin',
    eventType: 'CONCERT',
    startsAt: daysAhead(20),
    endsAt: daysAhead(20, 3),
    currency: 'EUR',
    basePrice: 3000,
    venue: {
      sections: [
        { name: 'Stalls', rows: 4, seatsPerRow: 10, category: 'STANDARD', price: 4000 },
        { name: 'Balcony', rows: 2, seatsPerRow: 8, category: 'BALCONY', price: 2500, curve: 0.5 },
      ],
    },
    ticketTypes: [{ name: 'Standing', price: 2000, quantity: 50 }],
    ...overrides,
  };
}

export type Caller = string | undefined;

export const api = (platform: EventPlatform, method: string, path: string, token?: Caller, body?: unknown) =>
  call(platform.gateway, method, `/api/v1${path}`, { token, body });

export async function createEvent(
  platform: EventPlatform,
  token: string,
  overrides: Record<string, unknown> = {},
) {
  const response = await api(platform, 'POST', '/events', token, eventBody(overrides));
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

export async function createPublishedEvent(
  platform: EventPlatform,
  token: string,
  overrides: Record<string, unknown> = {},
) {
  const event = await createEvent(platform, token, overrides);
  const published = await api(platform, 'POST', `/events/${event.id}/publish`, token);
  expect(published.status, JSON.stringify(published.body)).toBe(200);
  return published.body;
}

/** Delivers an event as if the ticket service's outbox relay had published it. */
export async function deliverTicketEvent(
  platform: EventPlatform,
  type: string,
  payload: unknown,
  options: { id?: string; occurredAt?: string } = {},
): Promise<DomainEvent> {
  const event: DomainEvent = {
    id: options.id ?? newId(),
    type,
    key: (payload as { eventId: string }).eventId,
    occurredAt: options.occurredAt ?? new Date().toISOString(),
    source: 'ticket',
    payload,
    headers: {},
  };
  await platform.t.platform.infrastructure.bus.publish([event]);
  return event;
}

/** A query on the test database (for what only the database can show, like the outbox). */
export async function query<T extends pg.QueryResultRow>(
  platform: EventPlatform,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: platform.t.databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** The value of one Prometheus sample of the event service, 0 when absent. */
export async function metric(
  platform: EventPlatform,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const response = await call(platform.t.platform.managementUrl, 'GET', '/metrics');
  for (const line of String(response.body).split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const matches = Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`));
    if (matches) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}
