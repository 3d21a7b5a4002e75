// Stories of a gateway in front of services that fail, stall or get too much: circuits open on an
// instance failing (no connection, 502, 504) and never on answers one client provokes (4xx, 500),
// bodies stream both ways within the limit, and slow answers end in 504.
import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { startTestPlatform, type TestPlatform } from '../../../tools/test/platform.js';
import { buildGateway } from '../src/app.js';
import {
  expectProblem,
  INTERNAL_TOKEN_SECRET,
  loginAsAdminDirectly,
  startUpstreams,
  type TestUpstream,
} from './support.js';

const BODY_LIMIT = 4_096;
let t: TestPlatform;
let events: TestUpstream[];
let ticket: TestUpstream;
let token: string;

beforeAll(async () => {
  events = await startUpstreams('event', ['event-a', 'event-b']);
  [ticket] = (await startUpstreams('ticket', ['ticket-a'])) as [TestUpstream];
  t = await startTestPlatform({
    services: ['user', 'gateway'],
    env: {
      INTERNAL_TOKEN_SECRET,
      EVENT_SERVICE_URL: events.map((upstream) => upstream.url).join(','),
      TICKET_SERVICE_URL: ticket.url,
      GATEWAY_UPSTREAM_TIMEOUT_MS: '2000',
      GATEWAY_BODY_LIMIT_BYTES: String(BODY_LIMIT),
      GATEWAY_BREAKER_VOLUME_THRESHOLD: '4',
      GATEWAY_BREAKER_RESET_MS: '3000',
    },
  });
  token = (await loginAsAdminDirectly(t.platform.url('user'))).accessToken;
});
afterAll(async () => {
  await t?.stop();
  await Promise.all([...events, ticket].map((upstream) => upstream?.kill()));
});

