// The buyer's story in a real browser (Debian's Chromium) on a phone-sized screen: find an
// event, pick two seats on the seat map, pay, see the QR tickets — while a second phone
// watching the same event sees those seats turn sold without reloading. A declined card
// shows the error and gives the seats back. The festival's on-sale has a waiting room: buyers
// join the line, see their position live, and are let in to the quantity picker.
// Runs in `npm run test:full` only.
import { createHash } from 'node:crypto';
import type { QueuePlaceView } from '@ticketing/contracts';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestPlatform, TEST_ADMIN, type TestPlatform } from '../../../../tools/test/platform.js';
import {
  BROWSER_TEST_TIMEOUT_MS,
  browserTestsEnabled,
  DEMO_PASSWORD,
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

/**
 * The waiting room lets people in every few seconds here, so a test can see a position before
 * its turn (and knows when a step has just happened); the seeded room admits 500 a minute.
 */
const ADMIT_INTERVAL_MS = 6_000;

/** The festival's waiting room, from the event page: join, wait, and be let in to the tickets. */
async function passWaitingRoom(page: Page): Promise<void> {
  await page.getByRole('link', { name: 'Join the line' }).click();
  await page.getByRole('heading', { name: 'Waiting room' }).waitFor();
  await page.getByText('It’s your turn', { exact: false }).first().waitFor();
  await page.getByRole('heading', { name: 'Tickets', exact: true }).waitFor();
}

describe.skipIf(!browserTestsEnabled)('web app: buying tickets on a phone', () => {
  let platform: TestPlatform;
  let browser: Browser;

  beforeAll(async () => {
    requireBrowserPrerequisites();
    [platform, browser] = await Promise.all([
      startTestPlatform({ seed: true, env: { TICKET_QUEUE_ADMIT_INTERVAL_MS: String(ADMIT_INTERVAL_MS) } }),
      launchChromium(),
    ]);
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

      // General admission: a quantity picker instead of a seat map, behind the festival's waiting room.
      await buyer.goto('/?q=Riverside');
      await buyer.getByRole('link', { name: /Riverside Sound Festival/ }).click();
      await passWaitingRoom(buyer);
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

  test(
    'a buyer joins the festival’s waiting room, sees a live position, is let in and buys general admission',
    async () => {
      const call = async <T>(method: string, path: string, token?: string, body?: unknown): Promise<T> => {
        const response = await fetch(`${platform.gatewayUrl}${path}`, {
          method,
          headers: {
            ...(token && { authorization: `Bearer ${token}` }),
            ...(body !== undefined && { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await response.text();
        if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
        return JSON.parse(text) as T;
      };
      const logInApi = async (username: string, password = DEMO_PASSWORD) =>
        (await call<{ accessToken: string }>('POST', '/api/v1/auth/login', undefined, { username, password }))
          .accessToken;
      /** Joins as a script would: the challenge solved with node's sha256, as the ticket service checks it. */
      const joinLine = async (token: string, eventId: string) => {
        const { challenge, difficulty } = await call<{ challenge: string; difficulty: number }>(
          'GET',
          `/api/v1/events/${eventId}/queue/challenge`,
          token,
        );
        let nonce = 0;
        const zeroBits = (digest: Buffer) => {
          let bits = 0;
          for (const byte of digest) {
            if (byte !== 0) return bits + Math.clz32(byte) - 24;
            bits += 8;
          }
          return bits;
        };
        while (zeroBits(createHash('sha256').update(`${challenge}${nonce}`).digest()) < difficulty) nonce++;
        return call<QueuePlaceView>('POST', `/api/v1/events/${eventId}/queue`, token, {
          challenge,
          nonce: String(nonce),
        });
      };
      /** Follows a place's stream until it is let in: an admission step has just run. */
      const admitted = async (token: string, placeId: string) => {
        const response = await fetch(`${platform.gatewayUrl}/api/v1/queue/${placeId}/stream`, {
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(20_000),
        });
        const text = await response.text(); // the stream ends once the place is admitted
        expect(text).toContain('"status":"ADMITTED"');
      };

      const festival = (
        await call<{ items: { id: string; title: string }[] }>('GET', '/api/v1/events?q=Riverside')
      ).items.find((event) => event.title === 'Riverside Sound Festival');
      expect(festival).toBeDefined();
      const eventId = festival!.id;
      const room = await call<{ enabled: boolean }>('GET', `/api/v1/events/${eventId}/waiting-room`);
      expect(room.enabled).toBe(true);

      await call('POST', '/api/v1/auth/register', undefined, {
        username: 'festival-fan',
        email: 'festival-fan@example.com',
        password: DEMO_PASSWORD,
        firstName: 'Festival',
        lastName: 'Fan',
      });
      const fan = await (await phoneContext(browser, platform.gatewayUrl)).newPage();
      await logIn(fan, 'festival-fan');
      await fan.goto(`/events/${eventId}`);
      await fan.getByRole('link', { name: 'Join the line' }).waitFor();
      // No quantity picker before the turn: the tickets are bought with an admission.
      expect(await fan.getByRole('button', { name: /^One .* ticket more$/ }).count()).toBe(0);
      await screenshot(fan, '17-event-waiting-room');

      // Just after an admission step, two others join, then the fan: third in line for a few seconds.
      const [admin, staff, organizer] = await Promise.all([
        logInApi(TEST_ADMIN.username, TEST_ADMIN.password),
        logInApi('staff'),
        logInApi('organizer'),
      ]);
      const pacer = await joinLine(admin!, eventId);
      if (pacer.status === 'WAITING') await admitted(admin!, pacer.id);
      for (const token of [staff!, organizer!])
        expect((await joinLine(token, eventId)).status).toBe('WAITING');
      // The proof-of-work runs in a Web Worker, off the page's thread.
      const workers: string[] = [];
      fan.on('worker', (worker) => workers.push(worker.url()));
      await fan.getByRole('link', { name: 'Join the line' }).click();
      await fan.getByRole('heading', { name: 'Waiting room' }).waitFor();
      await eventually(() => workers.some((url) => url.includes('proof-of-work'))).toBe(true);
      await eventually(() => fan.locator('.queue-position').textContent()).toBe('3');
      await fan.getByRole('status').filter({ hasText: 'You are number 3 in line.' }).waitFor();
      await fan.getByText('Live', { exact: true }).waitFor();
      await screenshot(fan, '18-waiting-room-position');

      // The next step lets all three in; the page keeps the token and goes on to the tickets.
      await fan.getByText('It’s your turn', { exact: false }).first().waitFor();
      await fan.getByRole('heading', { name: 'Riverside Sound Festival' }).waitFor();
      const more = fan.getByRole('button', { name: 'One Day Pass ticket more' });
      await more.click();
      await more.click();
      await fan.getByText('2 tickets').waitFor();
      await screenshot(fan, '19-waiting-room-admitted');
      const stored = await fan.evaluate(() =>
        Object.keys(sessionStorage).filter((key) => key.startsWith('ticketing.queue.')),
      );
      expect(stored).toHaveLength(1);

      // The hold and the order go with the admission token (Queue-Token).
      await fan.getByRole('button', { name: 'Hold and check out' }).click();
      await fan.getByRole('heading', { name: 'Checkout' }).waitFor();
      await eventually(() => fan.getByRole('list', { name: 'Your tickets' }).textContent()).toContain(
        'Day Pass',
      );
      await screenshot(fan, '19b-checkout-after-waiting-room');
      await payWithCard(fan, '4242424242424242');
      await fan.getByRole('heading', { name: 'Your tickets' }).waitFor();

      // A token the hold route refuses (403 queue_token_invalid) sends the buyer back to the
      // waiting page, which finds the place still admitted and brings a good token.
      await fan.evaluate(() => {
        for (const key of Object.keys(sessionStorage)) {
          if (!key.startsWith('ticketing.queue.')) continue;
          const place = JSON.parse(sessionStorage.getItem(key)!);
          sessionStorage.setItem(key, JSON.stringify({ ...place, admissionToken: 'not-a-token' }));
        }
      });
      await fan.goto(`/events/${eventId}`);
      await fan.getByRole('button', { name: 'One Day Pass ticket more' }).click();
      await fan.getByRole('button', { name: 'Hold and check out' }).click();
      await fan.getByRole('heading', { name: 'Waiting room' }).waitFor();
      await fan.getByRole('heading', { name: 'Riverside Sound Festival' }).waitFor();
      await fan.getByRole('button', { name: 'One Day Pass ticket more' }).click();
      await fan.getByRole('button', { name: 'Hold and check out' }).click();
      await fan.getByRole('heading', { name: 'Checkout' }).waitFor();
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
