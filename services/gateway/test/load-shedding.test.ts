// The gateway sheds load at the edge: while its event loop lags behind (the process is out of
// CPU), new requests are answered 503 `overloaded` with Retry-After at once, never reaching a
// service; health probes are still answered; when the lag goes, requests pass again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { startTestPlatform, type TestPlatform } from '../../../tools/test/platform.js';
import { expectProblem, INTERNAL_TOKEN_SECRET, startUpstreams, type TestUpstream } from './support.js';

let t: TestPlatform;
let event: TestUpstream;

beforeAll(async () => {
  [event] = (await startUpstreams('event', ['event-a'])) as [TestUpstream];
  t = await startTestPlatform({
    services: ['user', 'gateway'],
    env: {
      INTERNAL_TOKEN_SECRET,
      EVENT_SERVICE_URL: event.url,
      GATEWAY_MAX_EVENT_LOOP_DELAY_MS: '100',
    },
  });
});
afterAll(async () => {
  await t?.stop();
  await event?.kill();
});

/** Keeps this process's event loop busy in 300 ms slices (what a saturated on-sale does to it). */
function lagTheEventLoop(): () => void {
  const timer = setInterval(() => {
    const until = Date.now() + 300;
    while (Date.now() < until) {
      // busy: nothing else runs meanwhile
    }
  }, 20);
  return () => clearInterval(timer);
}

describe('load shedding at the edge', () => {
  it('answers 503 overloaded with Retry-After while the event loop lags, and lets requests through after', async () => {
    expect((await call(t.gatewayUrl, 'GET', '/api/v1/events')).status).toBe(200);
    const reachedService = () => event.handled.filter((request) => request === 'GET /api/v1/events').length;
    const before = reachedService();
    let passed = 0;
    const stop = lagTheEventLoop();
    try {
      let shed: Awaited<ReturnType<typeof call>> | undefined;
      await expect
        .poll(
          async () => {
            const answer = await call(t.gatewayUrl, 'GET', '/api/v1/events');
            if (answer.status === 503) shed = answer;
            if (answer.status === 200) passed += 1;
            return answer.status;
          },
          { timeout: 20_000, interval: 50 },
        )
        .toBe(503);
      expectProblem(shed!, 503, 'overloaded');
      expect(shed!.headers['retry-after']).toBe('1');
      expect(String(shed!.headers['content-type'])).toContain('application/problem+json');
      // A shed request never reached the service: only the ones that passed did.
      expect(reachedService() - before).toBe(passed);
      // Health probes are never shed: they get the health report (whatever the checks say of
      // a process this starved), not an `overloaded` problem.
      const health = await call(t.gatewayUrl, 'GET', '/actuator/health');
      expect(health.body, JSON.stringify(health.body)).toMatchObject({ service: 'gateway' });
      expect(health.body.code).toBeUndefined();
    } finally {
      stop();
    }
    await expect
      .poll(async () => (await call(t.gatewayUrl, 'GET', '/api/v1/events')).status, {
        timeout: 30_000,
        interval: 200,
      })
      .toBe(200);
    const metrics = await call(t.platform.managementUrl, 'GET', '/metrics');
    expect(String(metrics.body)).toMatch(/gateway_shed_requests_total\{[^}]*\} [1-9]/);
  });
});
