// The payment gateway port: what the payment service asks of a processor. Two adapters sit
// behind it — the sandbox (the default, test cards decide the outcome) and Stripe. Every call
// carries an idempotency key derived from our own id, so asking again never charges twice,
// and `findCharge` / `findRefund` tell what the processor did when an answer was lost.

export interface ChargeRequest {
  /** Our payment id; the gateway's idempotency key is derived from it. */
  paymentId: string;
  orderId: string;
  userId: string;
  amount: number;
  currency: string;
  description: string | undefined;
  /** The card, in memory only for the length of this call. */
  card?: { digits: string; expMonth: number; expYear: number; cvc: string; holderName?: string };
  /** A gateway token (Stripe PaymentMethod id). */
  token?: string;
}

export type ChargeOutcome =
  | { status: 'succeeded'; transactionId: string; response: Record<string, unknown> }
  | {
      status: 'failed';
      failureCode: string;
      failureReason: string;
      transactionId: string | null;
      response: Record<string, unknown>;
    }
  /** Accepted, result later (a webhook or a later lookup settles it). */
  | { status: 'pending'; transactionId: string | null; response: Record<string, unknown> };

export interface RefundRequest {
  refundId: string;
  paymentId: string;
  /** The gateway's id of the charge being refunded. */
  transactionId: string;
  amount: number;
  currency: string;
  reason: string;
}

export type RefundOutcome =
  | { status: 'succeeded'; gatewayRefundId: string; response: Record<string, unknown> }
  | {
      status: 'failed';
      gatewayRefundId: string | null;
      failureReason: string;
      response: Record<string, unknown>;
    }
  | { status: 'pending'; gatewayRefundId: string | null; response: Record<string, unknown> };

/** The card behind a gateway token, as the gateway describes it: never the number. */
export interface TokenCard {
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  /** The gateway's own fingerprint of the card number: the same card gives the same value. */
  gatewayFingerprint: string;
}

export interface PaymentGateway {
  readonly name: 'sandbox' | 'stripe';
  /** Whether a card number may be sent (the sandbox), or only a token (Stripe, bar its test cards). */
  acceptsCard(digits: string): boolean;
  /** The gateway token standing for a card it accepts (Stripe's test cards), if any. */
  tokenForCard(digits: string): string | undefined;
  acceptsToken(): boolean;
  /**
   * The card a token stands for, so that caps and fraud rules count it like a typed card;
   * undefined when the token is unknown or is not a card (the charge then says why).
   * Throws GatewayTransientError when the gateway cannot answer.
   */
  describeToken(token: string): Promise<TokenCard | undefined>;
  charge(request: ChargeRequest): Promise<ChargeOutcome>;
  /**
   * What became of an earlier charge of this payment whose answer was lost; undefined when the
   * gateway never saw it. The card is gone by then: a token payment may be asked again under
   * its idempotency key, a card payment only looked up.
   */
  findCharge(charge: LostCharge): Promise<ChargeOutcome | undefined>;
  /** Refunds are asked again under the same key until they settle: the gateway refunds once. */
  refund(request: RefundRequest): Promise<RefundOutcome>;
}

export type LostCharge = Omit<ChargeRequest, 'card' | 'token'> & {
  token: string | null;
  transactionId: string | null;
};

/**
 * The gateway could not be reached or answered with a server error: nothing is known about
 * the call's effect, so the payment stays PENDING until a lookup settles it.
 */
export class GatewayTransientError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'GatewayTransientError';
  }
}

/** Resolves with the call's result, or with `undefined` once `timeoutMs` has passed. */
export async function withinTimeout<T>(call: Promise<T>, timeoutMs: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  try {
    return await Promise.race([call, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
