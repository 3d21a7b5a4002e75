// Refunds: full and partial, idempotent on their key, never more than was taken.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
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

beforeAll(async () => {
  p = await startPaymentPlatform({ PAYMENT_FRAUD_MAX_PER_USER: '0', PAYMENT_FRAUD_MAX_PER_CARD: '0' });
});
afterAll(() => p?.stop());

async function completedPayment(amount = 10_000) {
  const response = await charge(p, paymentRequest({ amount }));
  expect(response.body.status).toBe('COMPLETED');
  return response.body as { id: string; orderId: string };
}

describe('refunding a payment', () => {
  it('in full makes it REFUNDED and announces payment-refunded', async () => {
    const payment = await completedPayment();
    const response = await refund(
      p,
      payment.id,
      { reason: 'order cancelled by the buyer' },
      `cancel-${payment.id}`,
    );
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body.refund).toMatchObject({
      paymentId: payment.id,
      amount: 10_000,
      currency: 'EUR',
      status: 'COMPLETED',
      reason: 'order cancelled by the buyer',
    });
    expect(response.body.refund.gatewayRefundId).toMatch(/^sbx_re_/);
    expect(response.body.payment).toMatchObject({ status: 'REFUNDED', refundedAmount: 10_000 });
    expect(response.body.payment.refunds).toHaveLength(1);
    await expect
      .poll(
        () => p.events.find((event) => event.type === 'payment-refunded' && event.key === payment.orderId),
        {
          timeout: 5_000,
        },
      )
      .toBeDefined();
    const event = p.events.find(
      (candidate) => candidate.type === 'payment-refunded' && candidate.key === payment.orderId,
    )!;
    expect(event.payload).toMatchObject({ amount: 10_000, refundedAmount: 10_000, fullyRefunded: true });
  });

  it('in parts keeps it COMPLETED until the last part', async () => {
    const payment = await completedPayment();
    const first = await refund(p, payment.id, { amount: 2_500, reason: 'one ticket returned' }, 'part-1');
    expect(first.body.payment).toMatchObject({ status: 'COMPLETED', refundedAmount: 2_500 });
    const second = await refund(p, payment.id, { amount: 5_000, reason: 'two more returned' }, 'part-2');
    expect(second.body.payment).toMatchObject({ status: 'COMPLETED', refundedAmount: 7_500 });
    const rest = await refund(p, payment.id, { reason: 'the rest' }, 'part-3');
    expect(rest.body.refund.amount).toBe(2_500);
    expect(rest.body.payment).toMatchObject({ status: 'REFUNDED', refundedAmount: 10_000 });
    expect(rest.body.payment.refunds.map((r: { amount: number }) => r.amount)).toEqual([2_500, 5_000, 2_500]);
  });

  it('again with the same key answers the first refund with 200 and refunds once', async () => {
    const payment = await completedPayment();
    const first = await refund(p, payment.id, { amount: 1_000, reason: 'goodwill' }, 'same-key');
    const again = await refund(p, payment.id, { amount: 1_000, reason: 'goodwill' }, 'same-key');
    expect(again.status).toBe(200);
    expect(again.body.refund.id).toBe(first.body.refund.id);
    expect(again.body.payment.refundedAmount).toBe(1_000);
    // Without an amount, the same key is still the same refund.
    const withoutAmount = await refund(p, payment.id, { reason: 'goodwill' }, 'same-key');
    expect(withoutAmount.body.refund.id).toBe(first.body.refund.id);
  });

  it('with the same key and another amount answers 422', async () => {
    const payment = await completedPayment();
    await refund(p, payment.id, { amount: 1_000, reason: 'goodwill' }, 'key-1');
    expectProblem(
      await refund(p, payment.id, { amount: 2_000, reason: 'goodwill' }, 'key-1'),
      422,
      'idempotency_key_reused',
    );
  });

  it('for more than is left answers 409 naming what is left', async () => {
    const payment = await completedPayment();
    await refund(p, payment.id, { amount: 6_000, reason: 'most of it' }, 'big');
    const response = await refund(p, payment.id, { amount: 5_000, reason: 'too much' }, 'too-much');
    expectProblem(response, 409, 'refund_exceeds_payment');
    expect(response.body).toMatchObject({ requested: 5_000, refundable: 4_000 });
  });

  it('racing with many keys never gives back more than was taken', async () => {
    const payment = await completedPayment();
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        refund(p, payment.id, { amount: 3_000, reason: `race ${index}` }, `race-${index}`),
      ),
    );
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(3);
    for (const answer of answers.filter((a) => a.status !== 201))
      expectProblem(answer, 409, 'refund_exceeds_payment');
    const { rows } = await p.sql.query(
      'SELECT refunded_amount, status FROM payments.payments WHERE id = $1',
      [payment.id],
    );
    expect(rows[0]).toEqual({ refunded_amount: '9000', status: 'COMPLETED' });
  });

  it('of a failed or fully refunded payment answers 409', async () => {
    const failed = await charge(p, paymentRequest({ payment: card(SANDBOX_CARDS.declined) }));
    expectProblem(await refund(p, failed.body.id, { reason: 'x' }, 'k'), 409, 'payment_not_refundable');
    const payment = await completedPayment();
    await refund(p, payment.id, { reason: 'all' }, 'all');
    expectProblem(await refund(p, payment.id, { reason: 'again' }, 'again'), 409, 'payment_not_refundable');
  });

  it('needs an Idempotency-Key and an existing payment', async () => {
    const payment = await completedPayment();
    expectProblem(
      await refund(p, payment.id, { reason: 'no key' }, undefined),
      400,
      'idempotency_key_required',
    );
    expectProblem(await refund(p, randomUUID(), { reason: 'nobody' }, 'k'), 404, 'payment_not_found');
  });
});
