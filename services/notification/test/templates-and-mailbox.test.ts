// Stories of the embedded mode (no SMTP_URL: mail becomes .eml files that admins list and open)
// and of templates: admins edit them, every save is checked, a preview renders a draft, and the
// next message uses the edit. Values are HTML-escaped in the HTML part, never in the text part.
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { startTestPlatform, type TestPlatform } from '../../../tools/test/platform.js';
import { registerAndLogin } from '../../user/test/support.js';
import {
  adminToken,
  eventPublished,
  type FakeTicketService,
  orderConfirmed,
  publish,
  startFakeTicketService,
  waitForNotifications,
} from './support.js';

let t: TestPlatform;
let admin: string;
let orders: FakeTicketService;

beforeAll(async () => {
  orders = await startFakeTicketService();
  t = await startTestPlatform({
    services: ['user', 'notification', 'gateway'],
    env: { NOTIFICATION_WORKER_INTERVAL_MS: '100', TICKET_SERVICE_URL: orders.url },
  });
  admin = await adminToken(t);
});
afterAll(async () => {
  await t?.stop();
  await orders?.close();
});

const TEMPLATES = '/api/v1/notifications/admin/templates';
const putTemplate = (path: string, body: unknown, token = admin) =>
  call(t.gatewayUrl, 'PUT', `${TEMPLATES}/${path}`, { token, body });

async function mailOf(userId: string, type: string) {
  const items = await waitForNotifications(t, admin, userId, (all) =>
    all.some((n) => n.type === type && n.channel === 'email' && n.status === 'SENT'),
  );
  const notification = items.find((n) => n.type === type && n.channel === 'email');
  const file = await call(t.gatewayUrl, 'GET', `/api/v1/notifications/admin/mail/${notification.id}.eml`, {
    token: admin,
  });
  expect(file.status).toBe(200);
  return { notification, file, parsed: await simpleParser(file.body as string, { keepCidLinks: true }) };
}

describe('the embedded mailbox', { timeout: 90_000 }, () => {
  it('writes mail as .eml files that admins list and open', async () => {
    const { user, account, tokens } = await registerAndLogin(t.gatewayUrl);
    const { notification, file, parsed } = await mailOf(user.id, 'welcome');
    expect(String(file.headers['content-type'])).toContain('message/rfc822');
    expect(parsed.subject).toBe('Welcome to Ticketing, Ada');
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0]?.address : undefined).toBe(
      account.email,
    );
    expect(parsed.text).toContain(account.username);
    expect(parsed.html).toContain(`<strong>${account.username}</strong>`);

    const list = await call(t.gatewayUrl, 'GET', '/api/v1/notifications/admin/mail', { token: admin });
    expect(list.status).toBe(200);
    expect(list.body.items).toContainEqual(
      expect.objectContaining({
        name: `${notification.id}.eml`,
        notificationId: notification.id,
        recipient: account.email,
        subject: 'Welcome to Ticketing, Ada',
        type: 'welcome',
      }),
    );
    const forbidden = await call(t.gatewayUrl, 'GET', '/api/v1/notifications/admin/mail', {
      token: tokens.accessToken,
    });
    expect(forbidden.status).toBe(403);
  });

  it('keeps the e-tickets’ QR codes and calendar file in the .eml', async () => {
    const { user } = await registerAndLogin(t.gatewayUrl);
    const published = eventPublished();
    await publish(t, published, orderConfirmed(orders, user.id, published.payload.eventId, { tickets: 1 }));
    const { parsed } = await mailOf(user.id, 'order-confirmed');
    expect(parsed.attachments.map((part) => part.contentType).sort()).toEqual([
      'image/png',
      'image/png',
      'text/calendar',
    ]);
  });

  it('answers 404 for a mail file that does not exist, and 400 for a name that is not one', async () => {
    const missing = await call(
      t.gatewayUrl,
      'GET',
      '/api/v1/notifications/admin/mail/01890a5d-ac96-774b-bcce-b302099a8057.eml',
      { token: admin },
    );
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('mail_file_not_found');
    const traversal = await call(t.gatewayUrl, 'GET', '/api/v1/notifications/admin/mail/..%2F..%2Fpasswd', {
      token: admin,
    });
    expect(traversal.status).toBe(400);
  });
});

