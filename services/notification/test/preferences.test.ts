// Preference stories: users choose channels per notification type, transactional messages keep
// at least one, and what is sent follows the choice: SMS through a Twilio-shaped provider (a fake
// one started by the test), push to subscribed browsers, email otherwise.
import { createServer, type IncomingMessage } from 'node:http';
import { newId } from '@ticketing/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { startTestPlatform, type TestPlatform } from '../../../tools/test/platform.js';
import { registerAndLogin } from '../../user/test/support.js';
import {
  adminToken,
  eventPublished,
  type MailServer,
  orderCancelled,
  publish,
  startMailServer,
  waitForNotifications,
} from './support.js';

interface SmsRequest {
  path: string;
  authorization: string | undefined;
  form: URLSearchParams;
}

let t: TestPlatform;
let mail: MailServer;
let admin: string;
const smsRequests: SmsRequest[] = [];
const INVALID_NUMBER = '+15005550001';
const smsProvider = createServer(async (request: IncomingMessage, response) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  smsRequests.push({ path: request.url ?? '', authorization: request.headers.authorization, form });
  response.setHeader('content-type', 'application/json');
  if (form.get('To') === INVALID_NUMBER) {
    response.statusCode = 400;
    response.end(JSON.stringify({ code: 21211, message: "The 'To' number is not a valid phone number." }));
    return;
  }
  response.statusCode = 201;
  response.end(JSON.stringify({ sid: `SM${smsRequests.length}`, status: 'queued' }));
});

beforeAll(async () => {
  mail = await startMailServer();
  await new Promise<void>((resolve) => smsProvider.listen(0, '127.0.0.1', resolve));
  const { port } = smsProvider.address() as { port: number };
  t = await startTestPlatform({
    services: ['user', 'notification', 'gateway'],
    env: {
      SMTP_URL: mail.url,
      NOTIFICATION_WORKER_INTERVAL_MS: '100',
      SMS_PROVIDER_URL: `http://127.0.0.1:${port}`,
      SMS_ACCOUNT_SID: 'AC_test_account',
      SMS_AUTH_TOKEN: 'test-auth-token',
      SMS_FROM: '+15005550006',
      // The browsers of these stories subscribe at a made-up push service.
      NOTIFICATION_PUSH_SERVICE_HOSTS: 'push.example.com,*.push.example.net',
    },
  });
  admin = await adminToken(t);
});
afterAll(async () => {
  await t?.stop();
  await mail?.close();
  await new Promise((resolve) => smsProvider.close(resolve));
});

const getPreferences = (token: string) =>
  call(t.gatewayUrl, 'GET', '/api/v1/notifications/preferences', { token });
const putPreferences = (token: string, preferences: unknown) =>
  call(t.gatewayUrl, 'PUT', '/api/v1/notifications/preferences', { token, body: { preferences } });
const channelsOf = (view: any, type: string) => view.items.find((item: any) => item.type === type).channels;

describe('choosing channels', { timeout: 90_000 }, () => {
  it('starts with email and push on and SMS off for every type', async () => {
    const { tokens } = await registerAndLogin(t.gatewayUrl);
    const response = await getPreferences(tokens.accessToken);
    expect(response.status).toBe(200);
    expect(response.body.items).toHaveLength(7);
    for (const item of response.body.items)
      expect(item.channels).toEqual({ email: true, sms: false, push: true });
    const transactional = response.body.items
      .filter((item: any) => item.transactional)
      .map((item: any) => item.type);
    expect(transactional.sort()).toEqual(
      ['event-cancelled', 'order-cancelled', 'order-confirmed', 'order-failed', 'payment-refunded'].sort(),
    );
  });

  it('turns channels on and off per type, and keeps the choice', async () => {
    const { tokens } = await registerAndLogin(t.gatewayUrl);
    const response = await putPreferences(tokens.accessToken, {
      'event-reminder': { email: false, push: false },
      'order-confirmed': { sms: true },
      welcome: { email: false, sms: false, push: false },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(channelsOf(response.body, 'event-reminder')).toEqual({ email: false, sms: false, push: false });
    expect(channelsOf(response.body, 'order-confirmed')).toEqual({ email: true, sms: true, push: true });
    const again = await getPreferences(tokens.accessToken);
    expect(again.body).toEqual(response.body);
  });

  it('refuses to turn off every channel of a transactional type, and changes nothing', async () => {
    const { tokens } = await registerAndLogin(t.gatewayUrl);
    await putPreferences(tokens.accessToken, { 'order-confirmed': { push: false, email: false, sms: true } });
    const response = await putPreferences(tokens.accessToken, {
      'event-reminder': { email: false },
      'order-confirmed': { sms: false },
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      code: 'transactional_channel_required',
      field: 'preferences.order-confirmed',
    });
    const unchanged = await getPreferences(tokens.accessToken);
    expect(channelsOf(unchanged.body, 'order-confirmed')).toEqual({ email: false, sms: true, push: false });
    expect(channelsOf(unchanged.body, 'event-reminder').email).toBe(true);
  });

  it.each([
    ['an unknown type', { 'newsletter-weekly': { email: false } }, 'preferences.newsletter-weekly'],
    ['an unknown channel', { welcome: { pigeon: true } }, 'preferences.welcome.pigeon'],
    ['a channel that is not a boolean', { welcome: { email: 'no' } }, 'preferences.welcome.email'],
    ['no change at all', {}, 'preferences'],
  ])('answers 400 naming the field for %s', async (_case, preferences, field) => {
    const { tokens } = await registerAndLogin(t.gatewayUrl);
    const response = await putPreferences(tokens.accessToken, preferences);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'validation_failed', field });
  });
});

