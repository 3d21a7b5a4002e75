// The organizer's and the door's side in a real browser on a phone-sized screen: an admin
// creates an event with a seated section (watching the seat-map preview), publishes it and
// sees its sales; staff scan a ticket twice and the second scan says when it was first
// scanned. The first scan goes through the camera scanner, fed a video of the QR code. Runs in
// `npm run test:full` only.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  qrCodeCamera,
  requireBrowserPrerequisites,
  screenshot,
} from './browser';

/** "2027-01-02T19:30" (datetime-local) this many days ahead. */
function localDateTime(daysAhead: number, hour: number): string {
  const day = new Date(Date.now() + daysAhead * 86_400_000);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}T${pad(hour)}:00`;
}

/** A buyer buys one ticket of the event through the API and gets its e-ticket code. */
async function buyOneTicket(gatewayUrl: string, eventId: string): Promise<string> {
  const login = await call(gatewayUrl, 'POST', '/api/v1/auth/login', {
    body: { username: 'buyer', password: DEMO_PASSWORD },
  });
  const token = login.body.accessToken as string;
  const hold = await call(gatewayUrl, 'POST', '/api/v1/holds', {
    token,
    body: { eventId, best: { quantity: 1 } },
  });
  expect(hold.status).toBe(201);
  const order = await call(gatewayUrl, 'POST', '/api/v1/orders', {
    token,
    headers: { 'idempotency-key': `web-e2e-${hold.body.id}` },
    body: {
      holdId: hold.body.id,
      payment: {
        method: 'card',
        card: { number: '4242424242424242', expMonth: 12, expYear: 2040, cvc: '123' },
      },
    },
  });
  expect(order.status).toBe(201);
  return order.body.tickets[0].code as string;
}

/**
 * The door opens TICKET_CHECK_IN_OPENS_BEFORE_MINUTES (two hours) before a show, and staff scan
 * only the events of organizers they work for: the admin moves the show to tonight and lets the
 * demo staff account scan the admin's own events.
 */
async function openTheDoor(gatewayUrl: string, eventId: string): Promise<void> {
  const admin = await call(gatewayUrl, 'POST', '/api/v1/auth/login', {
    body: { username: TEST_ADMIN.username, password: TEST_ADMIN.password },
  });
  const token = admin.body.accessToken as string;
  const moved = await call(gatewayUrl, 'PATCH', `/api/v1/events/${eventId}`, {
    token,
    body: {
      startsAt: new Date(Date.now() + 30 * 60_000).toISOString(),
      endsAt: new Date(Date.now() + 3 * 3_600_000).toISOString(),
    },
  });
  expect(moved.status, JSON.stringify(moved.body)).toBe(200);
  const staff = await call(gatewayUrl, 'GET', '/api/v1/users?q=staff&role=STAFF', { token });
  const staffId = staff.body.items.find((user: { username: string }) => user.username === 'staff').id;
  const assigned = await call(gatewayUrl, 'PUT', `/api/v1/checkin/staff/${staffId}`, { token });
  expect(assigned.status, JSON.stringify(assigned.body)).toBe(200);
}

describe.skipIf(!browserTestsEnabled)('web app: admin panel and check-in on a phone', () => {
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
    'an admin creates and publishes an event, staff scan its ticket twice',
    async () => {
      const admin = await (await phoneContext(browser, platform.gatewayUrl)).newPage();
      await logIn(admin, TEST_ADMIN.username, TEST_ADMIN.password);
      await admin.getByRole('link', { name: 'Admin' }).click();
      await admin.getByRole('heading', { name: 'Events' }).waitFor();
      await screenshot(admin, '20-admin-events');

      await admin.getByRole('link', { name: 'New event' }).click();
      await admin.getByRole('heading', { name: 'New event' }).waitFor();
      // Nothing filled in: the server's message shows beside the field it names.
      await admin.getByRole('button', { name: 'Create and publish' }).click();
      await admin.locator('.field-invalid').first().waitFor();
      await screenshot(admin, '21-admin-new-event-errors');

      await admin.getByLabel('Title').fill('Browser Test Night');
      await admin.getByLabel('Description').fill('Made by the web app’s end-to-end test.');
      await admin.getByLabel('Venue address').fill('Test Hall, Teststraße 1');
      await admin.getByLabel('City').fill('Berlin');
      await admin.getByLabel('Starts').fill(localDateTime(40, 19));
      await admin.getByLabel('Ends').fill(localDateTime(40, 22));
      await admin.getByLabel('Rows', { exact: true }).fill('5');
      await admin.getByLabel('Seats per row').fill('12');
      await admin.getByLabel('Category').fill('PREMIUM');
      // The preview follows what is typed.
      await eventually(() => admin.locator('.venue-preview figcaption').textContent()).toContain('60 seats');
      await eventually(() => admin.locator('.venue-preview circle').count()).toBe(60);
      await screenshot(admin, '22-admin-new-event-preview');

      await admin.getByRole('button', { name: 'Create and publish' }).click();
      await admin.getByRole('heading', { name: 'Browser Test Night' }).waitFor();
      await eventually(() => admin.locator('.badge').first().textContent()).toBe('published');
      const eventId = new URL(admin.url()).pathname.split('/').pop()!;
      await admin.getByText('No sales yet.').waitFor();
      await screenshot(admin, '23-admin-event-published');

      // On sale, only its details may change.
      await admin.getByRole('link', { name: 'Edit' }).click();
      await admin.getByRole('heading', { name: 'Edit Browser Test Night' }).waitFor();
      await admin.getByText('The event is on sale').waitFor();
      await admin.getByLabel('Title').fill('Browser Test Night: Late Show');
      await screenshot(admin, '23b-admin-edit-published-event');
      await admin.getByRole('button', { name: 'Save changes' }).click();
      await admin
        .getByRole('heading', { name: 'Browser Test Night: Late Show' })
        .or(admin.locator('.alert-error, .field-error'))
        .first()
        .waitFor();
      expect(await admin.locator('.alert-error, .field-error').allTextContents()).toEqual([]);

      // Buyers see it in the shop, and buy.
      const code = await buyOneTicket(platform.gatewayUrl, eventId);
      await admin.reload();
      await admin.getByRole('heading', { name: 'Tickets sold over time' }).waitFor();
      await eventually(() => admin.locator('.figures dd').first().textContent()).toBe('1 / 60');
      await admin.locator('.recharts-surface').first().waitFor();
      await screenshot(admin, '24-admin-sales-dashboard');

      for (const [link, heading, name] of [
        ['Orders', 'Orders', '25-admin-orders'],
        ['Users', 'Users', '26-admin-users'],
        ['Templates', 'Notification templates', '27-admin-templates'],
        ['Mailbox', 'Mailbox', '28-admin-mailbox'],
        ['Health', 'Service health', '29-admin-health'],
      ] as const) {
        await admin.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: link }).click();
        await admin.getByRole('heading', { name: heading }).waitFor();
        await admin.locator('.loading').waitFor({ state: 'detached' });
        if (link === 'Templates') {
          await admin.getByRole('button', { name: 'Preview' }).click();
          await admin.getByRole('region', { name: 'Preview' }).waitFor();
        }
        if (link === 'Health') await eventually(() => admin.locator('.health-grid li').count()).toBe(6);
        await screenshot(admin, name);
      }

      await openTheDoor(platform.gatewayUrl, eventId);
      // At the door: the camera films the e-ticket (Chromium's fake camera plays a video of its QR code).
      const cameraDir = await mkdtemp(join(tmpdir(), 'web-e2e-camera-'));
      const doorBrowser = await launchChromium(await qrCodeCamera(code, cameraDir));
      try {
        const staff = await (await phoneContext(doorBrowser, platform.gatewayUrl)).newPage();
        await logIn(staff, 'staff');
        await staff.getByRole('link', { name: 'Check-in' }).click();
        await staff.getByRole('heading', { name: 'Check-in' }).waitFor();
        await screenshot(staff, '30-checkin');
        await staff.getByRole('button', { name: 'Scan with the camera' }).click();
        await staff.locator('[data-verdict="admitted"]').waitFor();
        await eventually(() => staff.locator('.verdict').textContent()).toContain('Admit');
        await screenshot(staff, '31-checkin-camera-admitted');
        await staff.getByRole('button', { name: 'Stop the camera' }).click();

        // The same ticket again, typed: red, with the time of the first scan.
        await staff.getByLabel('Ticket code').fill(code);
        await staff.getByRole('button', { name: 'Check ticket' }).click();
        await staff.locator('[data-verdict="refused"]').waitFor();
        await eventually(() => staff.locator('.verdict').textContent()).toMatch(
          /Already scanned.*First scanned at/,
        );
        await screenshot(staff, '32-checkin-duplicate');

        await staff.getByLabel('Ticket code').fill('not-a-ticket');
        await staff.getByRole('button', { name: 'Check ticket' }).click();
        await eventually(() => staff.locator('.verdict').textContent()).toContain('Do not admit');
        await screenshot(staff, '33-checkin-unknown-code');
      } finally {
        await doorBrowser.close();
        await rm(cameraDir, { recursive: true, force: true });
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