describe('templates', { timeout: 90_000 }, () => {
  it('lists a template per type, channel and locale with the variables each may use', async () => {
    const all = await call(t.gatewayUrl, 'GET', TEMPLATES, { token: admin });
    expect(all.status).toBe(200);
    expect(all.body.items).toHaveLength(7 * 3 * 2);
    const german = await call(t.gatewayUrl, 'GET', `${TEMPLATES}?type=order-confirmed&locale=de`, {
      token: admin,
    });
    expect(german.body.items.map((item: any) => item.channel).sort()).toEqual(['email', 'push', 'sms']);
    const email = german.body.items.find((item: any) => item.channel === 'email');
    expect(email).toMatchObject({
      subject: 'Ihre Tickets für {{eventTitle}}',
      version: 1,
      origin: 'default',
    });
    expect(email.variables.tickets.item).toHaveProperty('qrCid');
    const { tokens } = await registerAndLogin(t.gatewayUrl);
    expect((await call(t.gatewayUrl, 'GET', TEMPLATES, { token: tokens.accessToken })).status).toBe(403);
  });

  it('uses an admin’s edit for the next message, escaping values in HTML only', async () => {
    const edited = await putTemplate('welcome/email/en', {
      subject: 'Hi {{firstName}}, welcome aboard',
      text: 'Hi {{firstName}} {{lastName}}, log in as {{username}}.',
      html: '<h1>Hi {{firstName}}</h1><p>Log in as {{username}} at <a href="{{webUrl}}">Ticketing</a>.</p>',
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body).toMatchObject({ version: 2, origin: 'admin' });
    const fetched = await call(t.gatewayUrl, 'GET', `${TEMPLATES}/welcome/email/en`, { token: admin });
    expect(fetched.body.subject).toBe('Hi {{firstName}}, welcome aboard');

    const { user } = await registerAndLogin(t.gatewayUrl, {
      firstName: '<b>Eve</b>',
      lastName: 'O’Neil & Co',
    });
    const { parsed } = await mailOf(user.id, 'welcome');
    expect(parsed.subject).toBe('Hi <b>Eve</b>, welcome aboard');
    expect(parsed.text).toContain('Hi <b>Eve</b> O’Neil & Co');
    expect(parsed.html).toContain('<h1>Hi &lt;b&gt;Eve&lt;/b&gt;</h1>');
    expect(parsed.html).not.toContain('<b>Eve</b>');
  });

  it.each([
    [
      'a variable the type does not have',
      { subject: 'Hi', text: 'Your password is {{password}}', html: '<p>x</p>' },
      'unknown_template_variable',
      'text',
    ],
    [
      'a syntax error',
      { subject: 'Hi', text: 'ok', html: '<p>{{#if firstName}}unclosed</p>' },
      'template_syntax_error',
      'html',
    ],
    [
      'unescaped HTML output',
      { subject: 'Hi', text: 'ok', html: '<p>{{{firstName}}}</p>' },
      'template_unescaped_output',
      'html',
    ],
    [
      'a helper',
      { subject: '{{lookup firstName 0}}', text: 'ok', html: '<p>x</p>' },
      'template_helper_not_allowed',
      'subject',
    ],
    [
      'a partial',
      { subject: 'Hi', text: '{{> footer}}', html: '<p>x</p>' },
      'template_helper_not_allowed',
      'text',
    ],
    [
      'a nested path',
      { subject: 'Hi', text: '{{firstName.length}}', html: '<p>x</p>' },
      'unknown_template_variable',
      'text',
    ],
    [
      'a list loop over a plain value',
      { subject: 'Hi', text: '{{#each firstName}}x{{/each}}', html: '<p>x</p>' },
      'unknown_template_variable',
      'text',
    ],
    ['a missing HTML part', { subject: 'Hi', text: 'ok' }, 'template_part_missing', 'html'],
    ['a missing subject', { text: 'ok', html: '<p>x</p>' }, 'template_part_missing', 'subject'],
  ])('refuses a template with %s, naming the field', async (_case, body, code, field) => {
    const response = await putTemplate('welcome/email/de', body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code, field });
    expect(typeof response.body.detail).toBe('string');
  });

  it('checks ticket fields inside the ticket loop only', async () => {
    const inside = await putTemplate('order-confirmed/sms/en', {
      text: '{{#each tickets}}{{label}} ({{../orderId}}) {{@index}}; {{/each}}',
    });
    expect(inside.status, JSON.stringify(inside.body)).toBe(200);
    const outside = await putTemplate('order-confirmed/sms/en', { text: 'Seat {{label}}' });
    expect(outside.status).toBe(400);
    expect(outside.body).toMatchObject({ code: 'unknown_template_variable', variable: 'label' });
    const smsWithSubject = await putTemplate('order-confirmed/sms/en', { subject: 'Hi', text: 'ok' });
    expect(smsWithSubject.body).toMatchObject({ code: 'template_part_not_used', field: 'subject' });
  });

  it('refuses edits from non-admins and of unknown templates', async () => {
    const { tokens } = await registerAndLogin(t.gatewayUrl);
    const body = { subject: 'x', text: 'y', html: '<p>z</p>' };
    expect((await putTemplate('welcome/email/en', body, tokens.accessToken)).status).toBe(403);
    const unknownLocale = await putTemplate('welcome/email/fr', body);
    expect(unknownLocale.status).toBe(400);
    expect(unknownLocale.body.field).toBe('locale');
  });

  it('previews a draft with sample data without saving it', async () => {
    const before = await call(t.gatewayUrl, 'GET', `${TEMPLATES}/order-confirmed/email/de`, { token: admin });
    const preview = await call(t.gatewayUrl, 'POST', `${TEMPLATES}/preview`, {
      token: admin,
      body: {
        type: 'order-confirmed',
        channel: 'email',
        locale: 'de',
        subject: '{{ticketCount}} Tickets für {{eventTitle}}',
        text: 'Summe: {{total}}, Beginn: {{eventStartsAt}}',
        html: '<ul>{{#each tickets}}<li>{{label}} <img src="cid:{{qrCid}}"></li>{{/each}}</ul>',
      },
    });
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body.subject).toBe('2 Tickets für Symphony No. 9 — Open Air');
    expect(preview.body.text).toBe('Summe: 85,00\u00a0€, Beginn: Freitag, 21. Juni 2030 um 20:30 MESZ');
    expect(preview.body.html).toContain('<li>Lawn · Row A · Seat 1 <img src="cid:qr-');
    expect(preview.body.variables.firstName).toBe('Ada');
    const invalid = await call(t.gatewayUrl, 'POST', `${TEMPLATES}/preview`, {
      token: admin,
      body: { type: 'welcome', channel: 'sms', locale: 'en', text: 'Hello {{eventTitle}}' },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('unknown_template_variable');
    const after = await call(t.gatewayUrl, 'GET', `${TEMPLATES}/order-confirmed/email/de`, { token: admin });
    expect(after.body).toEqual(before.body);
  });
});