describe('sending by the chosen channels', { timeout: 90_000 }, () => {
  it('sends by SMS instead of email, through the SMS provider, to the phone number the user service has', async () => {
    const { user, tokens } = await registerAndLogin(t.gatewayUrl, { phoneNumber: '+4915112345678' });
    await putPreferences(tokens.accessToken, { 'order-cancelled': { email: false, sms: true } });
    const published = eventPublished({ title: 'Chamber Music' });
    await publish(t, published, orderCancelled(user.id, published.payload.eventId));
    const items = await waitForNotifications(t, admin, user.id, (all) =>
      all.some((n) => n.type === 'order-cancelled' && n.status === 'SENT'),
    );
    const cancelled = items.filter((n) => n.type === 'order-cancelled');
    expect(cancelled.map((n) => n.channel)).toEqual(['sms']);
    expect(cancelled[0]).toMatchObject({ recipient: '+4915112345678', attempts: 1 });
    const request = smsRequests.find((candidate) => candidate.form.get('To') === '+4915112345678')!;
    expect(request.path).toBe('/2010-04-01/Accounts/AC_test_account/Messages.json');
    expect(request.authorization).toBe(
      `Basic ${Buffer.from('AC_test_account:test-auth-token').toString('base64')}`,
    );
    expect(request.form.get('From')).toBe('+15005550006');
    expect(request.form.get('Body')).toMatch(/^Your order [0-9a-f-]{36} for Chamber Music was cancelled\.$/);
  });

  it('still mails a transactional message when the only chosen channel cannot reach the user', async () => {
    const { user, tokens, account } = await registerAndLogin(t.gatewayUrl);
    await putPreferences(tokens.accessToken, { 'order-cancelled': { email: false, sms: true } });
    const published = eventPublished();
    await publish(t, published, orderCancelled(user.id, published.payload.eventId));
    const items = await waitForNotifications(t, admin, user.id, (all) =>
      all.some((n) => n.type === 'order-cancelled' && n.status === 'SENT'),
    );
    const cancelled = items.filter((n) => n.type === 'order-cancelled');
    expect(cancelled.map((n) => n.channel)).toEqual(['email']);
    expect(cancelled[0].recipient).toBe(account.email);
  });

  it('fails an SMS the provider refuses for good (invalid number) without retrying', async () => {
    const { user, tokens } = await registerAndLogin(t.gatewayUrl, { phoneNumber: INVALID_NUMBER });
    await putPreferences(tokens.accessToken, { 'order-cancelled': { sms: true } });
    const published = eventPublished();
    await publish(t, published, orderCancelled(user.id, published.payload.eventId));
    const items = await waitForNotifications(
      t,
      admin,
      user.id,
      (all) =>
        all.some((n) => n.channel === 'sms' && n.status === 'FAILED') &&
        all.some((n) => n.type === 'order-cancelled' && n.channel === 'email' && n.status === 'SENT'),
    );
    const sms = items.find((n) => n.channel === 'sms');
    expect(sms.attempts).toBe(1);
    expect(sms.lastError).toContain('21211');
    expect(items.find((n) => n.type === 'order-cancelled' && n.channel === 'email').status).toBe('SENT');
  });

  it('pushes to subscribed browsers (logged without VAPID keys) and stops once unsubscribed', async () => {
    const { user, tokens } = await registerAndLogin(t.gatewayUrl);
    const key = await call(t.gatewayUrl, 'GET', '/api/v1/notifications/push/public-key', {
      token: tokens.accessToken,
    });
    expect(key.body).toEqual({ publicKey: null });
    const subscription = {
      endpoint: `https://push.example.com/send/${newId()}`,
      keys: {
        p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
        auth: 'tBHItJI5svbpez7KI4CCXg',
      },
    };
    const created = await call(t.gatewayUrl, 'POST', '/api/v1/notifications/push/subscriptions', {
      token: tokens.accessToken,
      body: subscription,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const insecure = await call(t.gatewayUrl, 'POST', '/api/v1/notifications/push/subscriptions', {
      token: tokens.accessToken,
      body: { ...subscription, endpoint: 'http://push.example.com/x' },
    });
    expect(insecure.status).toBe(400);

    const published = eventPublished();
    await publish(t, published, orderCancelled(user.id, published.payload.eventId));
    const items = await waitForNotifications(t, admin, user.id, (all) =>
      all.some((n) => n.channel === 'push' && n.status === 'SENT'),
    );
    expect(items.find((n) => n.channel === 'push')).toMatchObject({
      recipient: '1 browser(s)',
      subject: 'Order cancelled',
    });

    const removed = await call(
      t.gatewayUrl,
      'DELETE',
      `/api/v1/notifications/push/subscriptions/${created.body.id}`,
      {
        token: tokens.accessToken,
      },
    );
    expect(removed.status).toBe(204);
    const again = await call(
      t.gatewayUrl,
      'DELETE',
      `/api/v1/notifications/push/subscriptions/${created.body.id}`,
      {
        token: tokens.accessToken,
      },
    );
    expect(again.status).toBe(404);
    await publish(t, published, orderCancelled(user.id, published.payload.eventId));
    const later = await waitForNotifications(
      t,
      admin,
      user.id,
      (all) =>
        all.filter((n) => n.type === 'order-cancelled' && n.channel === 'email' && n.status === 'SENT')
          .length === 2,
    );
    expect(later.filter((n) => n.channel === 'push')).toHaveLength(1);
  });
});

describe('push subscriptions', () => {
  const keys = {
    p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
    auth: 'tBHItJI5svbpez7KI4CCXg',
  };
  const subscribe = (token: string, endpoint: string, auth = keys.auth) =>
    call(t.gatewayUrl, 'POST', '/api/v1/notifications/push/subscriptions', {
      token,
      body: { endpoint, keys: { ...keys, auth } },
    });

  it('are refused, naming the endpoint, anywhere but on a push service', async () => {
    const { tokens } = await registerAndLogin(t.gatewayUrl);
    for (const endpoint of [
      'https://169.254.169.254/latest/meta-data/',
      'https://[fd00::1]/send/x',
      'https://10.0.0.5/send/x',
      'https://localhost/send/x',
      'https://metadata.google.internal/computeMetadata/v1/',
      'https://push.example.com:8443/send/x',
      'https://user:secret@push.example.com/send/x',
      'https://push.example.com.attacker.test/send/x',
      'http://push.example.com/send/x',
    ]) {
      const answer = await subscribe(tokens.accessToken, endpoint);
      expect(answer.status, endpoint).toBe(400);
      expect(String(answer.headers['content-type'])).toContain('application/problem+json');
      expect(answer.body.field, endpoint).toBe('endpoint');
    }
    const allowed = await subscribe(tokens.accessToken, `https://eu.push.example.net/send/${newId()}`);
    expect(allowed.status, JSON.stringify(allowed.body)).toBe(201);
  });

  it("never move from one account to another: someone else's endpoint is a 409, one's own is renewed", async () => {
    const owner = await registerAndLogin(t.gatewayUrl);
    const other = await registerAndLogin(t.gatewayUrl);
    const endpoint = `https://push.example.com/send/${newId()}`;
    const first = await subscribe(owner.tokens.accessToken, endpoint);
    expect(first.status, JSON.stringify(first.body)).toBe(201);

    const taken = await subscribe(other.tokens.accessToken, endpoint, 'AnotherAuthSecret');
    expect(taken.status, JSON.stringify(taken.body)).toBe(409);
    expect(taken.body).toMatchObject({ code: 'push_subscription_taken', field: 'endpoint' });

    const renewed = await subscribe(owner.tokens.accessToken, endpoint, 'RenewedAuthSecret');
    expect(renewed.status, JSON.stringify(renewed.body)).toBe(201);
    expect(renewed.body.id).toBe(first.body.id);
    const { rows } = await t.platform.services
      .get('notification')!
      .db.pool.query('SELECT user_id, auth FROM notifications.push_subscriptions WHERE endpoint = $1', [
        endpoint,
      ]);
    expect(rows).toEqual([{ user_id: owner.user.id, auth: 'RenewedAuthSecret' }]);
  });
});
