// The buyer's story in a real browser (Debian's Chromium) on a phone-sized screen: find an
// event, pick two seats on the seat map, pay, see the QR tickets — while a second phone
// watching the same event sees those seats turn sold without reloading. A declined card
// shows the error and gives the seats back. Runs in `npm run test:full` only.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../../../tools/test/platform.js';
import {
  BROWSER_TEST_TIMEOUT_MS,
  browserTestsEnabled,
  eventually,
  launchChromium,
  logIn,
  payWithCard,
  phoneContext,
  requireBrowserPrerequisites,
  screenshot,
} from './browser';

const seat = (page: Page, row: string, number: number) =>
  page.locator(`[role="button"][aria-label^="Parterre, row ${row} seat ${number},"]`);

describe.skipIf(!browserTestsEnabled)('web app: buying tickets on a phone', () => {
  let platform: TestPlatform;
  let browser: Browser;

  beforeAll(async () => {
    requireBrowserPrerequisites();
    [platform, browser] = await Promise.all([startTestPlatform({ seed: true }), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  test(
    'a buyer picks two seats and pays; another phone sees them sold live; a declined card gives seats back',
    async () => {
      const buyer = await (await phoneContext(browser, platform.gatewayUrl)).newPage();
      const watcher = await (await phoneContext(browser, platform.gatewayUrl)).newPage();

      // Find the event.
      await buyer.goto('/');
      await buyer.getByRole('heading', { name: 'Find events' }).waitFor();
      await screenshot(buyer, '01-events');
      await buyer.getByLabel('Search events').fill('no such event anywhere');
      await buyer.getByRole('button', { name: 'Search' }).click();
      await buyer.getByText('No events match your search').waitFor();
      await screenshot(buyer, '02-events-empty-search');
      await buyer.getByLabel('Search events').fill('Symphony');
      await buyer.getByRole('button', { name: 'Search' }).click();
      await buyer.getByRole('link', { name: /Midsummer Symphony Gala/ }).click();
      await buyer.getByRole('heading', { name: 'Midsummer Symphony Gala' }).waitFor();
      const eventUrl = buyer.url();
      await seat(buyer, 'A', 5).waitFor();
      await buyer.getByText('Live').waitFor();
      await screenshot(buyer, '03-event-seat-map-visitor');

      // The second phone watches the same event, and never reloads.
      await watcher.goto(eventUrl);
      await seat(watcher, 'A', 5).waitFor();
      await watcher.getByText('Live').waitFor();

      await logIn(buyer, 'buyer');
      await buyer.goto(eventUrl);
      // One seat by a tap, then zoomed in, one by keyboard (focus brings it into view).
      await seat(buyer, 'A', 5).click();
      await buyer.getByRole('button', { name: 'Zoom in' }).click();
      await seat(buyer, 'A', 6).focus();
      await buyer.keyboard.press('Enter');
      await eventually(() => seat(buyer, 'A', 6).getAttribute('aria-pressed')).toBe('true');
      // Arrow keys walk along the row; the map is one tab stop.
      await buyer.keyboard.press('ArrowRight');
      await eventually(() =>
        buyer.evaluate(() => document.activeElement?.getAttribute('aria-label')),
      ).toMatch(/^Parterre, row A seat 7,/);
      await eventually(() => buyer.locator('.seat[tabindex="0"]').count()).toBe(1);
      await eventually(() => seat(buyer, 'A', 5).getAttribute('aria-label')).toMatch(
        /, VIP, 129\.00 EUR, selected$/,
      );
      await buyer.getByText('2 tickets').waitFor();
      await screenshot(buyer, '04-event-two-seats-selected');

      await buyer.getByRole('button', { name: 'Hold and check out' }).click();
      await buyer.getByRole('heading', { name: 'Checkout' }).waitFor();
      await eventually(() => buyer.getByRole('timer').textContent()).toMatch(/held for \d+:\d\d/);
      // Held seats turn unavailable on the watcher's map at once.
      await watcher.locator('[aria-label^="Parterre, row A seat 5,"][data-status="LOCKED"]').waitFor();
      await screenshot(buyer, '05-checkout');

      await payWithCard(buyer, '4242424242424242');
      await buyer.getByRole('heading', { name: 'Your tickets' }).waitFor();
      const orderPath = new URL(buyer.url()).pathname;
      const qrCodes = buyer.getByRole('img', { name: /^QR code of Parterre · Row A · Seat [56]$/ });
      await eventually(() => qrCodes.count()).toBe(2);
      await screenshot(buyer, '06-order-confirmation');

      for (const number of [5, 6])
        await watcher
          .locator(`[aria-label^="Parterre, row A seat ${number},"][data-status="SOLD"]`)
          .waitFor();
      await eventually(() => seat(watcher, 'A', 5).getAttribute('aria-label')).toMatch(/, sold$/);
      await screenshot(watcher, '07-watcher-sees-seats-sold');

      // General admission: a quantity picker instead of a seat map.
      await buyer.goto('/?q=Riverside');
      await buyer.getByRole('link', { name: /Riverside Sound Festival/ }).click();
      await buyer.getByRole('heading', { name: 'Tickets', exact: true }).waitFor();
      const more = buyer.getByRole('button', { name: /^One .* ticket more$/ }).first();
      await more.click();
      await more.click();
      await buyer.getByText('2 tickets').waitFor();
      await screenshot(buyer, '07b-event-general-admission');

      // A declined card: the error shows, and the seats come back on both phones.
      await buyer.goto(eventUrl);
      await seat(buyer, 'A', 9).click();
      await seat(buyer, 'A', 10).click();
      await buyer.getByRole('button', { name: 'Hold and check out' }).click();
      await watcher.locator('[aria-label^="Parterre, row A seat 9,"][data-status="LOCKED"]').waitFor();
      await payWithCard(buyer, '4000000000000002');
      await eventually(() => buyer.locator('.alert-error').textContent()).toContain('Payment failed');
      await eventually(() => buyer.locator('.alert-error').textContent()).toContain(
        'Your seats were released',
      );
      await screenshot(buyer, '08-checkout-card-declined');
      for (const number of [9, 10])
        await watcher
          .locator(`[aria-label^="Parterre, row A seat ${number},"][data-status="AVAILABLE"]`)
          .waitFor();
      await buyer.getByRole('link', { name: 'Pick seats again' }).click();
      await eventually(() => seat(buyer, 'A', 9).getAttribute('data-status')).toBe('AVAILABLE');

      // A bad card number is named next to its field, and the hold is kept for another try.
      await seat(buyer, 'A', 11).click();
      await buyer.getByRole('button', { name: 'Hold and check out' }).click();
      await payWithCard(buyer, '12');
      await eventually(() => buyer.locator('.field-invalid').first().textContent()).toContain('Card number');
      await screenshot(buyer, '09-checkout-field-error');
      await buyer.getByRole('button', { name: 'Release the seats' }).click();
      await buyer.getByRole('heading', { name: 'Midsummer Symphony Gala' }).waitFor();

      // The buyer's account: tickets (kept for offline use), orders with cancel and refund, notifications.
      await buyer.goto('/account/tickets');
      await eventually(() => buyer.getByRole('img', { name: /^QR code of / }).count()).toBe(2);
      await screenshot(buyer, '10-my-tickets');
      const stored = await buyer.evaluate(() =>
        Object.keys(localStorage).filter((key) => key.startsWith('ticketing.tickets.')),
      );
      expect(stored).toHaveLength(1);
      // At a venue without signal: the service worker opens the app, the tickets come from the device.
      await buyer.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
      await buyer.reload();
      await buyer.waitForLoadState('networkidle');
      await buyer.context().setOffline(true);
      await buyer.reload();
      await buyer.getByText('You are offline').waitFor();
      await buyer.getByRole('heading', { name: 'Midsummer Symphony Gala' }).waitFor();
      await eventually(() => buyer.getByRole('img', { name: /^QR code of / }).count()).toBe(2);
      await screenshot(buyer, '10b-my-tickets-offline');
      await buyer.context().setOffline(false);

      await buyer.goto('/account/orders');
      await buyer.getByRole('heading', { name: 'My orders' }).waitFor();
      await screenshot(buyer, '11-my-orders');
      const paidOrder = buyer.locator(`.order-row:has(a[href="${orderPath}"])`);
      await paidOrder.getByRole('button', { name: 'Cancel order' }).click();
      await paidOrder.getByRole('button', { name: /^Refund / }).click();
      await eventually(() => paidOrder.locator('.badge').textContent()).toMatch(/cancel/);
      await screenshot(buyer, '12-my-orders-cancelled');

      await buyer.goto('/account/notifications');
      await buyer.getByRole('heading', { name: 'Preferences' }).waitFor();
      // The box follows the server's answer, so it is clicked, then awaited.
      await buyer.getByRole('checkbox', { name: 'Event reminders by sms' }).click();
      await eventually(() =>
        buyer.getByRole('checkbox', { name: 'Event reminders by sms' }).isChecked(),
      ).toBe(true);
      await screenshot(buyer, '13-notifications');

      await buyer.goto('/account');
      await buyer.getByLabel('Email').fill('not-an-email');
      await buyer.getByRole('button', { name: 'Save profile' }).click();
      await eventually(() => buyer.locator('.field-invalid').first().textContent()).toContain('Email');
      await screenshot(buyer, '14-account-field-error');
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  test(
    'registering shows the server’s message next to the field it names',
    async () => {
      const page = await (await phoneContext(browser, platform.gatewayUrl)).newPage();
      await page.goto('/register');
      await page.getByLabel('First name').fill('Ada');
      await page.getByLabel('Last name').fill('Lovelace');
      await page.getByLabel('Username').fill('buyer'); // taken by the demo data
      await page.getByLabel('Email').fill('ada@example.com');
      await page.getByLabel('Password').fill('correct horse 9');
      await page.getByRole('button', { name: 'Create account' }).click();
      await eventually(() => page.locator('.field-invalid').first().textContent()).toContain('Username');
      await screenshot(page, '15-register-username-taken');
      await page.getByLabel('Username').fill('ada');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('button', { name: 'Log out' }).waitFor();

      await page.goto('/login');
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.goto('/login');
      await page.getByLabel('Username or email').fill('ada');
      await page.getByLabel('Password').fill('wrong password');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.locator('.alert-error').waitFor();
      await screenshot(page, '16-login-wrong-password');
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
