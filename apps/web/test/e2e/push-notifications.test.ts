// Web Push on the notifications page in a real browser (Debian's Chromium): a browser without
// the Push API is told so; a refused permission says how to allow it; with permission granted
// the subscription goes to the notification service and is stored, and turning it off removes
// it. Runs in `npm run test:full` only.
import { createECDH } from 'node:crypto';
import pg from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../../../tools/test/platform.js';
import {
  BROWSER_TEST_TIMEOUT_MS,
  browserTestsEnabled,
  eventually,
  launchChromium,
  logIn,
  phoneContext,
  requireBrowserPrerequisites,
  screenshot,
} from './browser';

const PASSWORD = 'push-test-password-2026';

/** A VAPID key pair (P-256, base64url) as web-push generates it, so the platform offers push. */
function vapidKeys(): { publicKey: string; privateKey: string } {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return {
    publicKey: ecdh.getPublicKey().toString('base64url'),
    privateKey: ecdh.getPrivateKey().toString('base64url'),
  };
}

/**
 * Headless Chromium has no push service to register with (subscribe() reaches Google's servers,
 * which this test machine cannot), so the granted case replaces PushManager.subscribe with a
 * stand-in answering a subscription as a push service would. Everything before it (feature
 * detection, the permission prompt, the service worker) and after it (the API call, the stored
 * row, unsubscribing) is the real thing.
 */
const FAKE_PUSH_SERVICE = `(() => {
  let current = null;
  const make = (options) => ({
    endpoint: 'https://push.example.test/send/' + Math.random().toString(36).slice(2),
    options,
    toJSON() {
      return { endpoint: this.endpoint, keys: { p256dh: 'BPublicKeyOfTheBrowser_-1234567890', auth: 'AuthSecret-_12' } };
    },
    async unsubscribe() { current = null; return true; },
  });
  PushManager.prototype.subscribe = async function (options) {
    if (!(options.applicationServerKey instanceof Uint8Array) || options.applicationServerKey.length !== 65)
      throw new Error('applicationServerKey must be the 65-byte VAPID public key');
    current = make(options);
    return current;
  };
  PushManager.prototype.getSubscription = async function () { return current; };
})();`;

async function pushRows(platform: TestPlatform): Promise<{ endpoint: string; p256dh: string }[]> {
  const client = new pg.Client({ connectionString: platform.databaseUrl });
  await client.connect();
  try {
    const result = await client.query('SELECT endpoint, p256dh FROM notifications.push_subscriptions');
    return result.rows;
  } finally {
    await client.end();
  }
}

describe.skipIf(!browserTestsEnabled)('web app: push notifications on this device', () => {
  let platform: TestPlatform;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    requireBrowserPrerequisites();
    const vapid = vapidKeys();
    [platform, browser] = await Promise.all([
      startTestPlatform({
        env: {
          VAPID_PUBLIC_KEY: vapid.publicKey,
          VAPID_PRIVATE_KEY: vapid.privateKey,
          VAPID_SUBJECT: 'mailto:ops@example.com',
          // The stand-in push service below hands out endpoints on this host.
          NOTIFICATION_PUSH_SERVICE_HOSTS: 'push.example.test',
        },
      }),
      launchChromium(),
    ]);
    const registered = await fetch(`${platform.gatewayUrl}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        username: 'pushbuyer',
        email: 'pushbuyer@example.com',
        password: PASSWORD,
        firstName: 'Pia',
        lastName: 'Push',
      }),
    });
    expect(registered.status).toBe(201);
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await platform?.stop();
  });

  async function notificationsPage(setUp?: (context: BrowserContext) => Promise<unknown>): Promise<Page> {
    const context = await phoneContext(browser, platform.gatewayUrl);
    contexts.push(context);
    await setUp?.(context);
    const page = await context.newPage();
    await logIn(page, 'pushbuyer', PASSWORD);
    await page.goto('/account/notifications');
    await page.getByRole('heading', { name: 'This device' }).waitFor();
    return page;
  }

  test(
    'a browser without the Push API is told it cannot get push notifications',
    async () => {
      const page = await notificationsPage((context) =>
        context.addInitScript(() => {
          delete (window as { PushManager?: unknown }).PushManager;
        }),
      );
      await page.getByText('This browser can’t receive push notifications').waitFor();
      expect(await page.getByRole('button', { name: /notifications on this device/ }).count()).toBe(0);
      await screenshot(page, '40-push-unsupported');
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  test(
    'refusing the permission shows how to allow it; nothing is registered',
    async () => {
      const page = await notificationsPage();
      await page.getByText('Off', { exact: true }).waitFor();
      // The permission is asked for on the click, not when the page opens.
      expect(await page.evaluate(() => Notification.permission)).toBe('default');
      await screenshot(page, '41-push-off');
      await page.getByRole('button', { name: 'Turn on notifications on this device' }).click();
      await page
        .getByRole('alert')
        .filter({ hasText: /blocked for this site|did not allow notifications/ })
        .first()
        .waitFor();
      await screenshot(page, '42-push-permission-refused');
      expect(await pushRows(platform)).toEqual([]);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  test(
    'headless Chromium’s own subscribe fails without a push service, and the page says so',
    async () => {
      const page = await notificationsPage((context) => context.grantPermissions(['notifications']));
      await page.getByRole('button', { name: 'Turn on notifications on this device' }).click();
      await page.getByText('This browser could not set up push messages').waitFor();
      await screenshot(page, '43-push-subscribe-failed');
      expect(await pushRows(platform)).toEqual([]);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  test(
    'with permission granted the subscription reaches the platform, and turning it off removes it',
    async () => {
      const page = await notificationsPage(async (context) => {
        await context.grantPermissions(['notifications']);
        await context.addInitScript(FAKE_PUSH_SERVICE);
      });
      const subscribed = page.waitForRequest(
        (request) =>
          request.method() === 'POST' && request.url().endsWith('/api/v1/notifications/push/subscriptions'),
      );
      await page.getByRole('button', { name: 'Turn on notifications on this device' }).click();
      const body = (await subscribed).postDataJSON() as { endpoint: string; keys: { p256dh: string } };
      expect(body.endpoint).toMatch(/^https:\/\/push\.example\.test\/send\//);
      await page.getByRole('button', { name: 'Turn off notifications on this device' }).waitFor();
      await page.getByText('On', { exact: true }).waitFor();
      // The real service worker is what subscribed.
      expect(await page.evaluate(async () => Boolean(await navigator.serviceWorker.getRegistration()))).toBe(
        true,
      );
      await screenshot(page, '44-push-on');
      expect(await pushRows(platform)).toEqual([
        { endpoint: body.endpoint, p256dh: 'BPublicKeyOfTheBrowser_-1234567890' },
      ]);

      const removed = page.waitForResponse(
        (response) =>
          response.request().method() === 'DELETE' && response.url().includes('/push/subscriptions/'),
      );
      await page.getByRole('button', { name: 'Turn off notifications on this device' }).click();
      expect((await removed).status()).toBe(204);
      await page.getByRole('button', { name: 'Turn on notifications on this device' }).waitFor();
      await eventually(() => pushRows(platform)).toEqual([]);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
