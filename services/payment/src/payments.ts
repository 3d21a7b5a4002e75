// Charging an order: check the card, run the fraud rules, record the payment PENDING, ask the
// gateway under an idempotency key derived from the payment id, and settle the payment with
// its event in one transaction. One payment per order: a repeated request (same order, or
// same Idempotency-Key) answers the first payment; a different one for either answers 422.
// A gateway that answers too late leaves the payment PENDING; the answer, a webhook or the
// reconciler settles it later, and never by charging twice.
import { createHmac } from 'node:crypto';
import type { CreatePaymentBody, PaymentMethodInput, PaymentView, RefundView } from '@ticketing/contracts';
import {
  appendToOutbox,
  type Clock,
  type Database,
  type Executor,
  type Logger,
  newId,
} from '@ticketing/platform';
import { checkCardCap } from './card-caps.js';
import { type CardSummary, cardDigits, cardExpired, summarizeCard, summarizeTokenCard } from './cards.js';
import type { PaymentServiceConfig } from './config.js';
import {
  GatewayUnavailableError,
  IdempotencyMismatchError,
  PaymentMethodRequiredError,
  PaymentNotFoundError,
  PaymentTokenNotSupportedError,
  RawCardNotSupportedError,
} from './errors.js';
import { paymentFailed, paymentProcessed } from './events.js';
import { assessFraud } from './fraud.js';
import {
  type ChargeOutcome,
  type ChargeRequest,
  GatewayTransientError,
  type PaymentGateway,
  withinTimeout,
} from './gateway.js';
import * as repository from './repository.js';
import type { PaymentRow, RefundRow } from './tables.js';

export const PAYMENT_SCHEMA = 'payments';

export interface PaymentDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
  gateway: PaymentGateway;
  settings: PaymentServiceConfig;
  /** Gateway calls still running after their request answered PENDING (awaited on shutdown). */
  inFlight: Set<Promise<unknown>>;
}

export function toRefundView(refund: RefundRow, currency: string): RefundView {
  return {
    id: refund.id,
    paymentId: refund.paymentId,
    amount: refund.amount,
    currency,
    status: refund.status,
    reason: refund.reason,
    gatewayRefundId: refund.gatewayRefundId,
    failureReason: refund.failureReason,
    createdAt: refund.createdAt.toISOString(),
    updatedAt: refund.updatedAt.toISOString(),
  };
}

export function toPaymentView(payment: PaymentRow, refunds: RefundRow[]): PaymentView {
  return {
    id: payment.id,
    orderId: payment.orderId,
    userId: payment.userId,
    amount: payment.amount,
    currency: payment.currency,
    paymentMethod: payment.paymentMethod,
    card: {
      brand: payment.cardBrand,
      last4: payment.cardLast4,
      expMonth: payment.cardExpMonth,
      expYear: payment.cardExpYear,
    },
    status: payment.status,
    failureCode: payment.failureCode,
    failureReason: payment.failureReason,
    gateway: payment.gateway,
    gatewayTransactionId: payment.gatewayTransactionId,
    fraud: { decision: payment.fraudDecision, score: payment.fraudScore, reasons: payment.fraudReasons },
    refundedAmount: payment.refundedAmount,
    refunds: refunds.map((refund) => toRefundView(refund, payment.currency)),
    paymentDate: payment.paymentDate?.toISOString() ?? null,
    createdAt: payment.createdAt.toISOString(),
    updatedAt: payment.updatedAt.toISOString(),
  };
}

export async function viewOf(db: Executor, payment: PaymentRow): Promise<PaymentView> {
  return toPaymentView(payment, await repository.listRefundsOfPayments(db, [payment.id]));
}

interface ResolvedMethod {
  summary: CardSummary | undefined;
  card: ChargeRequest['card'];
  token: string | undefined;
}

/** Checks the payment method against the gateway; the card number stays in this object only. */
function resolveMethod(deps: PaymentDeps, payment: PaymentMethodInput): ResolvedMethod {
  if ((payment.card === undefined) === (payment.token === undefined)) throw new PaymentMethodRequiredError();
  if (payment.card) {
    const summary = summarizeCard(payment.card, deps.settings.cardFingerprintSecret);
    const digits = cardDigits(payment.card.number);
    if (!deps.gateway.acceptsCard(digits)) throw new RawCardNotSupportedError();
    return {
      summary,
      card: {
        digits,
        expMonth: payment.card.expMonth,
        expYear: payment.card.expYear,
        cvc: payment.card.cvc,
        ...(payment.card.holderName !== undefined && { holderName: payment.card.holderName }),
      },
      // Stripe is asked with its test PaymentMethod for a test card; the sandbox takes the card.
      token: deps.gateway.tokenForCard(digits),
    };
  }
  if (!deps.gateway.acceptsToken()) throw new PaymentTokenNotSupportedError(deps.gateway.name);
  return { summary: undefined, card: undefined, token: payment.token };
}

