// Delivery stories against an SMTP server that misbehaves on purpose: refused mail is retried with
// growing delays (the test moves a manual clock instead of waiting), fails for good after the
// last attempt and can be resent by an admin; a mass mailing goes out under the send-rate limit.
import { ManualClock, newId } from '@ticketing/platform';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { startTestPlatform, type TestPlatform } from '../../../tools/test/platform.js';
import {
  adminToken,
  announcedUser,
  domainEvent,
  eventPublished,
  type FakeTicketService,
  type MailServer,
  notificationsOf,
  orderCancelled,
  orderConfirmed,
  orderFailed,
  publish,
  sleep,
  startFakeTicketService,
  startMailServer,
  userRegistered,
  waitForNotifications,
} from './support.js';

const clock = new ManualClock('2030-01-01T09:00:00Z');
const SEND_RATE = 20;
let t: TestPlatform;
let mail: MailServer;
let tickets: FakeTicketService;
let admin: string;

beforeAll(async () => {
  mail = await startMailServer();
  tickets = await startFakeTicketService();
  t = await startTestPlatform({
    services: ['user', 'notification', 'gateway'],
    clock,
    env: {
      SMTP_URL: mail.url,
      TICKET_SERVICE_URL: tickets.url,
      NOTIFICATION_MAX_ATTEMPTS: '3',
      NOTIFICATION_RETRY_BASE_MS: '60000',
      NOTIFICATION_WORKER_INTERVAL_MS: '50',
      NOTIFICATION_SEND_RATE_PER_SECOND: String(SEND_RATE),
    },
  });
});
// The gateway checks token expiry against the platform's clock, which these stories move by hours.
beforeEach(async () => {
  admin = await adminToken(t);
});
afterAll(async () => {
  await t?.stop();
  await mail?.close();
  await tickets?.close();
});

const welcomeOf = async (userId: string, check: (notification: any) => boolean) =>
  (await waitForNotifications(t, admin, userId, (items) => items.length === 1 && check(items[0])))[0];

describe('retries', { timeout: 90_000 }, () => {
  it('retries mail the server refuses, with growing delays, and delivers it on the third attempt', async () => {
    const user = announcedUser();
    mail.refuse(user.email, 2, 451);
    await publish(t, userRegistered(user));

    const first = await welcomeOf(user.userId, (n) => n.attempts === 1 && n.status === 'PENDING');
    expect(first.lastError).toContain('451');
    expect(first.nextAttemptAt).toBe(new Date(clock.now().getTime() + 60_000).toISOString());
    // Nothing happens before its time.
    await sleep(300);
    expect((await notificationsOf(t, admin, user.userId))[0].attempts).toBe(1);

    clock.advance(60_000);
    const second = await welcomeOf(user.userId, (n) => n.attempts === 2 && n.status === 'PENDING');
    expect(second.nextAttemptAt).toBe(new Date(clock.now().getTime() + 120_000).toISOString());

    clock.advance(120_000);
    const sent = await welcomeOf(user.userId, (n) => n.status === 'SENT');
    expect(sent).toMatchObject({ attempts: 3, lastError: null, recipient: user.email });
    expect(mail.attempts.get(user.email)).toBe(3);
    expect(mail.mailTo(user.email)).toHaveLength(1);
  });

  it('marks mail refused every time FAILED after the last attempt; an admin resends it once the server takes it', async () => {
    const user = announcedUser();
    mail.refuse(user.email, Number.POSITIVE_INFINITY, 421);
    await publish(t, userRegistered(user));
    // Each step waits for the attempt to be over (PENDING again) before moving the clock.
    await welcomeOf(user.userId, (n) => n.attempts === 1 && n.status === 'PENDING');
    clock.advance(60_000);
    await welcomeOf(user.userId, (n) => n.attempts === 2 && n.status === 'PENDING');
    clock.advance(120_000);
    const failed = await welcomeOf(user.userId, (n) => n.status === 'FAILED');
    expect(failed.attempts).toBe(3);
    expect(failed.maxAttempts).toBe(3);
    expect(failed.lastError).toMatch(/421/);
    expect(failed.nextAttemptAt).toBeNull();
    clock.advance(3_600_000);
    await sleep(200);
    expect(mail.attempts.get(user.email)).toBe(3);
    admin = await adminToken(t);

    mail.accept(user.email);
    const resent = await call(
      t.gatewayUrl,
      'POST',
      `/api/v1/notifications/admin/notifications/${failed.id}/resend`,
      {
        token: admin,
      },
    );
    expect(resent.status, JSON.stringify(resent.body)).toBe(202);
    expect(resent.body).toMatchObject({
      resendOf: failed.id,
      status: 'PENDING',
      attempts: 0,
      type: 'welcome',
    });
    const items = await waitForNotifications(t, admin, user.userId, (all) =>
      all.some((n) => n.id === resent.body.id && n.status === 'SENT'),
    );
    expect(items.find((n) => n.id === failed.id).status).toBe('FAILED');
    expect(mail.mailTo(user.email)).toHaveLength(1);
  });

  it('refuses to resend what is still waiting for a retry, and answers 404 for an unknown notification', async () => {
    const user = announcedUser();
    mail.refuse(user.email, 1);
    await publish(t, userRegistered(user));
    const waiting = await welcomeOf(user.userId, (n) => n.attempts === 1 && n.status === 'PENDING');
    const busy = await call(
      t.gatewayUrl,
      'POST',
      `/api/v1/notifications/admin/notifications/${waiting.id}/resend`,
      {
        token: admin,
      },
    );
    expect(busy.status).toBe(409);
    expect(busy.body.code).toBe('notification_in_progress');
    const unknown = await call(
      t.gatewayUrl,
      'POST',
      `/api/v1/notifications/admin/notifications/${newId()}/resend`,
      {
        token: admin,
      },
    );
    expect(unknown.status).toBe(404);
  });

  it('fails at once when the server rejects the address for good (5xx)', async () => {
    const user = announcedUser();
    mail.refuse(user.email, Number.POSITIVE_INFINITY, 550);
    await publish(t, userRegistered(user));
    const failed = await welcomeOf(user.userId, (n) => n.status === 'FAILED');
    expect(failed.attempts).toBe(1);
    expect(failed.lastError).toContain('550');
  });

  it('skips a message for a user the user service does not know', async () => {
    const userId = newId();
    const published = eventPublished();
    await publish(t, published, orderFailed(userId, published.payload.eventId, 'The card was declined'));
    const [skipped] = await waitForNotifications(t, admin, userId, (items) => items[0]?.status === 'SKIPPED');
    expect(skipped.lastError).toBe('the user does not exist');
  });
});

