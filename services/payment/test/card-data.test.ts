// Card numbers are never written anywhere: not in the database, not in the logs, even at the
// most verbose log level and when a request fails validation.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '@ticketing/platform/testing';
import { type Platform, startPlatform } from '@ticketing/runtime';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { card, paymentRequest, SANDBOX_CARDS } from './support.js';

let platform: Platform;
let dataDir: string;
const logged: string[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ticketing-card-data-'));
  // pino writes each line to anything with a write(line) method.
  const sink = { write: (line: string) => logged.push(line) };
  platform = await startPlatform({
    services: ['payment'],
    seed: 'never',
    logger: pino({ level: 'trace' }, sink),
    env: {
      DATABASE_URL: await createTestDatabase(inject('databaseAdminUrl')),
      DATA_DIR: dataDir,
      PAYMENT_PORT: '0',
      REDIS_URL: inject('redisUrl') ?? '',
    },
  });
});
afterAll(async () => {
  await platform?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

it('never logs a card number or its CVC, whatever happens to the payment', async () => {
  const headers = {
    'x-internal-token': await platform.infrastructure.tokens.issue({ service: 'order' }),
  };
  const url = platform.url('payment');
  const numbers = [
    SANDBOX_CARDS.success,
    SANDBOX_CARDS.declined,
    SANDBOX_CARDS.processingError,
    '4000056655665556',
  ];
  for (const number of numbers) {
    const response = await call(url, 'POST', '/api/v1/internal/payments', {
      headers,
      body: paymentRequest({ payment: card(number, { cvc: '9731' }) }),
    });
    expect(response.status).toBeLessThan(300);
  }
  // Refused requests: a number failing the Luhn check, a body failing the schema.
  const badNumber = '4242424242424241';
  await call(url, 'POST', '/api/v1/internal/payments', {
    headers,
    body: paymentRequest({ payment: card(badNumber, { cvc: '9731' }) }),
  });
  await call(url, 'POST', '/api/v1/internal/payments', {
    headers,
    body: paymentRequest({ payment: card(SANDBOX_CARDS.success, { cvc: '9731', extra: 'x' }) }),
  });
  expect(logged.length).toBeGreaterThan(10);
  const logs = logged.join('');
  for (const secret of [...numbers, badNumber, '9731']) expect(logs).not.toContain(secret);
});
