// Reminder stories on a manual clock: ticket holders get one reminder the day before their event
// (unless they turned reminders off), a moved event reminds again at its new time, and when the
// event is cancelled every holder hears of it, reminders off or not.
import { ManualClock } from '@ticketing/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import type { TestPlatform } from '../../../tools/test/platform.js';
import { registerAndLogin } from '../../user/test/support.js';
import {
  domainEvent,
  eventPublished,
  type FakeTicketService,
  type MailingPlatform,
  type MailServer,
  orderCancelled,
  orderConfirmed,
  publish,
  sleep,
  startMailingPlatform,
} from './support.js';

const clock = new ManualClock('2030-06-01T08:00:00Z');
let t: TestPlatform;
let mail: MailServer;
let orders: FakeTicketService;

let platform: MailingPlatform | undefined;

beforeAll(async () => {
  platform = await startMailingPlatform({
    clock,
    env: {
      NOTIFICATION_WORKER_INTERVAL_MS: '50',
      NOTIFICATION_REMINDER_INTERVAL_MS: '50',
      NOTIFICATION_REMINDER_LEAD_HOURS: '24',
    },
  });
  ({ t, mail, orders } = platform);
});
afterAll(() => platform?.stop());

const subjectsOf = (address: string) => mail.mailTo(address).map((received) => received.parsed.subject);
const waitForSubject = (address: string, subject: string, count = 1) =>
  expect
    .poll(() => subjectsOf(address).filter((candidate) => candidate === subject).length, { timeout: 20_000 })
    .toBe(count);

describe('reminders before the event', { timeout: 90_000 }, () => {
  it('reminds ticket holders once, the day before, following their preferences and the event’s moves', async () => {
    const [keen, quiet, refunded, bystander] = await Promise.all(
      Array.from({ length: 4 }, () => registerAndLogin(t.gatewayUrl)),
    );
    const off = await call(t.gatewayUrl, 'PUT', '/api/v1/notifications/preferences', {
      token: quiet!.tokens.accessToken,
      body: { preferences: { 'event-reminder': { email: false, push: false } } },
    });
    expect(off.status).toBe(200);

    const published = eventPublished({
      title: 'Midsummer Night Concert',
      startsAt: '2030-06-03T18:00:00.000Z',
      endsAt: '2030-06-03T21:00:00.000Z',
    });
    const eventId = published.payload.eventId;
    const refundedOrder = orderConfirmed(orders, refunded!.user.id, eventId, { tickets: 1 });
    await publish(
      t,
      published,
      orderConfirmed(orders, keen!.user.id, eventId),
      orderConfirmed(orders, quiet!.user.id, eventId),
      refundedOrder,
      orderCancelled(refunded!.user.id, eventId, {
        orderId: refundedOrder.payload.orderId,
        at: clock.now().toISOString(),
      }),
    );
    await waitForSubject(keen!.account.email, 'Your tickets for Midsummer Night Concert');
    const reminder = 'Coming up: Midsummer Night Concert';

    clock.set('2030-06-02T17:00:00Z'); // 25 hours before: not yet
    await sleep(400);
    expect(subjectsOf(keen!.account.email)).not.toContain(reminder);

    clock.set('2030-06-02T18:30:00Z'); // 23.5 hours before
    await waitForSubject(keen!.account.email, reminder);
    const sent = mail.mailTo(keen!.account.email).find((received) => received.parsed.subject === reminder)!;
    expect(sent.parsed.text).toContain('Midsummer Night Concert starts Monday, 3 June 2030 at 20:00 CEST');

    clock.set('2030-06-03T12:00:00Z');
    await sleep(400);
    expect(subjectsOf(keen!.account.email).filter((subject) => subject === reminder)).toHaveLength(1);
    for (const other of [quiet, refunded, bystander])
      expect(subjectsOf(other!.account.email)).not.toContain(reminder);

    // The organizer moves the event a week later: its holders are reminded again before the new date.
    await publish(
      t,
      eventPublished({
        eventId,
        title: 'Midsummer Night Concert',
        startsAt: '2030-06-10T18:00:00.000Z',
        endsAt: '2030-06-10T21:00:00.000Z',
      }),
    );
    clock.set('2030-06-09T19:00:00Z');
    await waitForSubject(keen!.account.email, reminder, 2);
    const moved = mail
      .mailTo(keen!.account.email)
      .filter((received) => received.parsed.subject === reminder)[1]!;
    expect(moved.parsed.text).toContain('Monday, 10 June 2030 at 20:00 CEST');
  });

  it('tells every holder when the event is cancelled, reminders off or not, and nothing to those who gave their tickets back', async () => {
    const [keen, quiet, refunded] = await Promise.all(
      Array.from({ length: 3 }, () => registerAndLogin(t.gatewayUrl)),
    );
    await call(t.gatewayUrl, 'PUT', '/api/v1/notifications/preferences', {
      token: quiet!.tokens.accessToken,
      body: { preferences: { 'event-reminder': { email: false } } },
    });
    const startsAt = new Date(clock.now().getTime() + 10 * 86_400_000).toISOString();
    const published = eventPublished({ title: 'Autumn Gala', startsAt });
    const eventId = published.payload.eventId;
    const refundedOrder = orderConfirmed(orders, refunded!.user.id, eventId);
    await publish(
      t,
      published,
      orderConfirmed(orders, keen!.user.id, eventId),
      orderConfirmed(orders, quiet!.user.id, eventId),
      refundedOrder,
      orderCancelled(refunded!.user.id, eventId, {
        orderId: refundedOrder.payload.orderId,
        at: clock.now().toISOString(),
      }),
      domainEvent(
        'event-cancelled',
        eventId,
        {
          eventId,
          title: 'Autumn Gala',
          startsAt,
          reason: 'The venue flooded',
          cancelledAt: clock.now().toISOString(),
        },
        'event',
      ),
    );
    await waitForSubject(keen!.account.email, 'Cancelled: Autumn Gala');
    await waitForSubject(quiet!.account.email, 'Cancelled: Autumn Gala');
    // A cancelled event is never reminded of.
    clock.set(new Date(new Date(startsAt).getTime() - 3_600_000));
    await sleep(400);
    expect(subjectsOf(keen!.account.email)).not.toContain('Coming up: Autumn Gala');
    expect(subjectsOf(refunded!.account.email)).not.toContain('Cancelled: Autumn Gala');
  });
});
