// The sender pool: an e-ticket mail is rendered in a worker thread (templates, QR codes, PNG,
// MIME) and comes out as the same mail the buyer always got, and the consumer that queues it
// wakes the sender at once, without waiting for the delivery worker's next round.
import { newId } from '@ticketing/platform';
import jsQRModule from 'jsqr';
import { simpleParser } from 'mailparser';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPlatform } from '../../../tools/test/platform.js';
import { registerAndLogin } from '../../user/test/support.js';
import { DEFAULT_TEMPLATES } from '../src/default-templates.js';
import { MessageRenderer } from '../src/message-renderer.js';
import { templateView } from '../src/notification-types.js';
import {
  eventPublished,
  type FakeTicketService,
  type MailingPlatform,
  type MailServer,
  orderConfirmed,
  publish,
  startMailingPlatform,
} from './support.js';

// jsqr is a CommonJS bundle whose types declare an ES default export; Node hands either shape.
const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ??
  jsQRModule) as unknown as typeof jsQRModule.default;

const decodeQr = (png: Buffer) => {
  const image = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data;
};

describe('the sender pool', () => {
  it('renders an e-ticket mail in a worker thread: template, QR codes and the MIME message', async () => {
    const renderer = new MessageRenderer(1);
    try {
      const codes = ['eyJhbGciOiJFZERTQSJ9.first.signature', 'eyJhbGciOiJFZERTQSJ9.second.signature'];
      const facts = {
        orderId: newId(),
        eventId: newId(),
        eventTitle: 'Symphony No. 9, Open Air',
        startsAt: '2030-06-21T18:30:00.000Z',
        amount: 8500,
        currency: 'EUR',
        quantity: 2,
        tickets: codes.map((code, index) => ({
          ticketId: newId(),
          label: `Row C · Seat ${12 + index}`,
          code,
        })),
      };
      const { rendered, raw } = await renderer.render({
        channel: 'email',
        locale: 'en',
        webUrl: 'https://tickets.example.com',
        source: {
          template: DEFAULT_TEMPLATES['order-confirmed'].en.email,
          view: templateView(
            'order-confirmed',
            facts,
            { firstName: 'Grace', lastName: 'Hopper' },
            'en',
            'https://tickets.example.com',
          ),
        },
        email: {
          from: 'Ticketing <tickets@example.com>',
          notificationId: newId(),
          to: { name: 'Grace Hopper', address: 'grace@example.com' },
          eTickets: { facts, orderUrl: 'https://tickets.example.com/orders/1', createdAt: new Date() },
        },
      });
      expect(renderer.rendered).toBe(1);
      expect(rendered.subject).toContain('Symphony No. 9, Open Air');
      expect(rendered.html).toMatch(/^<!doctype html>/);
      const mail = await simpleParser(raw!);
      expect(mail.subject).toBe(rendered.subject);
      expect(mail.from?.text).toBe('"Ticketing" <tickets@example.com>');
      const images = mail.attachments.filter((part) => part.contentType === 'image/png');
      expect(images.map((image) => decodeQr(image.content))).toEqual([...codes, ...codes]);
      expect(mail.attachments.map((part) => part.filename)).toContain('event.ics');
    } finally {
      await renderer.close();
    }
  });
});

describe('queuing a mail', { timeout: 90_000 }, () => {
  let t: TestPlatform;
  let mail: MailServer;
  let orders: FakeTicketService;

  let platform: MailingPlatform | undefined;

  beforeAll(async () => {
    platform = await startMailingPlatform({
      env: {
        MAIL_FROM: 'Ticketing <tickets@example.com>',
        // No round of its own for ten minutes: only the consumer's wake-up can send the mails.
        NOTIFICATION_WORKER_INTERVAL_MS: '600000',
      },
    });
    ({ t, mail, orders } = platform);
  });
  afterAll(() => platform?.stop());

  it('wakes the sender: the e-tickets go out at once, not at the next round', async () => {
    const { account, user } = await registerAndLogin(t.gatewayUrl);
    const published = eventPublished();
    const order = orderConfirmed(orders, user.id, published.payload.eventId, { tickets: 2 });
    await publish(t, published, order);
    await expect
      .poll(() => mail.mailTo(account.email).map((received) => received.parsed.subject ?? ''), {
        timeout: 30_000,
        interval: 50,
      })
      .toContainEqual(expect.stringContaining(published.payload.title));
    const [eTickets] = mail
      .mailTo(account.email)
      .filter((received) => received.parsed.subject?.includes(published.payload.title));
    const images = eTickets!.parsed.attachments.filter((part) => part.contentType === 'image/png');
    expect(images.map((image) => decodeQr(image.content)).slice(0, 2)).toEqual(
      order.tickets.map((ticket) => ticket.code),
    );
  });
});
