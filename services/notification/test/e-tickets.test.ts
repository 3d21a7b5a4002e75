// Stories of the mails buyers get over SMTP: a welcome on sign-up, the e-tickets of a confirmed
// order (QR codes inline and attached, a calendar file), and what follows a cancellation, a
// failed purchase and a refund. A real SMTP server started by the test receives them.
import { newId } from '@ticketing/platform';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import type { TestPlatform } from '../../../tools/test/platform.js';
import { newAccount, registerAndLogin } from '../../user/test/support.js';
import {
  adminToken,
  domainEvent,
  eventPublished,
  type FakeTicketService,
  type MailingPlatform,
  type MailServer,
  notificationsOf,
  orderCancelled,
  orderConfirmed,
  orderFailed,
  publish,
  sleep,
  startMailingPlatform,
  waitForNotifications,
} from './support.js';

let t: TestPlatform;
let mail: MailServer;
let orders: FakeTicketService;
let admin: string;

let platform: MailingPlatform | undefined;

beforeAll(async () => {
  platform = await startMailingPlatform({
    env: {
      MAIL_FROM: 'Ticketing <tickets@example.com>',
      NOTIFICATION_WORKER_INTERVAL_MS: '100',
      NOTIFICATION_RETRY_BASE_MS: '200',
    },
  });
  ({ t, mail, orders } = platform);
  admin = await adminToken(t);
});
afterAll(() => platform?.stop());

const waitForMail = async (address: string, count = 1) => {
  await expect
    .poll(() => mail.mailTo(address).length, { timeout: 20_000, interval: 50 })
    .toBeGreaterThanOrEqual(count);
  return mail.mailTo(address);
};

// jsqr is a CommonJS bundle whose types declare an ES default export; Node hands either shape.
const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ??
  jsQRModule) as unknown as typeof jsQRModule.default;

function decodeQr(png: Buffer): string | undefined {
  const image = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data;
}

