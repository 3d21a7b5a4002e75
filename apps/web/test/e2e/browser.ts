// Browser end-to-end harness: Debian's Chromium driven by playwright-core against a platform
// started in this test file, whose gateway serves the built web app (apps/web/dist).
// Every page a test visits is saved as a 390 px wide phone screenshot in apps/web/test/screenshots/.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import QRCode from 'qrcode';
import { expect } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
export const WEB_DIST = resolve(here, '../../dist');
export const SCREENSHOT_DIR = resolve(here, '../screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const DEMO_PASSWORD = 'demo-password-2026';

/**
 * Browser tests run in `npm run test:full` (TEST_FULL=1), which installs Chromium; plain
 * `npm test` skips them. TEST_BROWSER=1 runs them on an embedded PostgreSQL while developing.
 */
/** A story through several pages on a busy two-core machine; each step still waits at most 20 s. */
export const BROWSER_TEST_TIMEOUT_MS = 180_000;

export const browserTestsEnabled = process.env.TEST_FULL === '1' || process.env.TEST_BROWSER === '1';

/** Browser tests need the built app and Chromium; a missing one fails loudly instead of skipping. */
export function requireBrowserPrerequisites(): void {
  if (!existsSync(join(WEB_DIST, 'index.html')))
    throw new Error(
      `The web app is not built (${WEB_DIST}/index.html is missing): run \`npm run build\` first`,
    );
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: run \`tools/stack/chromium.sh up\` (apt-get install chromium)`,
    );
}

/** `expect.poll` with the patience of a page on a busy machine (vitest's default is one second). */
export function eventually<T>(read: () => T | Promise<T>) {
  return expect.poll(read, { timeout: 20_000, interval: 100 });
}

export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', ...extraArgs],
  });
}

/**
 * A camera that films one QR code: a Y4M video (640 × 480, black modules on white) for
 * Chromium's fake capture device, so the check-in scanner reads a real picture.
 */
export async function qrCodeCamera(code: string, directory: string): Promise<string[]> {
  const width = 640;
  const height = 480;
  const { modules } = QRCode.create(code, { errorCorrectionLevel: 'M' });
  const quiet = 4;
  const scale = Math.floor(Math.min(width, height) / (modules.size + 2 * quiet));
  const left = Math.floor((width - modules.size * scale) / 2);
  const top = Math.floor((height - modules.size * scale) / 2);
  const luma = Buffer.alloc(width * height, 235);
  for (let row = 0; row < modules.size; row++)
    for (let column = 0; column < modules.size; column++) {
      if (!modules.get(row, column)) continue;
      for (let y = 0; y < scale; y++)
        luma.fill(
          16,
          (top + row * scale + y) * width + left + column * scale,
          (top + row * scale + y) * width + left + (column + 1) * scale,
        );
    }
  const chroma = Buffer.alloc((width / 2) * (height / 2), 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma, chroma]);
  const file = join(directory, 'qr-camera.y4m');
  await writeFile(
    file,
    Buffer.concat([Buffer.from(`YUV4MPEG2 W${width} H${height} F5:1 Ip A1:1 C420jpeg\n`), frame, frame]),
  );
  return [
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${file}`,
  ];
}

/** A phone: 390 × 844 CSS pixels, touch, like the buyers who use the app. */
export async function phoneContext(browser: Browser, baseURL: string): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL,
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: true,
    locale: 'en-GB',
    timezoneId: 'Europe/Berlin',
  });
  // Generous: test:full runs these beside the other test files on two cores.
  context.setDefaultTimeout(20_000);
  return context;
}

/** Saves the whole page as <name>.png; fails the test when the page is wider than the phone. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  // Let fonts, images (the QR codes) and loading states settle. Not `networkidle`: the seat
  // map's live stream keeps a request open for as long as the page shows.
  await page
    .locator('.loading')
    .first()
    .waitFor({ state: 'detached', timeout: 5_000 })
    .catch(() => undefined);
  await page.evaluate(async () => {
    await document.fonts.ready;
    await Promise.all(
      [...document.images].map((image) =>
        image.complete
          ? undefined
          : new Promise((settled) => image.addEventListener('load', settled, { once: true })),
      ),
    );
  });
  // From the top, so the sticky header sits where a visitor sees it.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) throw new Error(`${name}: the page is ${overflow}px wider than the 390px viewport`);
}

export async function logIn(page: Page, username: string, password = DEMO_PASSWORD): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Username or email').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}

/** Types a card into the checkout form and pays. */
export async function payWithCard(page: Page, number: string): Promise<void> {
  await page.getByLabel('Card number').fill(number);
  await page.getByLabel('Expiry month').fill('12');
  await page.getByLabel('Expiry year').fill(String(new Date().getFullYear() + 2));
  await page.getByLabel('CVC').fill('123');
  await page.getByRole('button', { name: /^Pay / }).click();
}
