// The reconciler: payments and refunds left PENDING by an interruption settle without anyone asking.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  interruptPayment,
  type PaymentPlatform,
  refund,
  SANDBOX_CARDS,
  startPaymentPlatform,
} from './support.js';

let p: PaymentPlatform;

beforeAll(async () => {
  p = await startPaymentPlatform({
    PAYMENT_GATEWAY_TIMEOUT_MS: '1500',
    PAYMENT_PENDING_LEASE_MS: '2000',
    PAYMENT_RECONCILE_INTERVAL_MS: '100',
    PAYMENT_FRAUD_MAX_PER_USER: '0',
    PAYMENT_FRAUD_MAX_PER_CARD: '0',
  });
});
afterAll(() => p?.stop());

const statusOf = async (table: 'payments' | 'refunds', id: string) =>
  (await p.sql.query(`SELECT status FROM payments.${table} WHERE id = $1`, [id])).rows[0].status;

describe('the reconciler', () => {
  it('settles interrupted payments from what the gateway did', async () => {
    const declined = await interruptPayment(p, { reachedGateway: true, card: SANDBOX_CARDS.declined });
    const succeeded = await interruptPayment(p, { reachedGateway: true });
    const neverSent = await interruptPayment(p, { reachedGateway: false });
    await expect.poll(() => statusOf('payments', declined.id), { timeout: 5_000 }).toBe('FAILED');
    await expect.poll(() => statusOf('payments', succeeded.id), { timeout: 5_000 }).toBe('COMPLETED');
    await expect.poll(() => statusOf('payments', neverSent.id), { timeout: 5_000 }).toBe('FAILED');
    const { rows } = await p.sql.query('SELECT failure_code FROM payments.payments WHERE id = $1', [
      neverSent.id,
    ]);
    expect(rows[0].failure_code).toBe('payment_abandoned');
  });

  it('finishes an interrupted refund once, under its key', async () => {
    const { id } = await interruptPayment(p, { reachedGateway: true });
    await expect.poll(() => statusOf('payments', id), { timeout: 5_000 }).toBe('COMPLETED');
    const answer = await refund(p, id, { reason: 'order cancelled' }, `refund-${id}`);
    expect(answer.body.refund.status).toBe('COMPLETED');
    // As if the process died after recording the refund but before the gateway's answer.
    // One transaction, so the reconciler never sees half of it (ids are UUIDs, safe to inline).
    await p.sql.query(`BEGIN;
      UPDATE payments.refunds SET status = 'PENDING', attempt_started_at = now() - interval '1 hour'
        WHERE id = '${answer.body.refund.id}';
      UPDATE payments.payments SET status = 'COMPLETED', refunded_amount = 0 WHERE id = '${id}';
      COMMIT;`);
    await expect.poll(() => statusOf('refunds', answer.body.refund.id), { timeout: 5_000 }).toBe('COMPLETED');
    expect(await statusOf('payments', id)).toBe('REFUNDED');
    const ledger = await p.sql.query(
      `SELECT count(*)::int AS n FROM payments.sandbox_ledger WHERE idempotency_key = 'refund:' || $1`,
      [answer.body.refund.id],
    );
    expect(ledger.rows[0].n).toBe(1);
  });
});
