// Temporary: tracing overhead, off vs on (not committed).
import { request } from 'undici';
import { expect, inject, it } from 'vitest';
import { InternalTokens } from '../../src/auth.js';
import { ServiceClient } from '../../src/client.js';
import { createDatabase } from '../../src/database/pool.js';
import { createHttpApp } from '../../src/http.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase } from '../../src/testing/index.js';
import { isTracing, readTracingConfig, startTracing } from '../../src/tracing.js';

it('measures', async () => {
  const mode = process.env.TRACING_MODE ?? 'off';
  if (mode === 'zipkin') await startTracing(readTracingConfig({ ZIPKIN_URL: process.env.OVERHEAD_ZIPKIN }));
  if (mode === 'zipkin10')
    await startTracing(
      readTracingConfig({ ZIPKIN_URL: process.env.OVERHEAD_ZIPKIN, OTEL_TRACES_SAMPLER_ARG: '0.1' }),
    );
  if (mode === 'noop')
    await startTracing(undefined, {
      exporter: {
        export(_spans: unknown, done: (r: { code: number }) => void) {
          done({ code: 0 });
        },
        shutdown: async () => {},
      } as never,
    });
  if (mode === 'ctx') {
    const { context } = await import('@opentelemetry/api');
    const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  }
  expect(isTracing()).toBe(mode !== 'off' && mode !== 'ctx');
  const cpuStart = process.cpuUsage();
  const logger = createLogger('info', {}, { write() {} });
  const tokens = new InternalTokens('the-internal-secret-for-overhead-tests');
  const db = createDatabase({
    url: await createTestDatabase(inject('databaseAdminUrl'), 'ovh'),
    poolSize: 8,
    applicationName: 'ovh',
    logger,
  });
  const beta = await createHttpApp({ service: 'beta', logger, tokens });
  beta.get('/api/v1/seats', { config: { access: 'internal' } }, async () => {
    const { rows } = await db.pool.query('SELECT $1::int AS seats', [7]);
    await db.transaction(async (tx) => {
      await tx.execute('SELECT 1' as never);
    });
    return { seats: rows[0].seats };
  });
  await beta.listen({ port: 0, host: '127.0.0.1' });
  const client = new ServiceClient({
    target: 'beta',
    caller: 'alpha',
    urls: [`http://127.0.0.1:${(beta.server.address() as { port: number }).port}`],
    tokens,
  });
  const alpha = await createHttpApp({ service: 'alpha', logger, tokens, requireInternalToken: false });
  alpha.get('/api/v1/overview', { config: { access: 'public' } }, async () =>
    client.expectOk({ method: 'GET', path: '/api/v1/seats' }),
  );
  await alpha.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(alpha.server.address() as { port: number }).port}/api/v1/overview`;
  const run = async (n: number, concurrency: number) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < n) {
          const r = await request(url);
          await r.body.dump();
        }
      }),
    );
  };
  await run(300, 8);
  const results: number[] = [];
  for (let round = 0; round < 3; round++) {
    const started = process.hrtime.bigint();
    await run(1500, 8);
    results.push(1500 / (Number(process.hrtime.bigint() - started) / 1e9));
  }
  console.log(
    `OVERHEAD mode=${mode} req/s=${results.map((r) => r.toFixed(0)).join(',')} cpu=${JSON.stringify(process.cpuUsage(cpuStart))}`,
  );
  await alpha.close();
  await beta.close();
  await client.close();
  await db.close();
}, 120_000);