describe('mail over SMTP', { timeout: 90_000 }, () => {
  it('welcomes a new account with a text and an HTML part', async () => {
    const { account, user } = await registerAndLogin(t.gatewayUrl);
    const [welcome] = await waitForMail(account.email);
    const parsed = welcome!.parsed;
    expect(parsed.subject).toBe('Welcome to Ticketing, Ada');
    expect(parsed.from?.text).toBe('"Ticketing" <tickets@example.com>');
    expect(parsed.text).toContain(`your account "${account.username}" is ready`);
    expect(parsed.html).toContain(`<strong>${account.username}</strong>`);
    expect(parsed.messageId).toMatch(/@notifications\.ticketing>$/);
    const [notification] = await waitForNotifications(
      t,
      admin,
      user.id,
      (items) => items[0]?.status === 'SENT',
    );
    expect(notification).toMatchObject({
      type: 'welcome',
      channel: 'email',
      recipient: account.email,
      attempts: 1,
    });
  });

  it('writes to a German-speaking user in German', async () => {
    const { account } = await registerAndLogin(t.gatewayUrl, { locale: 'de', firstName: 'Jürgen' });
    const [welcome] = await waitForMail(account.email);
    expect(welcome!.parsed.subject).toBe('Willkommen bei Ticketing, Jürgen');
    expect(welcome!.parsed.text).toContain('Ihr Konto');
  });

  it('mails the e-tickets of a confirmed order: QR codes inline and attached, and an .ics file', async () => {
    const { account, user } = await registerAndLogin(t.gatewayUrl);
    await waitForMail(account.email); // the welcome
    const published = eventPublished({
      title: 'Jazz & Blues; Night, Live',
      startsAt: '2030-09-12T18:00:00.000Z',
    });
    const order = orderConfirmed(orders, user.id, published.payload.eventId, { tickets: 2 });
    await publish(t, published, order);

    const mails = await waitForMail(account.email, 2);
    const eTickets = mails.find((candidate) => candidate.parsed.subject?.startsWith('Your tickets'))!;
    expect(eTickets.parsed.subject).toBe('Your tickets for Jazz & Blues; Night, Live');
    const { text, html, attachments } = eTickets.parsed;
    // Text and HTML parts, times in the event's time zone (Berlin, summer time).
    expect(text).toContain('Stalls · Row C · Seat 12');
    expect(text).toContain('€85.00');
    expect(text).toContain('Thursday, 12 September 2030 at 20:00');
    expect(html).toContain('Jazz &amp; Blues; Night, Live');

    const tickets = order.tickets;
    // The labels and codes came from the ticket service, asked as a service.
    expect(orders.reads).toContainEqual({ orderId: order.payload.orderId, internalToken: true });
    const inline = attachments.filter((part) => part.contentDisposition === 'inline');
    const attached = attachments.filter((part) => part.contentDisposition === 'attachment');
    expect(inline.map((part) => part.contentType)).toEqual(['image/png', 'image/png']);
    for (const [index, ticket] of tickets.entries()) {
      const image = inline.find((part) => part.cid === `qr-${ticket.ticketId}@ticketing`);
      expect(image, `inline QR of ticket ${index + 1}`).toBeDefined();
      expect(html).toContain(`cid:qr-${ticket.ticketId}@ticketing`);
      // The QR code carries the ticket's signed code, for the scanner at the door.
      expect(decodeQr(image!.content)).toBe(ticket.code);
      const file = attached.find(
        (part) => part.filename === `ticket-${index + 1}-stalls-row-c-seat-${12 + index}.png`,
      );
      expect(file?.contentType).toBe('image/png');
      expect(decodeQr(file!.content)).toBe(ticket.code);
    }

    const calendar = attached.find((part) => part.filename === 'event.ics')!;
    expect(calendar.contentType).toBe('text/calendar');
    const ics = calendar.content.toString('utf8');
    // Long lines are folded at 75 octets (RFC 5545 §3.1); unfolded they read as written.
    expect(ics.split('\r\n').every((line) => Buffer.byteLength(line) <= 75)).toBe(true);
    const unfolded = ics.replace(/\r\n /g, '');
    expect(ics).toContain('BEGIN:VCALENDAR\r\n');
    expect(ics).toContain('BEGIN:VEVENT\r\n');
    expect(ics).toContain('DTSTART:20300912T180000Z\r\n');
    expect(ics).toContain('DTEND:20300912T203000Z\r\n');
    expect(ics).toContain('SUMMARY:Jazz & Blues\\; Night\\, Live\r\n');
    expect(unfolded).toContain(`UID:${published.payload.eventId}.${order.payload.orderId}@ticketing\r\n`);
  });

  it('sends nothing twice when an event is delivered again', async () => {
    const { account, user } = await registerAndLogin(t.gatewayUrl);
    await waitForMail(account.email);
    const published = eventPublished();
    const order = orderConfirmed(orders, user.id, published.payload.eventId, { tickets: 1 });
    await publish(t, published, order);
    await waitForMail(account.email, 2);
    // At-least-once delivery: the relay may publish the same event again after a crash.
    await publish(t, order);
    await publish(t, order, order);
    await sleep(600);
    expect(mail.mailTo(account.email)).toHaveLength(2);
    const notifications = await notificationsOf(t, admin, user.id, '&type=order-confirmed');
    expect(notifications).toHaveLength(1);
  });

  it('mails an e-ticket without QR image when the order has no codes yet, still with the calendar file', async () => {
    const { account, user } = await registerAndLogin(t.gatewayUrl);
    await waitForMail(account.email);
    const published = eventPublished();
    await publish(
      t,
      published,
      orderConfirmed(orders, user.id, published.payload.eventId, { withCodes: false, tickets: 1 }),
    );
    const mails = await waitForMail(account.email, 2);
    const attachments = mails[1]!.parsed.attachments;
    expect(attachments.map((part) => part.filename)).toEqual(['event.ics']);
    expect(mails[1]!.parsed.html).not.toContain('cid:');
  });

  it('waits for the ticket service when it cannot answer, then mails the tickets with the event it knows', async () => {
    const { account, user } = await registerAndLogin(t.gatewayUrl);
    await waitForMail(account.email);
    // No event-published seen: the title and start come from what order-confirmed says of the event.
    const order = orderConfirmed(orders, user.id, newId(), {
      tickets: 1,
      title: 'Late Night Comedy',
      startsAt: '2030-10-01T19:00:00.000Z',
    });
    // Enough failures to outlast the service client's own retries: the first attempt fails.
    orders.failReads(order.payload.orderId, 3);
    await publish(t, order);
    const mails = await waitForMail(account.email, 2);
    expect(mails[1]!.parsed.subject).toBe('Your tickets for Late Night Comedy');
    expect(mails[1]!.parsed.attachments.map((part) => part.filename)).toContain('event.ics');
    // The mail leaves before its row is marked SENT: wait for the row, not just the mailbox.
    const confirmed = (items: any[]) => items.find((n) => n.type === 'order-confirmed');
    const sent = confirmed(
      await waitForNotifications(t, admin, user.id, (items) => confirmed(items)?.status === 'SENT'),
    );
    expect(sent).toMatchObject({ status: 'SENT', lastError: null });
    expect(sent.attempts).toBeGreaterThanOrEqual(2);
  });

  it('tells the buyer about a cancelled order, a failed purchase and a refund', async () => {
    const { account, user } = await registerAndLogin(t.gatewayUrl);
    await waitForMail(account.email);
    const published = eventPublished({ title: 'Opera Gala' });
    const order = orderConfirmed(orders, user.id, published.payload.eventId, { tickets: 1 });
    await publish(t, published, order);
    await waitForMail(account.email, 2);
    const orderId = order.payload.orderId;
    await publish(
      t,
      orderCancelled(user.id, published.payload.eventId, { orderId }),
      domainEvent(
        'payment-refunded',
        orderId,
        {
          paymentId: newId(),
          refundId: newId(),
          orderId,
          userId: user.id,
          amount: 4250,
          refundedAmount: 4250,
          currency: 'EUR',
          fullyRefunded: true,
          reason: 'Cancelled at your request',
          refundedAt: new Date().toISOString(),
        },
        'payment',
      ),
      orderFailed(user.id, published.payload.eventId, 'The card was declined'),
    );
    const mails = await waitForMail(account.email, 5);
    const subjects = mails.map((received) => received.parsed.subject);
    expect(subjects).toContain(`Your order ${orderId} was cancelled`);
    expect(subjects).toContain(`Refund of €42.50 for order ${orderId}`);
    expect(subjects).toContain('Your purchase did not go through');
    const refund = mails.find((received) => received.parsed.subject?.startsWith('Refund'))!;
    expect(refund.parsed.text).toContain('(Opera Gala)');
  });

  it('drops an event whose payload does not match its schema, without blocking the ones after it', async () => {
    const { account, user } = await registerAndLogin(t.gatewayUrl);
    await waitForMail(account.email);
    const broken = domainEvent('order-failed', newId(), { orderId: 'not-a-uuid', userId: user.id }, 'order');
    const published = eventPublished();
    await publish(t, broken, published, orderConfirmed(orders, user.id, published.payload.eventId));
    await waitForMail(account.email, 2);
    expect(await notificationsOf(t, admin, user.id, '&type=order-failed')).toHaveLength(0);
  });
});