describe('the circuit breakers', () => {
  const circuitOf = async (upstream: TestUpstream): Promise<string> => {
    const status = await call(t.gatewayUrl, 'GET', '/api/v1/gateway/upstreams', { token });
    expect(status.status, JSON.stringify(status.body)).toBe(200);
    return status.body.services
      .find((entry: { service: string }) => entry.service === 'event')
      .instances.find((instance: { url: string }) => instance.url === upstream.url).circuit;
  };

  /** Sends requests (the probes of half-open circuits) until every event instance's circuit is closed. */
  const untilEveryCircuitCloses = () =>
    expect
      .poll(
        async () => {
          await call(t.gatewayUrl, 'GET', '/api/v1/events');
          return Promise.all(events.map(circuitOf));
        },
        { timeout: 15_000, interval: 100 },
      )
      .toEqual(['closed', 'closed']);

  it('cut off an instance that keeps failing while its sibling keeps serving', async () => {
    const [broken, sound] = events as [TestUpstream, TestUpstream];
    // 502: what the instance depends on is gone, for every request.
    broken.failing = true;
    broken.failStatus = 502;
    try {
      let failures = 0;
      for (let i = 0; i < 40 && (await circuitOf(broken)) === 'closed'; i++) {
        const answer = await call(t.gatewayUrl, 'GET', '/api/v1/events');
        if (answer.status === 502) failures++;
        else expect(answer.body.instance).toBe(sound.name);
      }
      // The broken instance's own 502s went through until its breaker had seen enough of them.
      expect(await circuitOf(broken)).not.toBe('closed');
      expect(failures).toBeGreaterThanOrEqual(4);

      const brokenHits = broken.hits;
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => call(t.gatewayUrl, 'GET', '/api/v1/events')),
      );
      // Everything goes to the sound instance, but for at most one probe of the broken one once its reset time is up.
      expect(
        answers.filter((answer) => answer.status === 200 && answer.body.instance === sound.name).length,
      ).toBeGreaterThanOrEqual(9);
      expect(broken.hits - brokenHits).toBeLessThanOrEqual(1);
      expect(await circuitOf(sound)).toBe('closed');
    } finally {
      broken.failing = false;
      broken.failStatus = 500;
      await untilEveryCircuitCloses();
    }
  });

  it('stay closed under a stream of 4xx and 500 answers from one route, while the other routes keep working', async () => {
    // What one client can provoke on purpose: refusals, and a bug its input reaches on every instance.
    for (const upstream of events) upstream.failing = true;
    const provoke = async (status: number) => {
      for (const upstream of events) upstream.failStatus = status;
      const provoked = await call(t.gatewayUrl, 'GET', '/api/v1/events');
      expect(provoked.status).toBe(status);
      expect(provoked.body).toEqual({ error: 'failing on purpose' });
    };
    try {
      // Twenty 500s in a row (ten used to open the circuits of the whole service).
      for (let i = 0; i < 20; i++) await provoke(500);
      expect(await Promise.all(events.map(circuitOf))).toEqual(['closed', 'closed']);
      for (let i = 0; i < 20; i++) {
        await provoke([400, 404, 409, 422, 500][i % 5]!);
        const other = await call(t.gatewayUrl, 'GET', '/api/v1/events/7');
        expect(other.status, JSON.stringify(other.body)).toBe(200);
      }
      expect(await Promise.all(events.map(circuitOf))).toEqual(['closed', 'closed']);
    } finally {
      for (const upstream of events) {
        upstream.failing = false;
        upstream.failStatus = 500;
      }
    }
  });

  it('leave alone a service that answers 503 itself (draining, database down): it already fails fast', async () => {
    const [draining, other] = events as [TestUpstream, TestUpstream];
    draining.failing = true;
    draining.failStatus = 503;
    try {
      // One instance draining: a GET it refuses is retried on the other.
      for (let i = 0; i < 6; i++) {
        const answer = await call(t.gatewayUrl, 'GET', '/api/v1/events');
        expect(answer.status).toBe(200);
        expect(answer.body.instance).toBe(other.name);
      }
      // Every instance refusing: their own 503 goes to the client, and no circuit opens.
      other.failing = true;
      other.failStatus = 503;
      for (let i = 0; i < 16; i++) {
        const answer = await call(t.gatewayUrl, 'GET', '/api/v1/events');
        expect(answer.status).toBe(503);
        expect(answer.body).toEqual({ error: 'failing on purpose' });
      }
      expect(await Promise.all(events.map(circuitOf))).toEqual(['closed', 'closed']);
    } finally {
      for (const upstream of events) {
        upstream.failing = false;
        upstream.failStatus = 500;
      }
    }
  });

  it('stay closed under URLs the gateway cannot pass on, each answered 400', async () => {
    // A query whose percent-encoding is not UTF-8 (a lone surrogate), and a `..` in a query value.
    for (const query of ['q=Ada%ED%A0%80', 'q=..%2Fetc', 'q=%ED%B0%80']) {
      for (let i = 0; i < 10; i++) {
        const answer = await call(t.gatewayUrl, 'GET', `/api/v1/events?${query}`);
        expectProblem(answer, 400, 'bad_url');
      }
    }
    expect(await Promise.all(events.map(circuitOf))).toEqual(['closed', 'closed']);
    expect((await call(t.gatewayUrl, 'GET', '/api/v1/events')).status).toBe(200);
  });

  it('answer 503 at once when the service is down (connection refused), and close again once it is back', async () => {
    await Promise.all(events.map((upstream) => upstream.kill()));
    try {
      let opened: Awaited<ReturnType<typeof call>> | undefined;
      // Bounded: the breakers also remember the successes of the last window (GATEWAY_BREAKER_WINDOW_MS).
      for (let attempt = 0; attempt < 200 && !opened; attempt++) {
        const answer = await call(t.gatewayUrl, 'GET', '/api/v1/events');
        if (answer.body?.code === 'circuit_open') opened = answer;
        else expectProblem(answer, 503, 'upstream_unavailable');
      }
      expect(opened).toBeDefined();
      expectProblem(opened!, 503, 'circuit_open');
      expect(opened!.headers['retry-after']).toBe('3');
      // Every route of the service, not only the one that was called.
      expectProblem(await call(t.gatewayUrl, 'GET', '/api/v1/events/7'), 503, 'circuit_open');
    } finally {
      await Promise.all(events.map((upstream) => upstream.revive()));
    }
    await untilEveryCircuitCloses();
    expect((await call(t.gatewayUrl, 'GET', '/api/v1/events')).status).toBe(200);
  });

  it('still cut off a service answering 504s, and pile nothing up on it', async () => {
    for (const upstream of events) {
      upstream.failing = true;
      upstream.failStatus = 504;
    }
    try {
      let opened = false;
      for (let attempt = 0; attempt < 200 && !opened; attempt++) {
        const answer = await call(t.gatewayUrl, 'GET', '/api/v1/events');
        if (answer.body?.code === 'circuit_open') opened = true;
        else expect(answer.status).toBe(504);
      }
      expect(opened).toBe(true);
      const hitsWhileOpen = events.reduce((sum, upstream) => sum + upstream.hits, 0);
      const answers = [];
      for (let attempt = 0; attempt < 6; attempt++)
        answers.push(await call(t.gatewayUrl, 'GET', '/api/v1/events'));
      // At most one probe per instance once its reset time is up.
      const probes = events.reduce((sum, upstream) => sum + upstream.hits, 0) - hitsWhileOpen;
      expect(probes).toBeLessThanOrEqual(2);
      expect(answers.filter((answer) => answer.body?.code === 'circuit_open').length).toBe(6 - probes);
    } finally {
      for (const upstream of events) {
        upstream.failing = false;
        upstream.failStatus = 500;
      }
    }
    await untilEveryCircuitCloses();
  });
});