/** A keyed hash of what makes two payment requests the same one (never the card number itself). */
function requestHash(deps: PaymentDeps, input: CreatePaymentBody, method: ResolvedMethod): string {
  const canonical = JSON.stringify([
    input.orderId,
    input.userId,
    input.amount,
    input.currency,
    method.summary?.fingerprint ?? null,
    method.summary?.expMonth ?? null,
    method.summary?.expYear ?? null,
    method.token ?? null,
  ]);
  return createHmac('sha256', deps.settings.cardFingerprintSecret).update(canonical).digest('hex');
}

export type ChargeResult = { payment: PaymentView; created: boolean };

export async function chargeOrder(
  deps: PaymentDeps,
  input: CreatePaymentBody,
  idempotencyKey: string | undefined,
): Promise<ChargeResult> {
  const method = resolveMethod(deps, input.payment);
  const hash = requestHash(deps, input, method);
  // Twice at most: a concurrent first request for the same order wins the insert, and we answer its payment.
  for (let attempt = 0; attempt < 2; attempt++) {
    const { byKey, byOrder } = await repository.findPaymentByKeyOrOrder(
      deps.db.orm,
      idempotencyKey,
      input.orderId,
    );
    const existing = byKey ?? byOrder;
    if (existing) {
      if (existing.requestHash !== hash) throw new IdempotencyMismatchError(byKey ? 'key' : 'order');
      return { payment: await replayCharge(deps, existing, input, method), created: false };
    }
    const created = await createPayment(deps, input, method, hash, idempotencyKey);
    if (created) return { payment: created, created: true };
  }
  throw new Error('a payment for this order was created concurrently but cannot be read');
}

/** The card behind a token, fingerprinted like ours; 503 when the gateway cannot say in time. */
async function describeTokenCard(deps: PaymentDeps, token: string): Promise<CardSummary | undefined> {
  const described = await withinTimeout(
    deps.gateway.describeToken(token).then((card) => ({ card })),
    deps.settings.gatewayTimeoutMs,
  ).catch((error: unknown) => {
    throw error instanceof GatewayTransientError ? new GatewayUnavailableError(error.message) : error;
  });
  if (!described) throw new GatewayUnavailableError('it did not describe the card in time');
  return (
    described.card &&
    summarizeTokenCard(described.card, deps.gateway.name, deps.settings.cardFingerprintSecret)
  );
}

async function createPayment(
  deps: PaymentDeps,
  input: CreatePaymentBody,
  method: ResolvedMethod,
  hash: string,
  idempotencyKey: string | undefined,
): Promise<PaymentView | undefined> {
  const now = deps.clock.now();
  // A token (Stripe Elements) names its card only at the gateway: ask, so that the card cap and
  // the fraud rules count it like a typed card.
  const card = method.summary ?? (method.token ? await describeTokenCard(deps, method.token) : undefined);
  const rules = deps.settings.fraud;
  const recent = await repository.countRecentActivity(
    deps.db.orm,
    {
      userId: input.userId,
      cardFingerprint: card?.fingerprint ?? null,
      ipAddress: input.ipAddress ?? null,
    },
    new Date(now.getTime() - rules.windowMinutes * 60_000),
  );
  const fraud = assessFraud(
    rules,
    { amount: input.amount, hasCard: card !== undefined, hasIp: input.ipAddress !== undefined },
    recent,
  );
  let failure: { code: string; reason: string } | undefined;
  if (fraud.decision === 'BLOCK') {
    failure = {
      code: 'fraud_blocked',
      reason: `Blocked by the fraud rules: ${fraud.reasons.map((reason) => reason.detail).join('; ')}`,
    };
  } else if (card && cardExpired(card, now)) {
    failure = { code: 'expired_card', reason: 'The card has expired' };
  }
  const payment = await deps.db.transaction(async (tx) => {
    // Under a lock per card and event, so two concurrent orders cannot both slip past the cap.
    const cardCap =
      !failure && card
        ? await checkCardCap(tx, deps, {
            eventId: input.eventId,
            quantity: input.quantity,
            fingerprint: card.fingerprint,
          })
        : undefined;
    if (cardCap) failure = cardCap;
    const inserted = await repository.insertPaymentUnlessExists(tx, {
      id: newId(),
      orderId: input.orderId,
      userId: input.userId,
      amount: input.amount,
      currency: input.currency,
      paymentMethod: 'card',
      cardBrand: card?.brand ?? 'unknown',
      cardLast4: card?.last4 ?? null,
      cardExpMonth: card?.expMonth ?? null,
      cardExpYear: card?.expYear ?? null,
      cardFingerprint: card?.fingerprint ?? null,
      paymentToken: method.token ?? null,
      status: failure ? 'FAILED' : 'PENDING',
      refundedAmount: 0,
      gateway: deps.gateway.name,
      gatewayTransactionId: null,
      gatewayResponse: null,
      failureCode: failure?.code ?? null,
      failureReason: failure?.reason ?? null,
      fraudDecision: fraud.decision,
      fraudScore: fraud.score,
      fraudReasons: fraud.reasons,
      ipAddress: input.ipAddress ?? null,
      eventId: input.eventId ?? null,
      ticketQuantity: input.quantity ?? null,
      description: input.description ?? null,
      idempotencyKey: idempotencyKey ?? null,
      requestHash: hash,
      attemptStartedAt: failure ? null : now,
      paymentDate: null,
      createdAt: now,
      updatedAt: now,
    });
    if (inserted && failure) await appendToOutbox(tx, PAYMENT_SCHEMA, [paymentFailed(inserted)]);
    if (inserted && cardCap && card && input.eventId)
      await repository.recordCardLimitRefusal(tx, input.eventId, card, now);
    return inserted;
  });
  if (!payment) return undefined;
  if (failure) {
    deps.logger.info(
      { paymentId: payment.id, orderId: payment.orderId, failureCode: failure.code, fraud: fraud.reasons },
      'payment refused before charging',
    );
    return toPaymentView(payment, []);
  }
  return driveCharge(deps, payment, method);
}

