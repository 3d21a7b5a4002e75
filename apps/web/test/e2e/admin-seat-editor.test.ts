// The admin's event editor in a real browser (Debian's Chromium) on a phone: a section edited
// seat by seat — an aisle left out of a row, the front seats made VIP — previews as it is
// tapped, and the event service stores exactly those seats (an explicit seat list), which is
// what buyers' seat map then shows. Runs in `npm run test:full` only.
import type { SeatMap } from '@ticketing/contracts';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call } from '../../../../tools/test/http.js';
import { startTestPlatform, TEST_ADMIN, type TestPlatform } from '../../../../tools/test/platform.js';
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

function localDateTime(daysAhead: number, hour: number): string {
  const day = new Date(Date.now() + daysAhead * 86_400_000);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}T${pad(hour)}:00`;
}

const seatButton = (page: Page, row: string, seat: number) =>
  page.getByRole('button', { name: new RegExp(`^Row ${row} seat ${seat}: `) });

describe.skipIf(!browserTestsEnabled)('web app: editing a section seat by seat', () => {
  let platform: TestPlatform;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    requireBrowserPrerequisites();
    [platform, browser] = await Promise.all([startTestPlatform(), launchChromium()]);
  });

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close();
    await platform?.stop();
  });

  test(
    'an organizer leaves an aisle and makes the front row VIP; the saved seat map has exactly those seats',
    async () => {
      context = await phoneContext(browser, platform.gatewayUrl);
      const admin = await context.newPage();
      await logIn(admin, TEST_ADMIN.username, TEST_ADMIN.password);
      await admin.goto('/admin/events/new');
      await admin.getByRole('heading', { name: 'New event' }).waitFor();

      await admin.getByLabel('Title').fill('Seat by Seat Evening');
      await admin.getByLabel('Venue address').fill('Small Hall, Teststraße 2');
      await admin.getByLabel('Starts').fill(localDateTime(30, 19));
      await admin.getByLabel('Ends').fill(localDateTime(30, 22));
      await admin.getByLabel('Rows', { exact: true }).fill('3');
      await admin.getByLabel('Seats per row').fill('8');
      await admin.getByLabel(/Edit seat by seat/).check();
      await seatButton(admin, 'C', 8).waitFor();
      await eventually(() => admin.locator('.venue-preview circle').count()).toBe(24);

      // An aisle: row B seats 4 and 5 taken out (a second tap would put one back).
      await seatButton(admin, 'B', 4).click();
      await seatButton(admin, 'B', 5).click();
      await seatButton(admin, 'A', 6).click();
      await seatButton(admin, 'A', 6).click();
      await admin.getByText('22 seats in section 1').waitFor();
      expect(await seatButton(admin, 'B', 4).getAttribute('aria-label')).toBe('Row B seat 4: no seat');

      // The front row's first three seats are VIP.
      await admin.getByLabel('paints it as below').check();
      await admin.getByLabel('Tapped seats become').fill('vip');
      for (const seat of [1, 2, 3]) await seatButton(admin, 'A', seat).click();
      expect(await seatButton(admin, 'A', 2).getAttribute('aria-label')).toBe('Row A seat 2: VIP');
      await eventually(() => admin.locator('.venue-preview circle').count()).toBe(22);
      await eventually(() => admin.locator('.venue-preview figcaption').textContent()).toBe(
        '22 seats · VIP, STANDARD',
      );
      await admin.getByRole('group', { name: 'Seats of section 1' }).scrollIntoViewIfNeeded();
      await screenshot(admin, '49-admin-section-seat-by-seat');

      // Saved as a draft and opened again: the grid comes back from the stored seats.
      await admin.getByLabel('Publish now (put it on sale)').uncheck();
      await admin.getByRole('button', { name: 'Save draft' }).click();
      await admin.getByRole('heading', { name: 'Seat by Seat Evening' }).waitFor();
      const eventId = new URL(admin.url()).pathname.split('/').pop()!;
      await admin.getByRole('link', { name: 'Edit' }).click();
      await admin.getByRole('heading', { name: 'Edit Seat by Seat Evening' }).waitFor();
      expect(await admin.getByLabel(/Edit seat by seat/).isChecked()).toBe(true);
      expect(await seatButton(admin, 'B', 5).getAttribute('aria-label')).toBe('Row B seat 5: no seat');
      expect(await seatButton(admin, 'A', 3).getAttribute('aria-label')).toBe('Row A seat 3: VIP');
      expect(await seatButton(admin, 'A', 4).getAttribute('aria-label')).toBe('Row A seat 4: STANDARD');
      await admin.getByText('22 seats in section 1').waitFor();
      expect(await admin.getByText('edit its seats through the API').count()).toBe(0);
      await screenshot(admin, '49b-admin-edit-draft-seat-by-seat');
      await admin.getByLabel('Publish now (put it on sale)').check();
      await admin.getByRole('button', { name: 'Save and publish' }).click();
      await admin.getByRole('heading', { name: 'Seat by Seat Evening' }).waitFor();
      await eventually(() => admin.locator('.badge').first().textContent()).toBe('published');

      const seatMap = (await call<SeatMap>(platform.gatewayUrl, 'GET', `/api/v1/events/${eventId}/seats`))
        .body;
      const seats = seatMap.sections.flatMap((section) =>
        section.rows.flatMap((row) =>
          row.seats.map((seat) => ({ seat: `${row.name}${seat.number}`, category: seat.category })),
        ),
      );
      expect(seats).toHaveLength(22);
      expect(seats.map((seat) => seat.seat)).not.toContain('B4');
      expect(seats.map((seat) => seat.seat)).not.toContain('B5');
      expect(seats.filter((seat) => seat.category === 'VIP').map((seat) => seat.seat)).toEqual([
        'A1',
        'A2',
        'A3',
      ]);

      // A buyer's seat map has the aisle too.
      await admin.goto(`/events/${eventId}`);
      await admin.locator('[role="button"][aria-label^="Stalls, row B seat 6,"]').waitFor();
      expect(await admin.locator('[role="button"][aria-label^="Stalls, row B seat 4,"]').count()).toBe(0);
      await screenshot(admin, '50-event-with-aisle');
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
