// An admin's on-sale protection in a real browser on a phone-sized screen: a buyer's network
// reaches the per-range purchase cap, the admin sees the block on the event's page and lifts
// it, then switches the event's waiting room on and off again during the sale. Runs in
// `npm run test:full` (or with TEST_BROWSER=1) after `npm run build`.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call } from '../../../../tools/test/http.js';
import { startTestPlatform, TEST_ADMIN, type TestPlatform } from '../../../../tools/test/platform.js';
import {
  BROWSER_TEST_TIMEOUT_MS,
  browserTestsEnabled,
  DEMO_PASSWORD,
  eventually,
  launchChromium,
  logIn,
  phoneContext,
  requireBrowserPrerequisites,
  screenshot,
} from './browser';

describe.skipIf(!browserTestsEnabled)('web app: on-sale protection in the admin panel', () => {
  let platform: TestPlatform;
  let browser: Browser;

  beforeAll(async () => {
    requireBrowserPrerequisites();
    [platform, browser] = await Promise.all([
      startTestPlatform({
        seed: true,
        // Every request comes from 127.0.0.1: a cap of two tickets per network is reached at once.
        env: { ORDER_MAX_TICKETS_PER_IP_RANGE: '2', PAYMENT_MAX_TICKETS_PER_CARD: '0' },
      }),
      launchChromium(),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  /** An event on sale with 20 standing tickets, made by the admin through the API. */
  async function eventOnSale(adminToken: string): Promise<{ id: string; standing: string }> {
    const startsAt = new Date(Date.now() + 40 * 86_400_000);
    const created = await call(platform.gatewayUrl, 'POST', '/api/v1/events', {
      token: adminToken,
      body: {
        title: 'Protected Night',
        description: 'An on-sale with caps.',
        location: 'Cap Hall',
        eventType: 'CONCERT',
        startsAt: startsAt.toISOString(),
        endsAt: new Date(startsAt.getTime() + 3 * 3_600_000).toISOString(),
        currency: 'EUR',
        basePrice: 2500,
        ticketTypes: [{ name: 'Standing', price: 2500, quantity: 20 }],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const published = await call(platform.gatewayUrl, 'POST', `/api/v1/events/${created.body.id}/publish`, {
      token: adminToken,
    });
    expect(published.status, JSON.stringify(published.body)).toBe(200);
    return { id: created.body.id, standing: created.body.ticketTypes[0].id };
  }

  async function buy(token: string, event: { id: string; standing: string }, quantity: number) {
    const hold = await call(platform.gatewayUrl, 'POST', '/api/v1/holds', {
      token,
      body: { eventId: event.id, items: [{ ticketTypeId: event.standing, quantity }] },
    });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    return call(platform.gatewayUrl, 'POST', '/api/v1/orders', {
      token,
      headers: { 'idempotency-key': `web-e2e-caps-${hold.body.id}` },
      body: {
        holdId: hold.body.id,
        payment: {
          method: 'card',
          card: { number: '4242424242424242', expMonth: 12, expYear: 2040, cvc: '123' },
        },
      },
    });
  }

  test(
    'an admin sees a network at its cap, lifts the block, and switches the waiting room during the sale',
    async () => {
      const adminToken = (
        await call(platform.gatewayUrl, 'POST', '/api/v1/auth/login', {
          body: { username: TEST_ADMIN.username, password: TEST_ADMIN.password },
        })
      ).body.accessToken as string;
      const buyerToken = (
        await call(platform.gatewayUrl, 'POST', '/api/v1/auth/login', {
          body: { username: 'buyer', password: DEMO_PASSWORD },
        })
      ).body.accessToken as string;
      const event = await eventOnSale(adminToken);
      expect((await buy(buyerToken, event, 2)).status).toBe(201);
      const refused = await buy(buyerToken, event, 1);
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe('ip_range_limit_reached');

      const admin = await (await phoneContext(browser, platform.gatewayUrl)).newPage();
      await logIn(admin, TEST_ADMIN.username, TEST_ADMIN.password);
      await admin.goto(`/admin/events/${event.id}`);
      await admin.getByRole('heading', { name: 'On-sale protection' }).waitFor();
      const row = admin.getByRole('listitem', { name: 'Network 127.0.0.0/24' });
      await row.waitFor();
      expect(await row.textContent()).toContain('2 / 2');
      await screenshot(admin, '51-admin-purchase-blocks');

      await row.getByLabel('Reason', { exact: true }).fill('one family, checked by phone');
      await row.getByRole('button', { name: 'Lift' }).click();
      await eventually(() => row.textContent()).toContain('2 / 4');
      expect((await buy(buyerToken, event, 1)).status).toBe(201);

      await admin.getByText('Off: buyers hold tickets directly.').waitFor();
      await admin.getByLabel('Reason (recorded)').fill('bots at the door');
      await admin.getByRole('button', { name: 'Switch on' }).click();
      await admin.getByText('The waiting room is on').waitFor();
      await screenshot(admin, '52-admin-waiting-room-on');
      await admin.getByLabel('Reason (recorded)').fill('the rush is over');
      await admin.getByRole('button', { name: 'Switch off and let everyone waiting in' }).click();
      await admin.getByText(/The waiting room is off: 0 waiting buyers were let through/).waitFor();
      await screenshot(admin, '53-admin-waiting-room-off');
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
