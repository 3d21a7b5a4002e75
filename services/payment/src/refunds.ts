// Refunds, full or partial, idempotent on (payment, Idempotency-Key). The amount is decided
// under a lock on the payment, counting refunds still in flight, so two refunds racing can
// never give back more than was taken. The gateway is asked under a key derived from the
// refund id; a refund whose answer was lost is asked again under the same key until it settles.
import type { CreateRefundBody, RefundResult } from '@ticketing/contracts';
import { appendToOutbox, type Executor, newId } from '@ticketing/platform';
import {
  IdempotencyMismatchError,
  PaymentNotFoundError,
  PaymentNotRefundableError,
  RefundExceedsPaymentError,
} from './errors.js';
import { paymentRefunded } from './events.js';
import { GatewayTransientError, type RefundOutcome, withinTimeout } from './gateway.js';
import { PAYMENT_SCHEMA, type PaymentDeps, toRefundView, viewOf } from './payments.js';
import * as repository from './repository.js';
import type { PaymentRow, RefundRow } from './tables.js';

export type RefundAnswer = RefundResult & { created: boolean };

export async function refundPayment(
  deps: PaymentDeps,
  paymentId: string,
  body: CreateRefundBody,
  idempotencyKey: string,
): Promise<RefundAnswer> {
  const now = deps.clock.now();
  const { payment, refund, created } = await deps.db.transaction(async (tx) => {
    const payment = await repository.lockPayment(tx, paymentId);
    if (!payment) throw new PaymentNotFoundError();
    const existing = await repository.findRefundByKey(tx, paymentId, idempotencyKey);
    if (existing) {
      if (body.amount !== undefined && body.amount !== existing.amount)
        throw new IdempotencyMismatchError('key');
      return { payment, refund: existing, created: false };
    }
    if (payment.status !== 'COMPLETED') throw new PaymentNotRefundableError(payment.status);
    const refundable =
      payment.amount - payment.refundedAmount - (await repository.sumPendingRefunds(tx, paymentId));
    const amount = body.amount ?? refundable;
    if (amount <= 0 || amount > refundable) throw new RefundExceedsPaymentError(amount, refundable);
    const refund = await repository.insertRefundUnlessExists(tx, {
      id: newId(),
      paymentId,
      amount,
      status: 'PENDING',
      reason: body.reason,
      idempotencyKey,
      gatewayRefundId: null,
      gatewayResponse: null,
      failureReason: null,
      attemptStartedAt: now,
      createdAt: now,
      updatedAt: now,
    });
    return { payment, refund: refund!, created: true };
  });
  if (refund.status !== 'PENDING') return answer(deps, paymentId, refund, created);
  if (!created) {
    // A replay of a refund still in flight: drive it only if its attempt went stale.
    const claimed = await repository.claimRefundAttempt(
      deps.db.orm,
      refund.id,
      deps.clock.now(),
      new Date(deps.clock.now().getTime() - deps.settings.pendingLeaseMs),
    );
    if (!claimed) return answer(deps, paymentId, refund, false);
  }
  const settled = await driveRefund(deps, payment, refund);
  return answer(deps, paymentId, settled, created);
}

async function answer(deps: PaymentDeps, paymentId: string, refund: RefundRow, created: boolean) {
  const payment = (await repository.findPaymentById(deps.db.orm, paymentId))!;
  return {
    refund: toRefundView(refund, payment.currency),
    payment: await viewOf(deps.db.orm, payment),
    created,
  };
}

/** Asks the gateway (again, under the refund's key); answers the refund, PENDING if the gateway cannot say yet. */
export async function driveRefund(
  deps: PaymentDeps,
  payment: PaymentRow,
  refund: RefundRow,
): Promise<RefundRow> {
  const call = deps.gateway
    .refund({
      refundId: refund.id,
      paymentId: payment.id,
      transactionId: payment.gatewayTransactionId ?? '',
      amount: refund.amount,
      currency: payment.currency,
      reason: refund.reason,
    })
    .then((outcome) => settleRefund(deps, refund.id, outcome))
    .catch((error) => {
      if (error instanceof GatewayTransientError) {
        deps.logger.warn(
          { err: error, refundId: refund.id },
          'gateway unavailable; the refund stays PENDING',
        );
        return undefined;
      }
      throw error;
    });
  const quiet = call.catch((error) =>
    deps.logger.error({ err: error, refundId: refund.id }, 'refund failed'),
  );
  deps.inFlight.add(quiet);
  void quiet.finally(() => deps.inFlight.delete(quiet));
  const settled = await withinTimeout(call, deps.settings.gatewayTimeoutMs);
  return settled ?? (await repository.findRefundById(deps.db.orm, refund.id)) ?? refund;
}

/** Records the gateway's answer on a PENDING refund; a completed one is added to its payment with its event. */
export async function settleRefund(
  deps: PaymentDeps,
  refundId: string,
  outcome: RefundOutcome,
): Promise<RefundRow> {
  const settled = await deps.db.transaction((tx) => settleRefundIn(tx, deps, refundId, outcome));
  return settled ?? (await repository.findRefundById(deps.db.orm, refundId))!;
}

export async function settleRefundIn(
  tx: Executor,
  deps: Pick<PaymentDeps, 'clock'>,
  refundId: string,
  outcome: RefundOutcome,
): Promise<RefundRow | undefined> {
  const now = deps.clock.now();
  const pending = await repository.findRefundById(tx, refundId);
  if (pending?.status !== 'PENDING') return undefined;
  // The payment's lock orders this with new refunds deciding what is left.
  await repository.lockPayment(tx, pending.paymentId);
  if (outcome.status === 'pending') {
    return repository.settlePendingRefund(
      tx,
      refundId,
      { gatewayRefundId: outcome.gatewayRefundId, gatewayResponse: outcome.response },
      now,
    );
  }
  const refund = await repository.settlePendingRefund(
    tx,
    refundId,
    outcome.status === 'succeeded'
      ? { status: 'COMPLETED', gatewayRefundId: outcome.gatewayRefundId, gatewayResponse: outcome.response }
      : {
          status: 'FAILED',
          gatewayRefundId: outcome.gatewayRefundId,
          gatewayResponse: outcome.response,
          failureReason: outcome.failureReason,
        },
    now,
  );
  if (refund?.status === 'COMPLETED') {
    const payment = await repository.addRefundedAmount(tx, refund.paymentId, refund.amount, now);
    await appendToOutbox(tx, PAYMENT_SCHEMA, [paymentRefunded(payment, refund)]);
  }
  return refund;
}