/** The same request again: the first payment, or — if its attempt was abandoned — the charge finished now. */
async function replayCharge(
  deps: PaymentDeps,
  existing: PaymentRow,
  input: CreatePaymentBody,
  method: ResolvedMethod,
): Promise<PaymentView> {
  if (existing.status !== 'PENDING') return viewOf(deps.db.orm, existing);
  const now = deps.clock.now();
  const claimed = await repository.claimPaymentAttempt(
    deps.db.orm,
    existing.id,
    now,
    new Date(now.getTime() - deps.settings.pendingLeaseMs),
  );
  // Someone is talking to the gateway about it right now: the caller asks again later.
  if (!claimed) return viewOf(deps.db.orm, existing);
  // We hold the attempt and have the card again: ask under the same key, which charges at most once.
  return driveCharge(deps, claimed, method, input.description);
}

function chargeRequestOf(payment: PaymentRow, description?: string | null) {
  return {
    paymentId: payment.id,
    orderId: payment.orderId,
    userId: payment.userId,
    amount: payment.amount,
    currency: payment.currency,
    description: description ?? payment.description ?? undefined,
  };
}

/** Calls the gateway; answers the settled payment, or the PENDING one when the gateway is too slow. */
async function driveCharge(
  deps: PaymentDeps,
  payment: PaymentRow,
  method: ResolvedMethod,
  description?: string,
): Promise<PaymentView> {
  const request: ChargeRequest = {
    ...chargeRequestOf(payment, description),
    ...(method.card && { card: method.card }),
    ...(method.token && { token: method.token }),
  };
  const settled = deps.gateway
    .charge(request)
    .then((outcome) => settleCharge(deps, payment.id, outcome))
    .catch((error) => {
      if (error instanceof GatewayTransientError) {
        deps.logger.warn(
          { err: error, paymentId: payment.id },
          'gateway unavailable; the payment stays PENDING',
        );
        return undefined;
      }
      throw error;
    });
  track(deps, settled);
  const result = await withinTimeout(settled, deps.settings.gatewayTimeoutMs);
  // Settled just now from PENDING: nothing of it can have been refunded yet.
  if (result) return toPaymentView(result, []);
  const current = await repository.findPaymentById(deps.db.orm, payment.id);
  return viewOf(deps.db.orm, current ?? payment);
}

function track(deps: PaymentDeps, work: Promise<unknown>): void {
  const quiet = work.catch((error) => deps.logger.error({ err: error }, 'settling a payment failed'));
  deps.inFlight.add(quiet);
  void quiet.finally(() => deps.inFlight.delete(quiet));
}

/** Records the gateway's answer on a PENDING payment with its event, in one transaction. */
export async function settleChargeIn(
  tx: Executor,
  deps: Pick<PaymentDeps, 'clock'>,
  paymentId: string,
  outcome: ChargeOutcome,
): Promise<PaymentRow | undefined> {
  const now = deps.clock.now();
  if (outcome.status === 'pending') {
    return repository.settlePendingPayment(
      tx,
      paymentId,
      { gatewayTransactionId: outcome.transactionId, gatewayResponse: outcome.response },
      now,
    );
  }
  const settled = await repository.settlePendingPayment(
    tx,
    paymentId,
    outcome.status === 'succeeded'
      ? {
          status: 'COMPLETED',
          gatewayTransactionId: outcome.transactionId,
          gatewayResponse: outcome.response,
          paymentDate: now,
        }
      : {
          status: 'FAILED',
          gatewayTransactionId: outcome.transactionId,
          gatewayResponse: outcome.response,
          failureCode: outcome.failureCode,
          failureReason: outcome.failureReason,
        },
    now,
  );
  if (settled) {
    await appendToOutbox(tx, PAYMENT_SCHEMA, [
      settled.status === 'COMPLETED' ? paymentProcessed(settled) : paymentFailed(settled),
    ]);
  }
  return settled;
}

