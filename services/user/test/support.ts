// Shared steps of the user service's stories.
import { expect } from 'vitest';
import { call } from '../../../tools/test/http.js';

let counter = 0;

export function newAccount(overrides: Record<string, unknown> = {}) {
  counter++;
  const suffix = `${Date.now().toString(36)}${counter}`;
  return {
    username: `user_${suffix}`,
    email: `user_${suffix}@example.com`,
    password: 'a-Sturdy-passphrase-42',
    firstName: 'Ada',
    lastName: 'Lovelace',
    ...overrides,
  };
}

export async function register(gatewayUrl: string, account = newAccount()) {
  const response = await call(gatewayUrl, 'POST', '/api/v1/auth/register', { body: account });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return { account, user: response.body };
}

export async function login(gatewayUrl: string, username: string, password: string) {
  const response = await call(gatewayUrl, 'POST', '/api/v1/auth/login', { body: { username, password } });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as {
    accessToken: string;
    refreshToken: string;
    expiresIn: number;
    user: { id: string; roles: string[] };
  };
}

export async function registerAndLogin(gatewayUrl: string, overrides: Record<string, unknown> = {}) {
  const { account, user } = await register(gatewayUrl, newAccount(overrides));
  const tokens = await login(gatewayUrl, account.username, account.password);
  return { account, user, tokens };
}

export function expectProblem(
  response: { status: number; headers: Record<string, unknown>; body: any },
  status: number,
  code?: string,
  field?: string,
) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(String(response.headers['content-type'])).toContain('application/problem+json');
  expect(response.body.status).toBe(status);
  expect(typeof response.body.detail).toBe('string');
  if (code) expect(response.body.code).toBe(code);
  if (field) expect(response.body.field).toBe(field);
}
