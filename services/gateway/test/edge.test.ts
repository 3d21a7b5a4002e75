// Stories of what a browser meets at the front door: CORS for the configured origins only,
// security headers, the merged API documentation, and the web app with its caching rules.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { startTestPlatform, type TestPlatform } from '../../../tools/test/platform.js';
import {
  expectProblem,
  INTERNAL_TOKEN_SECRET,
  rawGet,
  startUpstreams,
  type TestUpstream,
} from './support.js';

const SHOP = 'https://shop.example.com';
let t: TestPlatform;
let event: TestUpstream;
let webDir: string;

beforeAll(async () => {
  webDir = await mkdtemp(join(tmpdir(), 'ticketing-web-'));
  await mkdir(join(webDir, 'assets'));
  await writeFile(join(webDir, 'index.html'), '<!doctype html><title>Ticketing</title><div id="root"></div>');
  await writeFile(join(webDir, 'assets', 'index-3f9a7c1e.js'), 'console.log("app")');
  await writeFile(join(webDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  [event] = (await startUpstreams('event', ['event-a'])) as [TestUpstream];
  t = await startTestPlatform({
    services: ['user', 'gateway'],
    env: {
      INTERNAL_TOKEN_SECRET,
      EVENT_SERVICE_URL: event.url,
      GATEWAY_CORS_ORIGINS: `${SHOP},http://localhost:5173`,
      GATEWAY_WEB_DIR: webDir,
    },
  });
});
afterAll(async () => {
  await t?.stop();
  await event?.kill();
  await rm(webDir, { recursive: true, force: true });
});

describe('CORS', () => {
  it('answers a preflight from a configured origin with what it may send', async () => {
    const preflight = await call(t.gatewayUrl, 'OPTIONS', '/api/v1/holds', {
      headers: {
        origin: SHOP,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, idempotency-key',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(SHOP);
    expect(String(preflight.headers['access-control-allow-methods'])).toContain('POST');
    expect(String(preflight.headers['access-control-allow-headers']).toLowerCase()).toContain(
      'authorization',
    );
    expect(String(preflight.headers['access-control-allow-headers']).toLowerCase()).toContain(
      'idempotency-key',
    );
    expect(preflight.headers['access-control-max-age']).toBe('600');
    expect(preflight.headers.vary).toContain('Origin');
  });

  it('gives another origin no CORS headers, so its browser refuses to read the answer', async () => {
    const preflight = await call(t.gatewayUrl, 'OPTIONS', '/api/v1/holds', {
      headers: { origin: 'https://evil.example.net', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const read = await call(t.gatewayUrl, 'GET', '/api/v1/events', {
      headers: { origin: 'https://evil.example.net' },
    });
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets a configured origin read answers and the rate-limit headers, never with a wildcard', async () => {
    const read = await call(t.gatewayUrl, 'GET', '/api/v1/events', { headers: { origin: SHOP } });
    expect(read.status).toBe(200);
    expect(read.headers['access-control-allow-origin']).toBe(SHOP);
    expect(String(read.headers['access-control-expose-headers'])).toContain('RateLimit-Remaining');
  });
});

describe('security headers', () => {
  it('are on the gateway’s own answers and on the services’ answers it passes on', async () => {
    for (const path of ['/api/v1/events', '/api/v1/nowhere', '/']) {
      const answer = await call(t.gatewayUrl, 'GET', path);
      expect(answer.headers['x-content-type-options'], path).toBe('nosniff');
      expect(answer.headers['x-frame-options'], path).toBe('SAMEORIGIN');
      expect(String(answer.headers['content-security-policy']), path).toContain("default-src 'self'");
      expect(answer.headers['strict-transport-security'], path).toBeDefined();
    }
  });
});

describe('API documentation', () => {
  it('merges every running service’s OpenAPI document into /api/openapi.json', async () => {
    const document = await call(t.gatewayUrl, 'GET', '/api/openapi.json');
    expect(document.status).toBe(200);
    expect(document.body.openapi).toMatch(/^3\./);
    const paths = Object.keys(document.body.paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/login',
        '/api/v1/users/me',
        '/api/v1/events',
        '/api/v1/gateway/routes',
      ]),
    );
    expect(document.body.paths['/api/v1/auth/login'].post['x-service']).toBe('user');
    expect(document.body.paths['/api/v1/events'].get['x-service']).toBe('event');
    // Only what clients can reach: not a service's internal routes, nor paths the table sends elsewhere.
    expect(paths).not.toContain('/api/v1/internal/ping');
    expect(paths).not.toContain('/api/v1/holds');
    expect(paths).not.toContain('/api/v1/events/{id}/seats');
    expect(document.body.components.securitySchemes.bearerAuth).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    // Services that are not running are named, so a reader knows the list is incomplete.
    expect(document.body.info.description).toContain('order');
  });

  it('is browsable at /api/docs with Swagger UI served from the gateway itself (no CDN)', async () => {
    const page = await request(`${t.gatewayUrl}/api/docs/`);
    const html = await page.body.text();
    expect(page.statusCode).toBe(200);
    expect(html).toContain('swagger-ui');
    expect(html).not.toMatch(/https?:\/\/(?!localhost)/);
    for (const asset of [
      'static/swagger-ui-bundle.js',
      'static/swagger-initializer.js',
      'static/index.css',
    ]) {
      const answer = await request(`${t.gatewayUrl}/api/docs/${asset}`);
      await answer.body.dump();
      expect(answer.statusCode, asset).toBe(200);
    }
    const spec = await call(t.gatewayUrl, 'GET', '/api/docs/json');
    expect(Object.keys(spec.body.paths)).toContain('/api/v1/auth/login');
  });
});

describe('the web app', () => {
  it('is served with index.html revalidated and hashed assets cached for a year', async () => {
    const home = await request(`${t.gatewayUrl}/`);
    expect(home.statusCode).toBe(200);
    expect(await home.body.text()).toContain('<div id="root">');
    expect(home.headers['cache-control']).toBe('no-cache');
    const asset = await request(`${t.gatewayUrl}/assets/index-3f9a7c1e.js`);
    await asset.body.dump();
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const icon = await request(`${t.gatewayUrl}/favicon.svg`);
    await icon.body.dump();
    expect(icon.headers['cache-control']).toBe('no-cache');
  });

  it('answers any page of the app with index.html, but not missing files or API paths', async () => {
    const page = await request(`${t.gatewayUrl}/events/42/seats?from=mail`);
    expect(page.statusCode).toBe(200);
    expect(await page.body.text()).toContain('<title>Ticketing</title>');
    expect(page.headers['cache-control']).toBe('no-cache');
    expectProblem(await call(t.gatewayUrl, 'GET', '/assets/missing-00000000.js'), 404);
    expectProblem(await call(t.gatewayUrl, 'GET', '/api/v1/nowhere'), 404, 'route_not_found');
    expectProblem(await call(t.gatewayUrl, 'GET', '/api'), 404);
    for (const path of [
      '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/..%2f..%2f..%2fetc/passwd',
      '/assets/..%2f..%2f..%2fetc%2fpasswd',
    ]) {
      const attempt = await rawGet(t.gatewayUrl, path);
      expect(String(attempt.body), path).not.toContain('root:');
    }
  });
});
