// Checkout with Stripe Elements in a real browser (Debian's Chromium), when the platform says it
// charges through Stripe: the card field is Stripe's, and the order carries the PaymentMethod id
// Stripe.js made, never a card number. When Stripe.js cannot load, the page says card payment is
// unavailable (and can try again) instead of breaking. Runs in `npm run test:full` only.
//
// This machine cannot reach js.stripe.com, and the test platform runs the sandbox gateway, so two
// things are stood in for: the payments-config answer (routed to `provider: stripe`) and Stripe.js
// itself — FAKE_STRIPE_JS below is a test double of that third-party script, implementing only
// the calls checkout makes (Stripe(), elements().create('card'), mount/on/destroy,
// createPaymentMethod). The rest is real: the gateway's CSP lets the script in, the order goes
// to the platform, and the sandbox's answer to a Stripe token is shown.
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call } from '../../../../tools/test/http.js';
import { startTestPlatform, type TestPlatform } from '../../../../tools/test/platform.js';
import {
  BROWSER_TEST_TIMEOUT_MS,
  browserTestsEnabled,
  DEMO_PASSWORD,
  launchChromium,
  logIn,
  phoneContext,
  requireBrowserPrerequisites,
  screenshot,
} from './browser';

const PUBLISHABLE_KEY = 'pk_test_webAppEndToEndTest0000';
const PAYMENT_METHOD_ID = 'pm_1TestDoubleOfStripeJs';

const FAKE_STRIPE_JS = `(() => {
  const calls = (window.__stripeCalls = []);
  window.Stripe = function Stripe(publishableKey) {
    calls.push(['Stripe', publishableKey]);
    let input = null;
    return {
      elements() {
        return {
          create(type) {
            calls.push(['create', type]);
            const handlers = {};
            return {
              mount(target) {
                const host = typeof target === 'string' ? document.querySelector(target) : target;
                input = document.createElement('input');
                input.setAttribute('aria-label', 'Stripe card number');
                input.className = 'fake-stripe-input';
                input.addEventListener('input', () => handlers.change && handlers.change({ error: undefined }));
                host.appendChild(input);
                calls.push(['mount']);
              },
              on(name, handler) { handlers[name] = handler; },
              destroy() { input && input.remove(); input = null; },
            };
          },
        };
      },
      async createPaymentMethod(options) {
        calls.push(['createPaymentMethod', options.type, Boolean(options.card)]);
        if (!input || input.value.replace(/ /g, '').length < 16)
          return { error: { type: 'validation_error', message: 'Your card number is incomplete.' } };
        return { paymentMethod: { id: '${PAYMENT_METHOD_ID}', type: 'card' } };
      },
    };
  };
  window.Stripe.version = 'endive';
})();`;

describe.skipIf(!browserTestsEnabled)('web app: checkout with Stripe Elements', () => {
  let platform: TestPlatform;
  let browser: Browser;
  let eventId: string;
  let token: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    requireBrowserPrerequisites();
    [platform, browser] = await Promise.all([startTestPlatform({ seed: true }), launchChromium()]);
    const login = await call(platform.gatewayUrl, 'POST', '/api/v1/auth/login', {
      body: { username: 'buyer', password: DEMO_PASSWORD },
    });
    token = login.body.accessToken;
    const events = await call(platform.gatewayUrl, 'GET', '/api/v1/events?q=Symphony');
    eventId = events.body.items[0].id;
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await platform?.stop();
  });

  /** The buyer's checkout page for a fresh one-seat hold, with Stripe announced by the platform. */
  async function stripeCheckout(stripeJs: 'served' | 'unreachable'): Promise<Page> {
    const hold = await call(platform.gatewayUrl, 'POST', '/api/v1/holds', {
      token,
      body: { eventId, best: { quantity: 1 } },
    });
    expect(hold.status).toBe(201);
    const context = await phoneContext(browser, platform.gatewayUrl);
    contexts.push(context);
    const page = await context.newPage();
    await page.route('**/api/v1/payments/config', (route) =>
      route.fulfill({ json: { provider: 'stripe', publishableKey: PUBLISHABLE_KEY } }),
    );
    await page.route('https://js.stripe.com/**', (route) =>
      stripeJs === 'served'
        ? route.fulfill({ contentType: 'application/javascript', body: FAKE_STRIPE_JS })
        : route.abort('internetdisconnected'),
    );
    await logIn(page, 'buyer');
    await page.goto(`/checkout/${hold.body.id}`);
    await page.getByRole('heading', { name: 'Pay by card' }).waitFor();
    return page;
  }

  test(
    'the card goes into Stripe’s field and the order carries the PaymentMethod id',
    async () => {
      const page = await stripeCheckout('served');
      const cardField = page.getByRole('group', { name: 'Card' });
      await cardField.getByLabel('Stripe card number').waitFor();
      // No card form of our own: the number is typed into Stripe's element only.
      expect(await page.getByLabel('Card number', { exact: true }).count()).toBe(0);
      expect(
        await page.evaluate(() => (window as unknown as { __stripeCalls: unknown[] }).__stripeCalls),
      ).toEqual([['Stripe', PUBLISHABLE_KEY], ['create', 'card'], ['mount']]);
      await screenshot(page, '45-checkout-stripe');

      // Stripe.js refuses an incomplete card: its message shows under the field, nothing is ordered.
      const orders: Request[] = [];
      page.on('request', (request) => {
        if (request.method() === 'POST' && request.url().endsWith('/api/v1/orders')) orders.push(request);
      });
      await page.getByRole('button', { name: /^Pay / }).click();
      await page.getByRole('alert').filter({ hasText: 'Your card number is incomplete.' }).waitFor();
      await screenshot(page, '46-checkout-stripe-card-error');
      expect(orders).toEqual([]);

      await cardField.getByLabel('Stripe card number').fill('4242 4242 4242 4242');
      await expect.poll(() => page.getByRole('alert').filter({ hasText: 'incomplete' }).count()).toBe(0);
      const ordered = page.waitForRequest(
        (request) => request.method() === 'POST' && request.url().endsWith('/api/v1/orders'),
      );
      await page.getByRole('button', { name: /^Pay / }).click();
      const body = (await ordered).postDataJSON();
      expect(body.payment).toEqual({ method: 'card', token: PAYMENT_METHOD_ID });
      expect(JSON.stringify(body)).not.toContain('4242');
      // The test platform charges through the sandbox, which refuses Stripe tokens: its answer shows.
      await page.getByRole('alert').filter({ hasText: /token/i }).first().waitFor();
      await screenshot(page, '47-checkout-stripe-sandbox-answer');
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  test(
    'when Stripe.js cannot load, card payment is unavailable and the page offers to try again',
    async () => {
      const page = await stripeCheckout('unreachable');
      await page.getByText('Card payment is unavailable right now.').waitFor();
      expect(await page.getByRole('button', { name: /^Pay / }).isDisabled()).toBe(true);
      // The seats can still be given back.
      expect(await page.getByRole('button', { name: 'Release the seats' }).isEnabled()).toBe(true);
      await screenshot(page, '48-checkout-stripe-unavailable');

      // Back online: trying again mounts the card field.
      await page.unroute('https://js.stripe.com/**');
      await page.route('https://js.stripe.com/**', (route) =>
        route.fulfill({ contentType: 'application/javascript', body: FAKE_STRIPE_JS }),
      );
      await page.getByRole('button', { name: 'Try again' }).click();
      await page.getByRole('group', { name: 'Card' }).getByLabel('Stripe card number').waitFor();
      expect(await page.getByRole('button', { name: /^Pay / }).isEnabled()).toBe(true);
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