async function settleCharge(
  deps: PaymentDeps,
  paymentId: string,
  outcome: ChargeOutcome,
): Promise<PaymentRow> {
  const settled = await deps.db.transaction((tx) => settleChargeIn(tx, deps, paymentId, outcome));
  // Already settled by someone else (a webhook, the reconciler): theirs stands.
  return settled ?? (await repository.findPaymentById(deps.db.orm, paymentId))!;
}

/**
 * Settles a PENDING payment whose attempt went stale by asking the gateway what it did; a
 * charge the gateway never saw fails as abandoned (nothing was taken). Answers the payment
 * as it is afterwards (still PENDING while the gateway cannot say).
 */
export async function reconcilePayment(deps: PaymentDeps, payment: PaymentRow): Promise<PaymentRow> {
  const now = deps.clock.now();
  const claimed = await repository.claimPaymentAttempt(
    deps.db.orm,
    payment.id,
    now,
    new Date(now.getTime() - deps.settings.pendingLeaseMs),
  );
  if (!claimed) return (await repository.findPaymentById(deps.db.orm, payment.id)) ?? payment;
  return settleLostCharge(deps, claimed);
}

/** For a payment whose attempt the caller already claimed. */
export async function settleLostCharge(deps: PaymentDeps, claimed: PaymentRow): Promise<PaymentRow> {
  try {
    const lookup = deps.gateway.findCharge({
      ...chargeRequestOf(claimed),
      token: claimed.paymentToken,
      transactionId: claimed.gatewayTransactionId,
    });
    const found = await withinTimeout(
      lookup.then((outcome) => ({ outcome })),
      deps.settings.gatewayTimeoutMs,
    );
    if (!found) return claimed;
    const outcome: ChargeOutcome = found.outcome ?? {
      status: 'failed',
      failureCode: 'payment_abandoned',
      failureReason: 'The payment attempt was interrupted before it reached the gateway; nothing was charged',
      transactionId: null,
      response: { abandoned: true },
    };
    deps.logger.info({ paymentId: claimed.id, outcome: outcome.status }, 'stale PENDING payment settled');
    return await settleCharge(deps, claimed.id, outcome);
  } catch (error) {
    if (!(error instanceof GatewayTransientError)) throw error;
    deps.logger.warn({ err: error, paymentId: claimed.id }, 'gateway unavailable; the payment stays PENDING');
    return claimed;
  }
}

function isStale(deps: PaymentDeps, payment: PaymentRow): boolean {
  const started = payment.attemptStartedAt?.getTime() ?? 0;
  return started < deps.clock.now().getTime() - deps.settings.pendingLeaseMs;
}

export async function getPayment(deps: PaymentDeps, paymentId: string): Promise<PaymentView> {
  const payment = await repository.findPaymentById(deps.db.orm, paymentId);
  if (!payment) throw new PaymentNotFoundError();
  return viewOf(deps.db.orm, payment);
}

/**
 * The payment of an order, as the order service's recovery asks for it: a PENDING payment
 * whose attempt went stale is settled with the gateway first, so the answer is final when it can be.
 */
export async function getPaymentForOrder(deps: PaymentDeps, orderId: string): Promise<PaymentView> {
  let payment = await repository.findPaymentByOrder(deps.db.orm, orderId);
  if (!payment) throw new PaymentNotFoundError();
  if (payment.status === 'PENDING' && isStale(deps, payment)) payment = await reconcilePayment(deps, payment);
  return viewOf(deps.db.orm, payment);
}

export async function searchPayments(
  deps: PaymentDeps,
  filter: Omit<repository.PaymentFilter, 'limit' | 'before'> & { cursor?: string; limit?: number },
): Promise<{ items: PaymentView[]; nextCursor: string | null }> {
  const limit = filter.limit ?? 20;
  const rows = await repository.searchPayments(deps.db.orm, {
    ...filter,
    before: filter.cursor,
    limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  const refunds = await repository.listRefundsOfPayments(
    deps.db.orm,
    page.map((payment) => payment.id),
  );
  return {
    items: page.map((payment) =>
      toPaymentView(
        payment,
        refunds.filter((refund) => refund.paymentId === payment.id),
      ),
    ),
    nextCursor: rows.length > limit ? page[page.length - 1]!.id : null,
  };
}