describe('bodies', () => {
  const holdWith = (payloadLength: number) =>
    JSON.stringify({ eventId: '42', payload: 'p'.repeat(payloadLength) });

  /** Sends the body in small chunks without a Content-Length (chunked transfer encoding). */
  const sendChunked = (body: string) =>
    request(`${t.gatewayUrl}/api/v1/holds`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: Readable.from(
        (function* () {
          for (let offset = 0; offset < body.length; offset += 512)
            yield Buffer.from(body.slice(offset, offset + 512));
        })(),
      ),
      headersTimeout: 5_000,
    });

  it('stream a request body under the limit to the service', async () => {
    const answer = await sendChunked(holdWith(3_000));
    const body = (await answer.body.json()) as { receivedLength: number };
    expect(answer.statusCode).toBe(201);
    expect(body.receivedLength).toBe(3_000);
  });

  it('answer 413 for a declared Content-Length over the limit without bothering the service', async () => {
    const handledBefore = ticket.handled.length;
    const answer = await call(t.gatewayUrl, 'POST', '/api/v1/holds', {
      token,
      rawBody: holdWith(BODY_LIMIT),
    });
    expectProblem(answer, 413, 'payload_too_large');
    expect(answer.headers.connection).toBe('close');
    expect(ticket.handled.length).toBe(handledBefore);
  });

  it('answer 413 when a chunked body grows over the limit, and the service never acts on it', async () => {
    const handledBefore = ticket.handled.length;
    const answer = await sendChunked(holdWith(BODY_LIMIT * 3));
    const body = (await answer.body.json()) as { code: string };
    expect(answer.statusCode).toBe(413);
    expect(body.code).toBe('payload_too_large');
    expect(ticket.handled.length).toBe(handledBefore);
  });

  it('stream an answer of any size back, not limited by the request body limit', async () => {
    const answer = await request(`${t.gatewayUrl}/api/v1/events/1/seats?bytes=5000000`);
    expect(answer.statusCode).toBe(200);
    expect((await answer.body.arrayBuffer()).byteLength).toBe(5_000_000);
  });

  it('stream server-sent events as they happen, however long the stream stays quiet', async () => {
    const answer = await request(`${t.gatewayUrl}/api/v1/events/1/availability/stream?pauseMs=2500`);
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toContain('text/event-stream');
    const chunks: string[] = [];
    let finishedWhenFirstArrived: boolean | undefined;
    for await (const chunk of answer.body) {
      finishedWhenFirstArrived ??= ticket.streamFinished;
      chunks.push(chunk.toString());
    }
    // The first event reached the client while the service was still to write the second.
    expect(finishedWhenFirstArrived).toBe(false);
    expect(chunks.join('')).toBe(
      'data: {"seat":"A1","status":"HELD"}\n\ndata: {"seat":"A2","status":"SOLD"}\n\n',
    );
  });
});

describe('many open event streams', () => {
  it('never hold up other requests to the same service', async () => {
    // An on-sale: hundreds of pages watch the seat map or their place in line while others hold.
    const streams = await Promise.all(
      Array.from({ length: 200 }, () =>
        request(`${t.gatewayUrl}/api/v1/events/1/availability/stream?pauseMs=20000`),
      ),
    );
    try {
      expect(streams.every((stream) => stream.statusCode === 200)).toBe(true);
      const seats = await call(t.gatewayUrl, 'GET', '/api/v1/events/1/seats');
      expect(seats.status, JSON.stringify(seats.body)).toBe(200);
      expect(seats.body.instance).toBe('ticket-a');
    } finally {
      for (const stream of streams) stream.body.destroy();
    }
  }, 15_000);
});

describe('a gateway that shuts down', () => {
  it('ends the event streams it passes on, so browsers reconnect to another instance, instead of hanging', async () => {
    const running = t.platform.services.get('gateway')!;
    const second = await buildGateway(running.context);
    await second.app.listen({ port: 0, host: '127.0.0.1' });
    const address = second.app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const answer = await request(
      `http://127.0.0.1:${port}/api/v1/events/1/availability/stream?pauseMs=60000`,
    );
    expect(answer.statusCode).toBe(200);
    const received: string[] = [];
    const reading = (async () => {
      try {
        for await (const chunk of answer.body) received.push(chunk.toString());
      } catch {
        // the stream was cut: what a browser's EventSource sees before it reconnects
      }
    })();
    await expect.poll(() => received.join(''), { timeout: 5_000 }).toContain('"A1"');
    await second.app.close();
    await second.stopWorkers?.();
    await reading; // ends, rather than waiting for the service's next event a minute later
    expect(received.join('')).not.toContain('"A2"');
  });
});

describe('a slow service', () => {
  it('gets 504 problem+json once the upstream timeout passes', async () => {
    const answer = await request(`${t.gatewayUrl}/api/v1/events/1/seats?delayMs=4000`, {
      headersTimeout: 5_000,
    });
    const body = (await answer.body.json()) as { code: string };
    expect(answer.statusCode).toBe(504);
    expect(answer.headers['content-type']).toContain('application/problem+json');
    expect(body.code).toBe('upstream_timeout');
  });
});
