// The recovery worker: finishes or compensates every saga nobody is driving — left between
// two steps by a crash, waiting for a service that was down, or started in bulk by an event's
// cancellation. Several instances share the work: each due order is locked with FOR UPDATE
// SKIP LOCKED and its lease claimed in that transaction, then driven outside it.
import type { DomainEvent } from '@ticketing/platform';
import * as repository from './repository.js';
import { type OrderDeps, runSaga, SimulatedCrash } from './saga.js';

const BATCH_SIZE = 25;

/** One pass: claims the due sagas and drives them; answers how many it took. */
export async function recoverOnce(deps: OrderDeps): Promise<number> {
  const now = deps.clock.now();
  const leaseUntil = new Date(now.getTime() + deps.settings.sagaLeaseMs);
  const claimed = await deps.db.transaction(async (tx) => {
    const due = await repository.lockDueSagas(tx, now, BATCH_SIZE);
    const taken = [];
    for (const order of due) {
      const claim = await repository.claimSaga(tx, order.id, now, leaseUntil);
      if (claim) taken.push(claim);
    }
    return taken;
  });
  await Promise.all(
    claimed.map((order) =>
      runSaga(deps, order).catch((error) => {
        if (error instanceof SimulatedCrash) return;
        deps.logger.error({ err: error, orderId: order.id }, 'recovering an order failed');
      }),
    ),
  );
  return claimed.length;
}

export class RecoveryWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;

  constructor(private readonly deps: OrderDeps) {}

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), this.deps.settings.recoveryIntervalMs);
    this.timer.unref();
    this.wake();
  }

  /** Runs a pass now (or right after the current one), and more while passes find work. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = recoverOnce(this.deps)
      .then((taken) => {
        if (taken > 0) this.again = true;
      })
      .catch((error) => this.deps.logger.warn({ err: error }, 'order recovery pass failed; will retry'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /**
   * A payment outcome arrived: the order waiting at CHARGE for it goes on now. Most outcomes
   * were answered to the purchase itself, whose saga has moved on: then there is nothing to wake
   * (known here when this instance's saga was answered the charge, otherwise found by the update).
   */
  async onPaymentSettled(event: DomainEvent): Promise<void> {
    const { orderId } = event.payload as { orderId: string };
    if (this.deps.chargesAnsweredHere.delete(orderId)) return;
    if (await repository.makeSagaDue(this.deps.db.orm, orderId, 'CHARGE', this.deps.clock.now())) this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
