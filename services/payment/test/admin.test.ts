// The back office: admins search payments, open one, and read the analytics; nobody else may.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import {
  asService,
  asUser,
  card,
  charge,
  expectProblem,
  type PaymentPlatform,
  paymentRequest,
  refund,
  SANDBOX_CARDS,
  startPaymentPlatform,
} from './support.js';

let p: PaymentPlatform;
let admin: Record<string, string>;
const userId = randomUUID();
const paymentIds: string[] = [];

beforeAll(async () => {
  p = await startPaymentPlatform({ PAYMENT_FRAUD_MAX_AMOUNT: '50000', PAYMENT_FRAUD_MAX_PER_USER: '0' });
  admin = await asUser(p, ['ADMIN', 'USER']);
  for (const [number, amount, currency] of [
    [SANDBOX_CARDS.success, 4_000, 'EUR'],
    [SANDBOX_CARDS.success, 6_000, 'EUR'],
    ['5555555555554444', 2_500, 'USD'],
    [SANDBOX_CARDS.declined, 3_000, 'EUR'],
    [SANDBOX_CARDS.success, 60_000, 'EUR'],
  ] as const) {
    const response = await charge(p, paymentRequest({ userId, amount, currency, payment: card(number) }));
    paymentIds.push(response.body.id);
  }
  await refund(p, paymentIds[1]!, { amount: 1_000, reason: 'partial' }, 'admin-test-refund');
});
afterAll(() => p?.stop());

describe('an admin', () => {
  it('searches payments newest first, by user and status, page by page', async () => {
    const all = await call(p.url, 'GET', `/api/v1/payments?userId=${userId}`, { headers: admin });
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    expect(all.body.items.map((item: { id: string }) => item.id)).toEqual([...paymentIds].reverse());
    const failed = await call(p.url, 'GET', `/api/v1/payments?userId=${userId}&status=FAILED`, {
      headers: admin,
    });
    expect(failed.body.items.map((item: { failureCode: string }) => item.failureCode).sort()).toEqual([
      'card_declined',
      'fraud_blocked',
    ]);
    const first = await call(p.url, 'GET', `/api/v1/payments?userId=${userId}&limit=2`, { headers: admin });
    expect(first.body.items).toHaveLength(2);
    const second = await call(
      p.url,
      'GET',
      `/api/v1/payments?userId=${userId}&limit=2&cursor=${first.body.nextCursor}`,
      {
        headers: admin,
      },
    );
    expect(second.body.items[0].id).toBe(paymentIds[2]);
  });

  it('opens one payment with its refunds', async () => {
    const response = await call(p.url, 'GET', `/api/v1/payments/${paymentIds[1]}`, { headers: admin });
    expect(response.body).toMatchObject({ amount: 6_000, refundedAmount: 1_000, status: 'COMPLETED' });
    expect(response.body.refunds).toHaveLength(1);
    expectProblem(
      await call(p.url, 'GET', `/api/v1/payments/${randomUUID()}`, { headers: admin }),
      404,
      'payment_not_found',
    );
  });

  it('reads the analytics: amounts per currency, failures, fraud blocks, brands, days', async () => {
    const response = await call(p.url, 'GET', '/api/v1/payments/analytics', { headers: admin });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const body = response.body;
    expect(body.totals).toMatchObject({ payments: 5, completed: 3, failed: 2, pending: 0, fraudBlocked: 1 });
    expect(body.totals.successRate).toBeCloseTo(0.6);
    expect(body.byCurrency).toEqual([
      {
        currency: 'EUR',
        payments: 4,
        completed: 2,
        grossAmount: 10_000,
        refundedAmount: 1_000,
        netAmount: 9_000,
        averageAmount: 5_000,
      },
      {
        currency: 'USD',
        payments: 1,
        completed: 1,
        grossAmount: 2_500,
        refundedAmount: 0,
        netAmount: 2_500,
        averageAmount: 2_500,
      },
    ]);
    expect(body.failures).toEqual(
      expect.arrayContaining([
        { code: 'card_declined', count: 1 },
        { code: 'fraud_blocked', count: 1 },
      ]),
    );
    expect(body.fraudRules).toEqual([{ rule: 'amount_limit', count: 1 }]);
    expect(body.cardBrands).toEqual(
      expect.arrayContaining([
        { brand: 'visa', currency: 'EUR', count: 2, amount: 10_000 },
        { brand: 'mastercard', currency: 'USD', count: 1, amount: 2_500 },
      ]),
    );
    expect(body.daily.reduce((sum: number, day: { count: number }) => sum + day.count, 0)).toBe(3);
    const empty = await call(
      p.url,
      'GET',
      '/api/v1/payments/analytics?from=2000-01-01T00:00:00Z&to=2000-02-01T00:00:00Z',
      {
        headers: admin,
      },
    );
    expect(empty.body.totals).toMatchObject({ payments: 0, successRate: null });
  });
});

describe('anyone else', () => {
  it('is refused: a buyer gets 403, the order service too, a caller without a token 401', async () => {
    expectProblem(
      await call(p.url, 'GET', '/api/v1/payments', { headers: await asUser(p, ['USER']) }),
      403,
      'forbidden',
    );
    expectProblem(
      await call(p.url, 'GET', '/api/v1/payments/analytics', { headers: await asService(p) }),
      401,
    );
    expectProblem(
      await call(p.url, 'GET', `/api/v1/payments/${paymentIds[0]}`),
      401,
      'internal_token_required',
    );
  });

  it('cannot reach the internal routes through the gateway, even as an admin', async () => {
    const response = await call(p.url, 'GET', `/api/v1/internal/payments/by-order/${randomUUID()}`, {
      headers: admin,
    });
    expectProblem(response, 403, 'forbidden');
  });
});
