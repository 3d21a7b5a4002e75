// The sandbox gateway: every test card's story, told as the order service sees it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  card,
  charge,
  everythingStored,
  expectProblem,
  type PaymentPlatform,
  paymentOfOrder,
  paymentRequest,
  SANDBOX_CARDS,
  startPaymentPlatform,
} from './support.js';

let p: PaymentPlatform;

beforeAll(async () => {
  p = await startPaymentPlatform({
    PAYMENT_GATEWAY_TIMEOUT_MS: '1500',
    PAYMENT_SANDBOX_SLOW_MS: '4000',
    PAYMENT_PENDING_LEASE_MS: '5000',
  });
});
afterAll(() => p?.stop());

describe('paying with the sandbox test cards', () => {
  it('4242 4242 4242 4242 is charged: COMPLETED, announced with payment-processed', async () => {
    const request = paymentRequest({ payment: card('4242 4242 4242 4242') });
    const response = await charge(p, request);
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body).toMatchObject({
      orderId: request.orderId,
      userId: request.userId,
      amount: 5_000,
      currency: 'EUR',
      paymentMethod: 'card',
      card: { brand: 'visa', last4: '4242', expMonth: 12, expYear: 2099 },
      status: 'COMPLETED',
      failureCode: null,
      gateway: 'sandbox',
      fraud: { decision: 'APPROVE', reasons: [] },
      refundedAmount: 0,
    });
    expect(response.body.gatewayTransactionId).toMatch(/^sbx_ch_/);
    expect(response.body.paymentDate).not.toBeNull();
    await expect
      .poll(() => p.events.find((event) => event.key === request.orderId)?.type, { timeout: 5_000 })
      .toBe('payment-processed');
    const event = p.events.find((candidate) => candidate.key === request.orderId)!;
    expect(event.payload).toMatchObject({
      paymentId: response.body.id,
      orderId: request.orderId,
      amount: 5_000,
      cardBrand: 'visa',
      cardLast4: '4242',
    });
  });

  it.each([
    ['4000000000000002', 'card_declined'],
    ['4000000000009995', 'insufficient_funds'],
    ['4000000000000119', 'processing_error'],
  ])('%s fails with %s, announced with payment-failed', async (number, failureCode) => {
    const request = paymentRequest({ payment: card(number) });
    const response = await charge(p, request);
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      status: 'FAILED',
      failureCode,
      card: { brand: 'visa', last4: number.slice(-4) },
      paymentDate: null,
    });
    expect(response.body.failureReason).toEqual(expect.any(String));
    await expect
      .poll(() => p.events.find((event) => event.key === request.orderId)?.type, { timeout: 5_000 })
      .toBe('payment-failed');
    expect(p.events.find((event) => event.key === request.orderId)!.payload).toMatchObject({
      failureCode,
      paymentId: response.body.id,
    });
  });

  it('an expired card fails without reaching the gateway', async () => {
    const request = paymentRequest({ payment: card(SANDBOX_CARDS.success, { expMonth: 1, expYear: 2020 }) });
    const response = await charge(p, request);
    expect(response.body).toMatchObject({ status: 'FAILED', failureCode: 'expired_card' });
    const { rows } = await p.sql.query(
      `SELECT count(*)::int AS n FROM payments.sandbox_ledger WHERE idempotency_key = 'charge:' || $1`,
      [response.body.id],
    );
    expect(rows[0].n).toBe(0);
  });

  it('the slow card answers PENDING when the gateway is late, then settles COMPLETED by itself', async () => {
    const request = paymentRequest({ payment: card(SANDBOX_CARDS.slow) });
    const started = Date.now();
    const response = await charge(p, request);
    expect(Date.now() - started).toBeLessThan(3_500);
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ status: 'PENDING', failureCode: null });
    await expect
      .poll(async () => (await paymentOfOrder(p, request.orderId)).body.status, {
        timeout: 10_000,
        interval: 100,
      })
      .toBe('COMPLETED');
    // Asking again with the same request while and after it settles never charges twice.
    const again = await charge(p, request);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: response.body.id, status: 'COMPLETED' });
    const { rows } = await p.sql.query(
      `SELECT count(*)::int AS n FROM payments.sandbox_ledger WHERE idempotency_key = 'charge:' || $1`,
      [response.body.id],
    );
    expect(rows[0].n).toBe(1);
  });

  it('other brands are recognised from the number', async () => {
    const response = await charge(p, paymentRequest({ payment: card('5555 5555 5555 4444') }));
    expect(response.body).toMatchObject({
      status: 'COMPLETED',
      card: { brand: 'mastercard', last4: '4444' },
    });
    const amex = await charge(p, paymentRequest({ payment: card('378282246310005', { cvc: '1234' }) }));
    expect(amex.body).toMatchObject({ status: 'COMPLETED', card: { brand: 'amex', last4: '0005' } });
  });
});

describe('requests that cannot be charged', () => {
  it('a number that fails the Luhn check answers 400 naming the field', async () => {
    const response = await charge(p, paymentRequest({ payment: card('4242424242424241') }));
    expectProblem(response, 400, 'invalid_card_number');
    expect(response.body.field).toBe('payment.card.number');
  });

  it('a gateway token is refused by the sandbox', async () => {
    const response = await charge(p, paymentRequest({ payment: { method: 'card', token: 'pm_card_visa' } }));
    expectProblem(response, 400, 'payment_token_not_supported');
  });

  it('neither a card nor a token, or both, answers 400', async () => {
    expectProblem(
      await charge(p, paymentRequest({ payment: { method: 'card' } })),
      400,
      'payment_method_required',
    );
    expectProblem(
      await charge(p, paymentRequest({ payment: { ...card(SANDBOX_CARDS.success), token: 'pm_card_visa' } })),
      400,
      'payment_method_required',
    );
  });

  it('bad amounts and currencies are refused by the schema', async () => {
    expectProblem(await charge(p, paymentRequest({ amount: 0 })), 400, 'validation_failed');
    expectProblem(await charge(p, paymentRequest({ amount: 12.5 })), 400, 'validation_failed');
    expectProblem(await charge(p, paymentRequest({ currency: 'eur' })), 400, 'validation_failed');
  });

  it('only services may charge: a call without a service token is refused', async () => {
    const response = await fetch(`${p.url}/api/v1/internal/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(paymentRequest()),
    });
    expect(response.status).toBe(401);
  });

  it('an unknown order has no payment', async () => {
    expectProblem(await paymentOfOrder(p, randomUUID()), 404, 'payment_not_found');
  });
});

describe('card data', () => {
  it('is never stored: only the brand, last four digits and a keyed fingerprint remain', async () => {
    const number = '4000056655665556';
    await charge(p, paymentRequest({ payment: card(number, { cvc: '987' }) }));
    const stored = await everythingStored(p);
    expect(stored).toContain('5556');
    for (const secret of [
      number,
      '4000 0566 5566 5556',
      '"987"',
      SANDBOX_CARDS.success,
      SANDBOX_CARDS.declined,
    ]) {
      expect(stored).not.toContain(secret);
    }
  });
});
