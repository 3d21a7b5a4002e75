// Fraud rules: checked before charging; a blocked payment is FAILED with its reasons stored.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FraudRules } from '../src/config.js';
import { assessFraud, type RecentActivity } from '../src/fraud.js';
import {
  card,
  charge,
  type PaymentPlatform,
  paymentRequest,
  SANDBOX_CARDS,
  startPaymentPlatform,
} from './support.js';

const rules: FraudRules = {
  maxAmount: 100_000,
  windowMinutes: 15,
  maxPerUser: 5,
  maxPerCard: 5,
  maxPerIp: 10,
  maxDeclines: 3,
  maxCardsPerUser: 3,
};
const quiet: RecentActivity = {
  attemptsByUser: 0,
  attemptsByCard: 0,
  attemptsByIp: 0,
  declinesByUser: 0,
  declinesByCard: 0,
  cardsByUser: 1,
};
const attempt = { amount: 5_000, hasCard: true, hasIp: true };

describe('the fraud rules, as a function', () => {
  it('approve an ordinary payment with a score of 0', () => {
    expect(assessFraud(rules, attempt, quiet)).toEqual({ decision: 'APPROVE', score: 0, reasons: [] });
  });

  it('block each kind of excess with its reason', () => {
    const cases: [Partial<RecentActivity>, { amount?: number }, string][] = [
      [{}, { amount: 100_001 }, 'amount_limit'],
      [{ attemptsByUser: 5 }, {}, 'user_velocity'],
      [{ attemptsByCard: 5 }, {}, 'card_velocity'],
      [{ attemptsByIp: 10 }, {}, 'ip_velocity'],
      [{ declinesByCard: 3 }, {}, 'repeated_declines'],
      [{ cardsByUser: 4 }, {}, 'too_many_cards'],
    ];
    for (const [recent, overrides, rule] of cases) {
      const result = assessFraud(rules, { ...attempt, ...overrides }, { ...quiet, ...recent });
      expect(result.decision, rule).toBe('BLOCK');
      expect(result.reasons.map((reason) => reason.rule)).toEqual([rule]);
      expect(result.score).toBeGreaterThan(0);
    }
  });

  it('raise the score near a limit without blocking', () => {
    const result = assessFraud(rules, attempt, { ...quiet, attemptsByUser: 4 });
    expect(result.decision).toBe('APPROVE');
    expect(result.score).toBeGreaterThan(0);
  });

  it('turn a rule off with a limit of 0', () => {
    const off = { ...rules, maxPerUser: 0, maxAmount: 0 };
    expect(
      assessFraud(off, { ...attempt, amount: 10 ** 9 }, { ...quiet, attemptsByUser: 1_000 }).decision,
    ).toBe('APPROVE');
  });
});

let p: PaymentPlatform;

beforeAll(async () => {
  p = await startPaymentPlatform({
    PAYMENT_FRAUD_MAX_AMOUNT: '100000',
    PAYMENT_FRAUD_MAX_PER_USER: '3',
    PAYMENT_FRAUD_MAX_PER_CARD: '3',
    PAYMENT_FRAUD_MAX_PER_IP: '4',
    PAYMENT_FRAUD_MAX_DECLINES: '2',
    PAYMENT_FRAUD_MAX_CARDS_PER_USER: '2',
  });
});
afterAll(() => p?.stop());

const blocked = (body: any, rule: string) => {
  expect(body.status).toBe('FAILED');
  expect(body.failureCode).toBe('fraud_blocked');
  expect(body.failureReason).toMatch(/^Blocked by the fraud rules: /);
  expect(body.fraud.decision).toBe('BLOCK');
  expect(body.fraud.reasons.map((reason: { rule: string }) => reason.rule)).toContain(rule);
};

describe('payments the fraud rules block', () => {
  it('an amount over the limit, stored with its reason and announced as payment-failed', async () => {
    const request = paymentRequest({ amount: 100_001 });
    const response = await charge(p, request);
    blocked(response.body, 'amount_limit');
    const { rows } = await p.sql.query(
      'SELECT fraud_decision, fraud_score, fraud_reasons FROM payments.payments WHERE id = $1',
      [response.body.id],
    );
    expect(rows[0].fraud_decision).toBe('BLOCK');
    expect(rows[0].fraud_reasons[0].rule).toBe('amount_limit');
    await expect
      .poll(() => p.events.find((event) => event.key === request.orderId)?.type, { timeout: 5_000 })
      .toBe('payment-failed');
    const ledger = await p.sql.query(
      `SELECT count(*)::int AS n FROM payments.sandbox_ledger WHERE idempotency_key = 'charge:' || $1`,
      [response.body.id],
    );
    expect(ledger.rows[0].n).toBe(0);
  });

  it('the fourth payment of one user in the window', async () => {
    const userId = randomUUID();
    const numbers = ['4242424242424242', '5555555555554444', '4242424242424242'];
    for (const number of numbers) {
      expect((await charge(p, paymentRequest({ userId, payment: card(number) }))).body.status).toBe(
        'COMPLETED',
      );
    }
    blocked((await charge(p, paymentRequest({ userId }))).body, 'user_velocity');
  });

  it('the fourth payment with one card, even across users', async () => {
    const number = '4111111111111111';
    for (let index = 0; index < 3; index++) {
      expect((await charge(p, paymentRequest({ payment: card(number) }))).body.status).toBe('COMPLETED');
    }
    blocked((await charge(p, paymentRequest({ payment: card(number) }))).body, 'card_velocity');
  });

  it('the fifth payment from one address', async () => {
    const ipAddress = '203.0.113.7';
    const numbers = ['4012888888881881', '5105105105105100', '6011111111111117', '3566002020360505'];
    for (const number of numbers) {
      expect((await charge(p, paymentRequest({ ipAddress, payment: card(number) }))).body.status).toBe(
        'COMPLETED',
      );
    }
    blocked(
      (await charge(p, paymentRequest({ ipAddress, payment: card('4000056655665556') }))).body,
      'ip_velocity',
    );
  });

  it('a card after two declines, even one that would succeed now', async () => {
    const userId = randomUUID();
    for (let index = 0; index < 2; index++) {
      const response = await charge(p, paymentRequest({ userId, payment: card(SANDBOX_CARDS.declined) }));
      expect(response.body.failureCode).toBe('card_declined');
    }
    blocked((await charge(p, paymentRequest({ userId }))).body, 'repeated_declines');
  });

  it('a third different card tried by one user (card testing)', async () => {
    const userId = randomUUID();
    await charge(p, paymentRequest({ userId, payment: card('4000002500003155') }));
    await charge(p, paymentRequest({ userId, payment: card('4000002760003184') }));
    blocked(
      (await charge(p, paymentRequest({ userId, payment: card('4000000000003220') }))).body,
      'too_many_cards',
    );
  });
});