describe('bulk sends', { timeout: 90_000 }, () => {
  it('mails every ticket holder of a cancelled event, in batches under the send rate', async () => {
    const holders = Array.from({ length: 30 }, () => announcedUser());
    const bystander = announcedUser();
    const refunded = announcedUser();
    await publish(t, ...[...holders, bystander, refunded].map(userRegistered));
    const published = eventPublished({ title: 'Festival Day 2' });
    const sale = (userId: string, orderId = newId()) =>
      orderConfirmed(tickets, userId, published.payload.eventId, { tickets: 1, orderId });
    const refundedOrder = newId();
    await publish(
      t,
      published,
      ...holders.map((holder) => sale(holder.userId)),
      sale(refunded.userId, refundedOrder),
    );
    await publish(t, orderCancelled(refunded.userId, published.payload.eventId, { orderId: refundedOrder }));
    // Let the welcome and e-ticket mails go first.
    await expect
      .poll(() => holders.every((holder) => mail.mailTo(holder.email).length === 2), { timeout: 30_000 })
      .toBe(true);
    await sleep(1_100); // an empty rate window

    await publish(
      t,
      domainEvent(
        'event-cancelled',
        published.payload.eventId,
        {
          eventId: published.payload.eventId,
          title: 'Festival Day 2',
          startsAt: published.payload.startsAt,
          reason: 'Storm warning',
          cancelledAt: new Date().toISOString(),
        },
        'event',
      ),
    );
    const cancellations = () =>
      mail.received.filter((received) => received.parsed.subject === 'Cancelled: Festival Day 2');
    await expect.poll(() => cancellations().length, { timeout: 20_000 }).toBe(holders.length);
    const times = cancellations().map((received) => received.receivedAt);
    // 30 mails at 20 per second: the last ten wait for the next second's window.
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(800);
    for (const holder of holders) {
      expect(mail.mailTo(holder.email).map((received) => received.parsed.subject)).toContain(
        'Cancelled: Festival Day 2',
      );
    }
    expect(mail.mailTo(bystander.email)).toHaveLength(1); // only the welcome
    // The welcome, the e-tickets and the order cancellation.
    await expect.poll(() => mail.mailTo(refunded.email).length).toBe(3);
    expect(cancellations()[0]!.parsed.text).toContain('Reason: Storm warning');
  });
});