describe('history', { timeout: 90_000 }, () => {
  it('shows users their own notifications, newest first, in pages, and nobody else’s', async () => {
    const buyer = await registerAndLogin(t.gatewayUrl);
    const other = await registerAndLogin(t.gatewayUrl);
    await waitForMail(buyer.account.email);
    const published = eventPublished();
    await publish(t, published, orderConfirmed(orders, buyer.user.id, published.payload.eventId));
    await waitForNotifications(
      t,
      admin,
      buyer.user.id,
      (items) => items.length === 2 && items.every((n) => n.status === 'SENT'),
    );

    const first = await call(t.gatewayUrl, 'GET', '/api/v1/notifications?limit=1', {
      token: buyer.tokens.accessToken,
    });
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(1);
    expect(first.body.items[0]).toMatchObject({ type: 'order-confirmed', status: 'SENT', channel: 'email' });
    expect(first.body.nextCursor).toBe(first.body.items[0].id);
    const second = await call(
      t.gatewayUrl,
      'GET',
      `/api/v1/notifications?limit=1&cursor=${first.body.nextCursor}`,
      {
        token: buyer.tokens.accessToken,
      },
    );
    expect(second.body.items.map((n: any) => n.type)).toEqual(['welcome']);
    expect(second.body.nextCursor).toBeNull();

    const detail = await call(t.gatewayUrl, 'GET', `/api/v1/notifications/${first.body.items[0].id}`, {
      token: buyer.tokens.accessToken,
    });
    expect(detail.status).toBe(200);
    expect(detail.body.html).toContain('<!doctype html>');
    const foreign = await call(t.gatewayUrl, 'GET', `/api/v1/notifications/${first.body.items[0].id}`, {
      token: other.tokens.accessToken,
    });
    expect(foreign.status).toBe(404);
    const mine = await call(t.gatewayUrl, 'GET', '/api/v1/notifications', {
      token: other.tokens.accessToken,
    });
    expect(mine.body.items.every((n: any) => n.userId === other.user.id)).toBe(true);
  });

  it('keeps the admin search and resend for admins', async () => {
    const { tokens } = await registerAndLogin(t.gatewayUrl);
    const search = await call(t.gatewayUrl, 'GET', '/api/v1/notifications/admin/notifications', {
      token: tokens.accessToken,
    });
    expect(search.status).toBe(403);
    const resend = await call(
      t.gatewayUrl,
      'POST',
      `/api/v1/notifications/admin/notifications/${newId()}/resend`,
      {
        token: tokens.accessToken,
      },
    );
    expect(resend.status).toBe(403);
    const anonymous = await call(t.gatewayUrl, 'GET', '/api/v1/notifications');
    expect(anonymous.status).toBe(401);
  });

  it('finds notifications by recipient and status for admins', async () => {
    const account = newAccount();
    await registerAndLogin(t.gatewayUrl, { username: account.username, email: account.email });
    await waitForMail(account.email);
    const found = await call(
      t.gatewayUrl,
      'GET',
      `/api/v1/notifications/admin/notifications?recipient=${encodeURIComponent(account.email.toUpperCase())}&status=SENT`,
      { token: admin },
    );
    expect(found.status).toBe(200);
    expect(found.body.items).toHaveLength(1);
    expect(found.body.items[0]).toMatchObject({ recipient: account.email, type: 'welcome' });
  });
});
