// One payment per order, whatever the retries: replays, conflicting replays, concurrent
// first requests, and payments whose attempt was interrupted.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  card,
  charge,
  expectProblem,
  interruptPayment,
  type PaymentPlatform,
  paymentOfOrder,
  paymentRequest,
  SANDBOX_CARDS,
  startPaymentPlatform,
} from './support.js';

let p: PaymentPlatform;

beforeAll(async () => {
  p = await startPaymentPlatform({
    // Generous enough for a loaded machine, shorter than the slow card.
    PAYMENT_GATEWAY_TIMEOUT_MS: '1500',
    PAYMENT_PENDING_LEASE_MS: '2000',
    // The reconciler stays out of the way here; reconciliation.test.ts tells its story.
    PAYMENT_RECONCILE_INTERVAL_MS: '3600000',
    PAYMENT_SANDBOX_SLOW_MS: '3000',
    PAYMENT_FRAUD_MAX_PER_USER: '0',
    PAYMENT_FRAUD_MAX_PER_CARD: '0',
  });
});
afterAll(() => p?.stop());

const ledgerCharges = async (paymentId: string) =>
  (
    await p.sql.query(
      `SELECT count(*)::int AS n FROM payments.sandbox_ledger WHERE idempotency_key = 'charge:' || $1`,
      [paymentId],
    )
  ).rows[0].n as number;

describe('the same payment asked for again', () => {
  it('answers the first payment with 200, without charging again', async () => {
    const request = paymentRequest();
    const first = await charge(p, request);
    expect(first.status).toBe(201);
    const again = await charge(p, request);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(await ledgerCharges(first.body.id)).toBe(1);
  });

  it('answers a declined payment the same way again: a retry is a new order', async () => {
    const request = paymentRequest({ payment: card(SANDBOX_CARDS.declined) });
    const first = await charge(p, request);
    const again = await charge(p, request);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: first.body.id, status: 'FAILED', failureCode: 'card_declined' });
  });

  it('with the same Idempotency-Key answers the first payment', async () => {
    const key = `pay-${randomUUID()}`;
    const request = paymentRequest();
    const first = await charge(p, request, { 'idempotency-key': key });
    const again = await charge(p, request, { 'idempotency-key': key });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
  });

  it('refuses the same order with another amount, user or card with 422', async () => {
    const request = paymentRequest();
    await charge(p, request);
    expectProblem(await charge(p, { ...request, amount: 9_999 }), 422, 'order_payment_mismatch');
    expectProblem(await charge(p, { ...request, userId: randomUUID() }), 422, 'order_payment_mismatch');
    expectProblem(
      await charge(p, { ...request, payment: card('5555555555554444') }),
      422,
      'order_payment_mismatch',
    );
  });

  it('refuses an Idempotency-Key reused for another order with 422', async () => {
    const key = `pay-${randomUUID()}`;
    await charge(p, paymentRequest(), { 'idempotency-key': key });
    const response = await charge(p, paymentRequest(), { 'idempotency-key': key });
    expectProblem(response, 422, 'idempotency_key_reused');
    expect(response.body.field).toBe('Idempotency-Key');
  });

  it('ten concurrent first requests for one order make one payment and one charge', async () => {
    const request = paymentRequest();
    const answers = await Promise.all(Array.from({ length: 10 }, () => charge(p, request)));
    const ids = new Set(answers.map((answer) => answer.body.id));
    expect(ids.size).toBe(1);
    // The request that created it answers 201 (202 if the gateway was slow), the others 200 or 202.
    expect(answers.filter((answer) => answer.status === 201).length).toBeLessThanOrEqual(1);
    for (const answer of answers) expect([200, 201, 202]).toContain(answer.status);
    const [id] = [...ids] as string[];
    expect(await ledgerCharges(id!)).toBe(1);
    const { rows } = await p.sql.query(
      'SELECT count(*)::int AS n FROM payments.payments WHERE order_id = $1',
      [request.orderId],
    );
    expect(rows[0].n).toBe(1);
    await expect
      .poll(async () => (await paymentOfOrder(p, request.orderId)).body.status, { timeout: 5_000 })
      .toBe('COMPLETED');
  });
});

describe('a payment whose attempt was interrupted', () => {
  const interruptedPayment = (options: { reachedGateway: boolean }) => interruptPayment(p, options);

  it('is settled from the gateway when it charged: COMPLETED, never charged twice', async () => {
    const { request, id } = await interruptedPayment({ reachedGateway: true });
    const answer = await paymentOfOrder(p, request.orderId);
    expect(answer.body).toMatchObject({ id, status: 'COMPLETED' });
    expect(await ledgerCharges(id)).toBe(1);
  });

  it('fails as abandoned when the gateway never saw it: nothing was charged', async () => {
    const { request, id } = await interruptedPayment({ reachedGateway: false });
    const answer = await paymentOfOrder(p, request.orderId);
    expect(answer.body).toMatchObject({ id, status: 'FAILED', failureCode: 'payment_abandoned' });
    expect(await ledgerCharges(id)).toBe(0);
  });

  it('is charged for real when the same request (with the card) comes again', async () => {
    const { request, id } = await interruptedPayment({ reachedGateway: false });
    const again = await charge(p, request);
    expect(again.body).toMatchObject({ id, status: 'COMPLETED' });
    expect(await ledgerCharges(id)).toBe(1);
  });

  it('is left alone while its attempt is fresh: a concurrent retry answers PENDING', async () => {
    const request = paymentRequest({ payment: card(SANDBOX_CARDS.slow) });
    const [first, second] = await Promise.all([charge(p, request), charge(p, request)]);
    expect([first.status, second.status].sort()).toEqual([202, 202]);
    expect(first.body.id).toBe(second.body.id);
    await expect
      .poll(async () => (await paymentOfOrder(p, request.orderId)).body.status, { timeout: 5_000 })
      .toBe('COMPLETED');
    expect(await ledgerCharges(first.body.id)).toBe(1);
  });
});
