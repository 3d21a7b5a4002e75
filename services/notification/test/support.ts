// Shared steps of the notification service's stories: a real SMTP server the test controls
// (it can refuse mail for an address N times, or always), events published on the bus the way
// producers' outbox relays publish them, and polling helpers over the admin API.
import { createServer } from 'node:http';
import { type Clock, type DomainEvent, newId } from '@ticketing/platform';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { expect } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { startTestPlatform, TEST_ADMIN, type TestPlatform } from '../../../tools/test/platform.js';
import { login } from '../../user/test/support.js';

export interface ReceivedMail {
  to: string[];
  receivedAt: number;
  raw: Buffer;
  parsed: ParsedMail;
}

export interface MailServer {
  url: string;
  received: ReceivedMail[];
  /** Delivery attempts per recipient, refused ones included. */
  attempts: Map<string, number>;
  /** Refuses mail to the address `times` times (Infinity: always) with the SMTP code. */
  refuse(address: string, times: number, code?: number): void;
  accept(address: string): void;
  mailTo(address: string): ReceivedMail[];
  close(): Promise<void>;
}

export async function startMailServer(): Promise<MailServer> {
  const received: ReceivedMail[] = [];
  const attempts = new Map<string, number>();
  const refusals = new Map<string, { left: number; code: number }>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 20 * 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', async () => {
        const to = session.envelope.rcptTo.map((address) => address.address.toLowerCase());
        for (const address of to) attempts.set(address, (attempts.get(address) ?? 0) + 1);
        const refusal = to.map((address) => refusals.get(address)).find((rule) => rule && rule.left > 0);
        if (refusal) {
          refusal.left--;
          const error = Object.assign(new Error(`refused by the test (${refusal.code})`), {
            responseCode: refusal.code,
          });
          return callback(error);
        }
        const raw = Buffer.concat(chunks);
        received.push({
          to,
          receivedAt: Date.now(),
          raw,
          parsed: await simpleParser(raw, { keepCidLinks: true }),
        });
        callback(null, 'OK: queued as test');
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as { port: number };
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    attempts,
    refuse(address, times, code = 451) {
      refusals.set(address.toLowerCase(), { left: times, code });
    },
    accept(address) {
      refusals.delete(address.toLowerCase());
    },
    mailTo: (address) => received.filter((mail) => mail.to.includes(address.toLowerCase())),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An event as a producer's outbox relay would publish it. */
export function domainEvent<Payload>(
  type: string,
  key: string,
  payload: Payload,
  source: string,
): DomainEvent<Payload> {
  return { id: newId(), type, key, occurredAt: new Date().toISOString(), source, payload, headers: {} };
}

/**
 * Publishes the events one after the other, as the relays of their producers would: the bus
 * handles the events of one publish side by side when their keys differ, and an event is
 * published before the orders that sell it.
 */
export async function publish(t: TestPlatform, ...events: DomainEvent[]): Promise<void> {
  for (const event of events) await t.platform.infrastructure.bus.publish([event]);
}

let counter = 0;

/** A user only the notification service knows, announced by user-registered (no account behind it). */
export function announcedUser(overrides: Partial<{ locale: string; firstName: string }> = {}) {
  counter++;
  const userId = newId();
  const suffix = `${Date.now().toString(36)}${counter}`;
  return {
    userId,
    username: `fan_${suffix}`,
    email: `fan_${suffix}@example.com`,
    firstName: overrides.firstName ?? 'Grace',
    lastName: 'Hopper',
    locale: overrides.locale ?? 'en',
    registeredAt: new Date().toISOString(),
  };
}

export const userRegistered = (user: ReturnType<typeof announcedUser>) =>
  domainEvent('user-registered', user.userId, user, 'user');

export function eventPublished(
  overrides: Partial<{ eventId: string; title: string; startsAt: string; endsAt: string }> = {},
) {
  const eventId = overrides.eventId ?? newId();
  const startsAt = overrides.startsAt ?? '2030-06-21T18:30:00.000Z';
  return domainEvent(
    'event-published',
    eventId,
    {
      eventId,
      organizerId: newId(),
      title: overrides.title ?? 'Symphony No. 9, Open Air',
      startsAt,
      endsAt: overrides.endsAt ?? new Date(new Date(startsAt).getTime() + 2.5 * 3_600_000).toISOString(),
      timeZone: 'Europe/Berlin',
      currency: 'EUR',
      capacity: 1000,
      publishedAt: new Date().toISOString(),
    },
    'event',
  );
}

export interface FakeTicket {
  ticketId: string;
  label: string;
  code: string | null;
}

/**
 * The ticket service as the notification service sees it (the internal
 * GET /api/v1/internal/orders/{id}/tickets): it answers with the tickets of the orders the test
 * confirmed, and can be unavailable for a while.
 */
export interface FakeTicketService {
  url: string;
  orders: Map<string, { tickets: FakeTicket[] }>;
  /** Answers 503 to the next `times` reads of the order's tickets. */
  failReads(orderId: string, times: number): void;
  reads: { orderId: string; internalToken: boolean }[];
  close(): Promise<void>;
}

export async function startFakeTicketService(): Promise<FakeTicketService> {
  const orders: FakeTicketService['orders'] = new Map();
  const failures = new Map<string, number>();
  const reads: FakeTicketService['reads'] = [];
  const server = createServer((request, response) => {
    response.setHeader('content-type', 'application/json');
    if (request.url === '/actuator/health') {
      response.end(JSON.stringify({ status: 'UP' }));
      return;
    }
    const orderId = /^\/api\/v1\/internal\/orders\/([0-9a-f-]{36})\/tickets$/.exec(request.url ?? '')?.[1];
    if (!orderId || request.method !== 'GET') {
      response.statusCode = 404;
      response.end(JSON.stringify({ status: 404, code: 'route_not_found' }));
      return;
    }
    reads.push({ orderId, internalToken: typeof request.headers['x-internal-token'] === 'string' });
    const failing = failures.get(orderId) ?? 0;
    if (failing > 0) {
      failures.set(orderId, failing - 1);
      response.statusCode = 503;
      response.end(JSON.stringify({ status: 503, code: 'database_unavailable' }));
      return;
    }
    const tickets = orders.get(orderId)?.tickets ?? [];
    response.end(
      JSON.stringify({
        items: tickets.map((ticket) => ({
          id: ticket.ticketId,
          label: ticket.label,
          status: 'SOLD',
          orderId,
          code: ticket.code,
        })),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    orders,
    reads,
    failReads: (orderId, times) => failures.set(orderId, times),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An order-confirmed event as the order service publishes it; the fake ticket service learns its tickets. */
export function orderConfirmed(
  orders: FakeTicketService,
  userId: string,
  eventId: string,
  options: {
    tickets?: number;
    withCodes?: boolean;
    orderId?: string;
    title?: string;
    startsAt?: string;
  } = {},
) {
  const orderId = options.orderId ?? newId();
  const tickets: FakeTicket[] = Array.from({ length: options.tickets ?? 2 }, (_, index) => ({
    ticketId: newId(),
    label: `Stalls · Row C · Seat ${12 + index}`,
    code: options.withCodes === false ? null : `eyJhbGciOiJFZERTQSJ9.${newId()}.signature-${index}`,
  }));
  orders.orders.set(orderId, { tickets });
  const event = domainEvent(
    'order-confirmed',
    orderId,
    {
      orderId,
      userId,
      eventId,
      total: 4250 * tickets.length,
      currency: 'EUR',
      quantity: tickets.length,
      ticketIds: tickets.map((ticket) => ticket.ticketId),
      paymentId: newId(),
      confirmedAt: new Date().toISOString(),
      event: { title: options.title ?? null, startsAt: options.startsAt ?? null },
    },
    'order',
  );
  return Object.assign(event, { tickets });
}

const orderFacts = (orderId: string, userId: string, eventId: string) => ({
  orderId,
  userId,
  eventId,
  total: 4250,
  currency: 'EUR',
  quantity: 1,
  ticketIds: [newId()],
});

export const orderCancelled = (
  userId: string,
  eventId: string,
  options: { orderId?: string; reason?: string; at?: string } = {},
) => {
  const orderId = options.orderId ?? newId();
  return domainEvent(
    'order-cancelled',
    orderId,
    {
      ...orderFacts(orderId, userId, eventId),
      refundedAmount: 4250,
      by: 'buyer',
      reason: options.reason ?? 'Cancelled at your request',
      cancelledAt: options.at ?? new Date().toISOString(),
    },
    'order',
  );
};

export const orderFailed = (userId: string, eventId: string, reason: string) => {
  const orderId = newId();
  return domainEvent(
    'order-failed',
    orderId,
    {
      ...orderFacts(orderId, userId, eventId),
      failureCode: 'card_declined',
      failureReason: reason,
      failedAt: new Date().toISOString(),
    },
    'order',
  );
};

export async function adminToken(t: TestPlatform): Promise<string> {
  return (await login(t.gatewayUrl, TEST_ADMIN.username, TEST_ADMIN.password)).accessToken;
}

/** Every notification of a user, through the admin search. */
export async function notificationsOf(
  t: TestPlatform,
  token: string,
  userId: string,
  extra = '',
): Promise<any[]> {
  const response = await call(
    t.gatewayUrl,
    'GET',
    `/api/v1/notifications/admin/notifications?userId=${userId}&limit=100${extra}`,
    {
      token,
    },
  );
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.items;
}

/** Waits until the user's notifications satisfy the check; returns them. */
export async function waitForNotifications(
  t: TestPlatform,
  token: string,
  userId: string,
  check: (items: any[]) => boolean,
  timeout = 20_000,
): Promise<any[]> {
  let items: any[] = [];
  try {
    await expect
      .poll(
        async () => {
          items = await notificationsOf(t, token, userId);
          return check(items);
        },
        { timeout, interval: 50 },
      )
      .toBe(true);
  } catch (error) {
    throw new Error(`the notifications never matched: ${JSON.stringify(items, null, 1)}`, { cause: error });
  }
  return items;
}

export const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** The notification service (with the user service and the gateway) mailing to a test SMTP server, its e-tickets read from a fake ticket service. */
export interface MailingPlatform {
  t: TestPlatform;
  mail: MailServer;
  orders: FakeTicketService;
  stop(): Promise<void>;
}

export async function startMailingPlatform(
  options: { env?: Record<string, string>; clock?: Clock } = {},
): Promise<MailingPlatform> {
  const mail = await startMailServer();
  const orders = await startFakeTicketService();
  let t: TestPlatform;
  try {
    t = await startTestPlatform({
      services: ['user', 'notification', 'gateway'],
      ...(options.clock && { clock: options.clock }),
      env: { SMTP_URL: mail.url, TICKET_SERVICE_URL: orders.url, ...options.env },
    });
  } catch (error) {
    await Promise.all([mail.close(), orders.close()]);
    throw error;
  }
  return {
    t,
    mail,
    orders,
    async stop() {
      await t.stop();
      await mail.close();
      await orders.close();
    },
  };
}
