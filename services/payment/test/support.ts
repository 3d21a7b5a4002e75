// Shared steps of the payment service's stories: a platform with the payment service, calls
// made the way the order service (internal token) or an admin through the gateway makes them.
import { randomUUID } from 'node:crypto';
import type { DomainEvent, Role } from '@ticketing/platform';
import pg from 'pg';
import { expect } from 'vitest';
import { call, type JsonResponse } from '../../../tools/test/http.js';
import { startTestPlatform, type TestPlatform } from '../../../tools/test/platform.js';

export { SANDBOX_CARDS } from '../src/sandbox-gateway.js';

export interface PaymentPlatform {
  t: TestPlatform;
  url: string;
  events: DomainEvent[];
  sql: pg.Pool;
  stop(): Promise<void>;
}

export async function startPaymentPlatform(env: Record<string, string> = {}): Promise<PaymentPlatform> {
  const t = await startTestPlatform({ services: ['payment'], env });
  const events: DomainEvent[] = [];
  await t.platform.infrastructure.bus.subscribe({
    group: `payment-test-${randomUUID()}`,
    topics: ['payment-processed', 'payment-failed', 'payment-refunded'],
    handle: async (event) => {
      events.push(event);
    },
  });
  const sql = new pg.Pool({ connectionString: t.databaseUrl, max: 2 });
  return {
    t,
    url: t.platform.url('payment'),
    events,
    sql,
    async stop() {
      await sql.end();
      await t.stop();
    },
  };
}

/** Headers of a call from another service (the order service). */
export async function asService(p: PaymentPlatform, service = 'order'): Promise<Record<string, string>> {
  return { 'x-internal-token': await p.t.platform.infrastructure.tokens.issue({ service }) };
}

/** Headers of a call the gateway forwards for a signed-in user. */
export async function asUser(p: PaymentPlatform, roles: Role[] = ['USER']): Promise<Record<string, string>> {
  return {
    'x-internal-token': await p.t.platform.infrastructure.tokens.issue({
      service: 'gateway',
      user: { userId: randomUUID(), roles },
    }),
  };
}

export const card = (number: string, overrides: Record<string, unknown> = {}) => ({
  method: 'card' as const,
  card: { number, expMonth: 12, expYear: 2099, cvc: '123', ...overrides },
});

export function paymentRequest(overrides: Record<string, unknown> = {}) {
  return {
    orderId: randomUUID(),
    userId: randomUUID(),
    amount: 5_000,
    currency: 'EUR',
    description: 'Order of 2 tickets',
    payment: card('4242424242424242'),
    ...overrides,
  };
}

export async function charge(
  p: PaymentPlatform,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<JsonResponse> {
  return call(p.url, 'POST', '/api/v1/internal/payments', {
    body,
    headers: { ...(await asService(p)), ...headers },
  });
}

export async function refund(
  p: PaymentPlatform,
  paymentId: string,
  body: Record<string, unknown>,
  key: string | undefined,
): Promise<JsonResponse> {
  return call(p.url, 'POST', `/api/v1/internal/payments/${paymentId}/refunds`, {
    body,
    headers: { ...(await asService(p)), ...(key ? { 'idempotency-key': key } : {}) },
  });
}

export async function paymentOfOrder(p: PaymentPlatform, orderId: string): Promise<JsonResponse> {
  return call(p.url, 'GET', `/api/v1/internal/payments/by-order/${orderId}`, { headers: await asService(p) });
}

export function expectProblem(response: JsonResponse, status: number, code?: string) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(String(response.headers['content-type'])).toContain('application/problem+json');
  if (code) expect(response.body.code).toBe(code);
}

/** Every text the payments schema holds, to prove what it does not hold. */
export async function everythingStored(p: PaymentPlatform): Promise<string> {
  const tables = ['payments', 'refunds', 'sandbox_ledger', 'outbox'];
  const dumps = await Promise.all(
    tables.map(async (table) => {
      const { rows } = await p.sql.query(`SELECT * FROM payments.${table}`);
      return JSON.stringify(rows);
    }),
  );
  return dumps.join('\n');
}

/**
 * A PENDING payment as a process that died mid-charge leaves it: charged through the API,
 * then put back to PENDING with a stale attempt (and, if it never reached the gateway,
 * without the sandbox's ledger entry) in one transaction.
 */
export async function interruptPayment(
  p: PaymentPlatform,
  options: { reachedGateway: boolean; card?: string },
): Promise<{ request: ReturnType<typeof paymentRequest>; id: string }> {
  const request = paymentRequest({ payment: card(options.card ?? '4242424242424242') });
  const response = await charge(p, request);
  const id = response.body.id as string;
  const client = await p.sql.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `UPDATE payments.payments SET status = 'PENDING', payment_date = NULL, failure_code = NULL,
              failure_reason = NULL, gateway_transaction_id = NULL,
              attempt_started_at = now() - interval '1 hour' WHERE id = $1`,
      [id],
    );
    if (!options.reachedGateway) {
      await client.query(`DELETE FROM payments.sandbox_ledger WHERE idempotency_key = 'charge:' || $1`, [id]);
    }
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  return { request, id };
}
