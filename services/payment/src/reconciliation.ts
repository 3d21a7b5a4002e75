// The reconciler: a background loop settling payments and refunds left PENDING past their
// lease — by a gateway that answered too late, an outage, or a process that died mid-call.
// Several instances run it safely: each stale row is taken with FOR UPDATE SKIP LOCKED and
// its attempt re-claimed before the gateway is asked.
import { type PaymentDeps, settleLostCharge } from './payments.js';
import { driveRefund } from './refunds.js';
import * as repository from './repository.js';

const BATCH_SIZE = 50;

export async function reconcileOnce(deps: PaymentDeps): Promise<{ payments: number; refunds: number }> {
  const now = deps.clock.now();
  const staleBefore = new Date(now.getTime() - deps.settings.pendingLeaseMs);
  const stalePayments = await deps.db.transaction(async (tx) => {
    const rows = await repository.lockStalePendingPayments(tx, staleBefore, BATCH_SIZE);
    const claimed = [];
    for (const row of rows) {
      const payment = await repository.claimPaymentAttempt(tx, row.id, now, staleBefore);
      if (payment) claimed.push(payment);
    }
    return claimed;
  });
  for (const payment of stalePayments) await settleLostCharge(deps, payment);

  const staleRefunds = await deps.db.transaction(async (tx) => {
    const rows = await repository.lockStalePendingRefunds(tx, staleBefore, BATCH_SIZE);
    const claimed = [];
    for (const row of rows) {
      const refund = await repository.claimRefundAttempt(tx, row.id, now, staleBefore);
      if (refund) claimed.push(refund);
    }
    return claimed;
  });
  for (const refund of staleRefunds) {
    const payment = await repository.findPaymentById(deps.db.orm, refund.paymentId);
    if (payment) await driveRefund(deps, payment, refund);
  }
  return { payments: stalePayments.length, refunds: staleRefunds.length };
}

export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(private readonly deps: PaymentDeps) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = reconcileOnce(this.deps)
        .catch((error) => this.deps.logger.warn({ err: error }, 'payment reconciliation failed; will retry'))
        .finally(() => {
          this.running = undefined;
        });
    }, this.deps.settings.reconcileIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
