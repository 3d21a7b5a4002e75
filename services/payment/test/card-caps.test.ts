// The per-card cap at the payment service: a card pays for at most so many tickets per event,
// counted over payments being made or made (not failed or refunded ones); a payment past it is
// refused before the gateway is asked, and a refund gives the tickets back to the card.
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
  p = await startPaymentPlatform({
    PAYMENT_MAX_TICKETS_PER_CARD: '5',
    PAYMENT_FRAUD_MAX_PER_CARD: '0',
    PAYMENT_FRAUD_MAX_PER_USER: '0',
  });
});
afterAll(() => p?.stop());

describe('the per-card cap', () => {
  it('refuses the payment that would take a card past 5 tickets of an event, without asking the gateway', async () => {
    const eventId = randomUUID();
    const first = await charge(p, paymentRequest({ eventId, quantity: 3 }));
    expect(first.body.status).toBe('COMPLETED');
    const refused = await charge(p, paymentRequest({ eventId, quantity: 3 }));
    expect(refused.status).toBe(201);
    expect(refused.body).toMatchObject({ status: 'FAILED', failureCode: 'card_limit_reached' });
    expect(refused.body.failureReason).toContain('At most 5 tickets per payment card');
    const { rows } = await p.sql.query(
      "SELECT count(*)::int AS count FROM payments.sandbox_ledger WHERE idempotency_key = 'charge:' || $1",
      [refused.body.id],
    );
    expect(rows[0].count).toBe(0);

    // Two more fit; another card and another event are other caps; payments without an event are not counted.
    expect((await charge(p, paymentRequest({ eventId, quantity: 2 }))).body.status).toBe('COMPLETED');
    expect(
      (await charge(p, paymentRequest({ eventId, quantity: 5, payment: card('5555555555554444') }))).body
        .status,
    ).toBe('COMPLETED');
    expect((await charge(p, paymentRequest({ eventId: randomUUID(), quantity: 5 }))).body.status).toBe(
      'COMPLETED',
    );
    expect((await charge(p, paymentRequest())).body.status).toBe('COMPLETED');
  });

  it('counts neither declined nor refunded payments', async () => {
    const eventId = randomUUID();
    const declined = await charge(
      p,
      paymentRequest({ eventId, quantity: 5, payment: card(SANDBOX_CARDS.declined) }),
    );
    expect(declined.body.status).toBe('FAILED');
    const paid = await charge(p, paymentRequest({ eventId, quantity: 5 }));
    expect(paid.body.status).toBe('COMPLETED');
    expect((await charge(p, paymentRequest({ eventId, quantity: 1 }))).body.failureCode).toBe(
      'card_limit_reached',
    );
    expect((await refund(p, paid.body.id, { reason: 'cancelled' }, randomUUID())).status).toBe(201);
    expect((await charge(p, paymentRequest({ eventId, quantity: 5 }))).body.status).toBe('COMPLETED');
  });

  it('lets exactly one of five concurrent 3-ticket payments with one card through', async () => {
    const eventId = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => charge(p, paymentRequest({ eventId, quantity: 3 }))),
    );
    expect(answers.map((answer) => answer.body.status).sort()).toEqual([
      'COMPLETED',
      'FAILED',
      'FAILED',
      'FAILED',
      'FAILED',
    ]);
  });

  it('refuses a bad event or quantity by name', async () => {
    expectProblem(await charge(p, paymentRequest({ eventId: 'x', quantity: 1 })), 400, 'validation_failed');
    const zero = await charge(p, paymentRequest({ eventId: randomUUID(), quantity: 0 }));
    expectProblem(zero, 400);
    expect(zero.body.field).toBe('quantity');
  });
});
