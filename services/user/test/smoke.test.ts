import { afterAll, beforeAll, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { startTestPlatform, type TestPlatform } from '../../../tools/test/platform.js';

let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform({ services: ['user', 'gateway'] });
});
afterAll(() => t?.stop());

it('registers through the gateway', async () => {
  const response = await call(t.gatewayUrl, 'POST', '/api/v1/auth/register', {
    body: { username: 'alice', email: 'alice@example.com', password: 'correct horse 9', firstName: 'Alice', lastName: 'A' },
  });
  expect(response.status).toBe(201);
});
