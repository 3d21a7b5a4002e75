// Admin payment analytics over a time range: volumes and amounts per currency, failure and
// fraud-block breakdowns, card brands and a daily series of completed payments.
import type { Static } from 'typebox';
import type { PaymentDeps } from './payments.js';
import * as repository from './repository.js';
import type { PaymentAnalytics } from './schema.js';

const DEFAULT_RANGE_DAYS = 30;

export async function paymentAnalytics(
  deps: PaymentDeps,
  range: { from?: string; to?: string },
): Promise<Static<typeof PaymentAnalytics>> {
  const to = range.to ? new Date(range.to) : deps.clock.now();
  const from = range.from ? new Date(range.from) : new Date(to.getTime() - DEFAULT_RANGE_DAYS * 86_400_000);
  const db = deps.db.orm;
  const [currencies, failures, fraudRules, brands, daily] = await Promise.all([
    repository.totalsByCurrency(db, from, to),
    repository.failuresByCode(db, from, to),
    repository.fraudBlocksByRule(db, from, to),
    repository.completedByBrand(db, from, to),
    repository.dailyCompleted(db, from, to),
  ]);
  const sum = (pick: (totals: repository.CurrencyTotals) => number) =>
    currencies.reduce((total, currency) => total + pick(currency), 0);
  const completed = sum((c) => c.completed) + sum((c) => c.refunded);
  const failed = sum((c) => c.failed);
  const fraudBlocked = failures.find((failure) => failure.code === 'fraud_blocked')?.count ?? 0;
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    totals: {
      payments: sum((c) => c.payments),
      completed,
      failed,
      pending: sum((c) => c.pending),
      refunded: sum((c) => c.refunded),
      fraudBlocked,
      successRate: completed + failed === 0 ? null : Number((completed / (completed + failed)).toFixed(4)),
    },
    byCurrency: currencies.map((c) => ({
      currency: c.currency,
      payments: c.payments,
      completed: c.completed + c.refunded,
      grossAmount: c.grossAmount,
      refundedAmount: c.refundedAmount,
      netAmount: c.grossAmount - c.refundedAmount,
      averageAmount: c.averageAmount,
    })),
    failures,
    fraudRules,
    cardBrands: brands,
    daily,
  };
}
