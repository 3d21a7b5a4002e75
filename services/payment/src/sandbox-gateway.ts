// The sandbox gateway, the default: the test card numbers of docs/architecture.md decide the outcome,
// so every path can be exercised without a processor. It stands for an outside system and
// keeps its own ledger keyed by idempotency key (a repeated call returns the first result; a
// lookup after a lost answer finds it), written before the slow card's delay so a lookup during
// the delay already sees the outcome, as a real processor's would.
import type { Clock, Database } from '@ticketing/platform';
import type {
  ChargeOutcome,
  ChargeRequest,
  LostCharge,
  PaymentGateway,
  RefundOutcome,
  RefundRequest,
} from './gateway.js';
import * as repository from './repository.js';
import type { SandboxLedgerRow } from './tables.js';

/** The sandbox's test cards; any other valid number succeeds. */
export const SANDBOX_CARDS = {
  success: '4242424242424242',
  declined: '4000000000000002',
  insufficientFunds: '4000000000009995',
  processingError: '4000000000000119',
  /** Succeeds, but answers only after PAYMENT_SANDBOX_SLOW_MS (to exercise timeouts). */
  slow: '4000000000006553',
} as const;

const DECLINES: Record<string, { failureCode: string; failureReason: string }> = {
  [SANDBOX_CARDS.declined]: { failureCode: 'card_declined', failureReason: 'The card was declined' },
  [SANDBOX_CARDS.insufficientFunds]: {
    failureCode: 'insufficient_funds',
    failureReason: 'The card has insufficient funds',
  },
  [SANDBOX_CARDS.processingError]: {
    failureCode: 'processing_error',
    failureReason: 'An error occurred while processing the card; try again later or use another card',
  },
};

const chargeKey = (paymentId: string) => `charge:${paymentId}`;
const refundKey = (refundId: string) => `refund:${refundId}`;

function chargeOutcome(entry: SandboxLedgerRow): ChargeOutcome {
  return entry.outcome === 'succeeded'
    ? { status: 'succeeded', transactionId: entry.transactionId, response: entry.response }
    : {
        status: 'failed',
        failureCode: entry.failureCode ?? 'card_declined',
        failureReason: String(entry.response.message ?? 'The card was declined'),
        transactionId: entry.transactionId,
        response: entry.response,
      };
}

function refundOutcome(entry: SandboxLedgerRow): RefundOutcome {
  return entry.outcome === 'succeeded'
    ? { status: 'succeeded', gatewayRefundId: entry.transactionId, response: entry.response }
    : {
        status: 'failed',
        gatewayRefundId: entry.transactionId,
        failureReason: String(entry.response.message ?? 'refund failed'),
        response: entry.response,
      };
}

export class SandboxGateway implements PaymentGateway {
  readonly name = 'sandbox' as const;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly slowMs: number,
  ) {}

  acceptsCard(): boolean {
    return true;
  }

  tokenForCard(): undefined {
    return undefined;
  }

  acceptsToken(): boolean {
    return false;
  }

  async describeToken(): Promise<undefined> {
    return undefined; // takes no tokens
  }

  async charge(request: ChargeRequest): Promise<ChargeOutcome> {
    const key = chargeKey(request.paymentId);
    const digits = request.card?.digits ?? '';
    const decline = DECLINES[digits];
    const transactionId = `sbx_ch_${request.paymentId.replaceAll('-', '')}`;
    const response = decline
      ? {
          id: transactionId,
          object: 'charge',
          status: 'failed',
          code: decline.failureCode,
          message: decline.failureReason,
        }
      : {
          id: transactionId,
          object: 'charge',
          status: 'succeeded',
          amount: request.amount,
          currency: request.currency,
        };
    // The same key again (a replay, or two calls racing): the first entry is the answer.
    const { entry, fresh } = await repository.insertLedgerEntry(this.db.orm, {
      idempotencyKey: key,
      kind: 'charge',
      transactionId,
      outcome: decline ? 'failed' : 'succeeded',
      failureCode: decline?.failureCode ?? null,
      amount: request.amount,
      currency: request.currency,
      response,
      createdAt: this.clock.now(),
    });
    if (fresh && digits === SANDBOX_CARDS.slow && this.slowMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, this.slowMs).unref());
    }
    return chargeOutcome(entry);
  }

  async findCharge(charge: LostCharge): Promise<ChargeOutcome | undefined> {
    const entry = await repository.findLedgerEntry(this.db.orm, chargeKey(charge.paymentId));
    return entry && chargeOutcome(entry);
  }

  async refund(request: RefundRequest): Promise<RefundOutcome> {
    const key = refundKey(request.refundId);
    const transactionId = `sbx_re_${request.refundId.replaceAll('-', '')}`;
    const { entry } = await repository.insertLedgerEntry(this.db.orm, {
      idempotencyKey: key,
      kind: 'refund',
      transactionId,
      outcome: 'succeeded',
      failureCode: null,
      amount: request.amount,
      currency: request.currency,
      response: {
        id: transactionId,
        object: 'refund',
        status: 'succeeded',
        charge: request.transactionId,
        amount: request.amount,
      },
      createdAt: this.clock.now(),
    });
    return refundOutcome(entry);
  }
}
