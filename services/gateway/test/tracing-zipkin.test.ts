// Traces in a real Zipkin (test:full starts one with tools/stack/zipkin.sh): services started with
// ZIPKIN_URL export their spans there, and a request through the gateway reads back from Zipkin's
// API as one trace spanning the gateway, the user service and PostgreSQL (and Redis, when the
// platform runs on it).
import { randomUUID } from 'node:crypto';
import { stopTracing } from '@ticketing/platform';
import { request } from 'undici';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { startTestPlatform, type TestPlatform } from '../../../tools/test/platform.js';

const zipkinUrl = process.env.TEST_ZIPKIN_URL;

interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name?: string;
  kind?: string;
  localEndpoint?: { serviceName?: string };
  tags?: Record<string, string>;
}

describe.skipIf(!zipkinUrl)('traces exported to Zipkin', () => {
  let t: TestPlatform | undefined;
  afterAll(async () => {
    await t?.stop();
    await stopTracing();
  });

  it('shows a request through the gateway as one trace of several services', async () => {
    t = await startTestPlatform({ services: ['user', 'gateway'], env: { ZIPKIN_URL: zipkinUrl! } });
    const traceId = randomUUID().replaceAll('-', '');
    const registered = await call(t.gatewayUrl, 'POST', '/api/v1/auth/register', {
      headers: { traceparent: `00-${traceId}-${'b2'.repeat(8)}-01` },
      body: {
        username: `zipkin_${traceId.slice(0, 8)}`,
        email: `zipkin_${traceId.slice(0, 8)}@example.com`,
        password: 'correct horse battery 9',
        firstName: 'Zip',
        lastName: 'Kin',
      },
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    // Stopping the services flushes what their exporters still buffer.
    await t.stop();
    t = undefined;

    let spans: ZipkinSpan[] = [];
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const answer = await request(`${zipkinUrl}/api/v2/trace/${traceId}`);
      spans = answer.statusCode === 200 ? ((await answer.body.json()) as ZipkinSpan[]) : [];
      if (answer.statusCode !== 200) await answer.body.dump();
      const services = new Set(spans.map((span) => span.localEndpoint?.serviceName));
      if (services.has('ticketing-gateway') && services.has('ticketing-user')) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const summary = spans.map((span) => `${span.name}@${span.localEndpoint?.serviceName}`).join('\n');
    const services = new Set(spans.map((span) => span.localEndpoint?.serviceName));
    expect([...services], summary).toEqual(expect.arrayContaining(['ticketing-gateway', 'ticketing-user']));
    for (const span of spans) expect(span.traceId).toBe(traceId);

    const edge = spans.find(
      (span) => span.kind === 'SERVER' && span.localEndpoint?.serviceName === 'ticketing-gateway',
    );
    expect(edge?.parentId, summary).toBe('b2'.repeat(8));
    // The call forwarded to the user service (on Redis, the rate limiter's command is a client span there too).
    const forwarded = spans.find(
      (span) => span.kind === 'CLIENT' && span.parentId === edge?.id && !span.tags?.['db.system.name'],
    );
    expect(forwarded, summary).toBeDefined();
    const user = spans.find(
      (span) => span.kind === 'SERVER' && span.localEndpoint?.serviceName === 'ticketing-user',
    );
    expect(user?.parentId, summary).toBe(forwarded!.id);
    const sql = spans.filter(
      (span) =>
        span.localEndpoint?.serviceName === 'ticketing-user' &&
        span.tags?.['db.system.name'] === 'postgresql',
    );
    expect(sql.length, summary).toBeGreaterThan(0);
    if (inject('redisUrl')) {
      expect(
        spans.some((span) => span.tags?.['db.system.name'] === 'redis'),
        summary,
      ).toBe(true);
    }
  });
});
