// The Stripe adapter on the official SDK, against a local stand-in for Stripe's API (no
// network call leaves the machine): PaymentIntents under idempotency keys, declines,
// refunds, and webhooks signed with the SDK's own test helper.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { startTestPlatform } from '../../../tools/test/platform.js';
import {
  asUser,
  card,
  charge,
  expectProblem,
  type PaymentPlatform,
  paymentOfOrder,
  paymentRequest,
  refund,
  startPaymentPlatform,
} from './support.js';

const WEBHOOK_SECRET = 'whsec_test_secret_for_the_stripe_adapter';

interface SeenRequest {
  method: string;
  path: string;
  idempotencyKey: string | undefined;
  body: string;
}

/**
 * The cards behind the PaymentMethods the fake knows. Two tokens for one card share Stripe's
 * fingerprint, as two Elements sessions of the same buyer would.
 */
const PAYMENT_METHOD_CARDS: Record<string, { brand: string; last4: string; fingerprint: string }> = {
  pm_card_visa: { brand: 'visa', last4: '4242', fingerprint: 'Xt5EWLLDS7FJjR1c' },
  pm_1VisaFromAnotherCheckout: { brand: 'visa', last4: '4242', fingerprint: 'Xt5EWLLDS7FJjR1c' },
  pm_card_mastercard: { brand: 'mastercard', last4: '4444', fingerprint: 'Nm4PdBq2ZsYk8vRw' },
};

/** Just enough of Stripe's API for the adapter: PaymentMethods, PaymentIntents and Refunds, with idempotency. */
class FakeStripe {
  readonly seen: SeenRequest[] = [];
  private readonly intents = new Map<string, Record<string, unknown>>();
  private readonly replies = new Map<string, { status: number; body: unknown }>();
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer(async (request, response) => {
      const body = await readBody(request);
      const idempotencyKey = request.headers['idempotency-key'] as string | undefined;
      this.seen.push({ method: request.method!, path: request.url!, idempotencyKey, body });
      const replay = idempotencyKey ? this.replies.get(idempotencyKey) : undefined;
      const reply = replay ?? this.answer(request.method!, request.url!, new URLSearchParams(body));
      if (idempotencyKey && !replay) this.replies.set(idempotencyKey, reply);
      response.writeHead(reply.status, {
        'content-type': 'application/json',
        'request-id': `req_${randomUUID()}`,
      });
      response.end(JSON.stringify(reply.body));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private answer(method: string, url: string, form: URLSearchParams): { status: number; body: unknown } {
    const path = url.split('?')[0]!;
    if (method === 'POST' && path === '/v1/payment_intents') return this.createIntent(form);
    const paymentMethod = /^\/v1\/payment_methods\/(\w+)$/.exec(path);
    if (method === 'GET' && paymentMethod) {
      const id = paymentMethod[1]!;
      if (id === 'pm_card_stripe_unavailable') {
        return { status: 500, body: { error: { type: 'api_error', message: 'Something went wrong' } } };
      }
      const card = PAYMENT_METHOD_CARDS[id];
      if (!card) return notFound('PaymentMethod');
      return {
        status: 200,
        body: {
          id,
          object: 'payment_method',
          type: 'card',
          card: { ...card, exp_month: 12, exp_year: 2034, country: 'US', funding: 'credit' },
        },
      };
    }
    const retrieve = /^\/v1\/payment_intents\/(pi_\w+)$/.exec(path);
    if (method === 'GET' && retrieve) {
      const intent = this.intents.get(retrieve[1]!);
      return intent ? { status: 200, body: intent } : notFound('payment_intent');
    }
    if (method === 'POST' && path === '/v1/refunds') {
      const intent = this.intents.get(form.get('payment_intent') ?? '');
      if (!intent) return notFound('payment_intent');
      return {
        status: 200,
        body: {
          id: `re_${randomUUID().replaceAll('-', '')}`,
          object: 'refund',
          amount: Number(form.get('amount')),
          currency: intent.currency,
          payment_intent: intent.id,
          status: 'succeeded',
          metadata: {
            refund_id: form.get('metadata[refund_id]'),
            payment_id: form.get('metadata[payment_id]'),
          },
        },
      };
    }
    return notFound('route');
  }

  private createIntent(form: URLSearchParams): { status: number; body: unknown } {
    const paymentMethod = form.get('payment_method') ?? '';
    const base = {
      id: `pi_${randomUUID().replaceAll('-', '')}`,
      object: 'payment_intent',
      amount: Number(form.get('amount')),
      currency: form.get('currency'),
      payment_method: paymentMethod,
      latest_charge: null,
      last_payment_error: null,
      metadata: {
        payment_id: form.get('metadata[payment_id]'),
        order_id: form.get('metadata[order_id]'),
        user_id: form.get('metadata[user_id]'),
      },
    };
    const declines: Record<string, string> = {
      pm_card_chargeDeclined: 'generic_decline',
      pm_card_chargeDeclinedInsufficientFunds: 'insufficient_funds',
      pm_card_chargeDeclinedProcessingError: 'processing_error',
    };
    if (declines[paymentMethod]) {
      const error = {
        type: 'card_error',
        code: 'card_declined',
        decline_code: declines[paymentMethod],
        message: 'Your card was declined.',
      };
      const intent = { ...base, status: 'requires_payment_method', last_payment_error: error };
      this.intents.set(intent.id, intent);
      return { status: 402, body: { error: { ...error, payment_intent: intent } } };
    }
    if (!paymentMethod.startsWith('pm_card_')) {
      return {
        status: 400,
        body: {
          error: {
            type: 'invalid_request_error',
            code: 'resource_missing',
            message: `No such PaymentMethod: '${paymentMethod}'`,
          },
        },
      };
    }
    const status = paymentMethod === 'pm_card_processing' ? 'processing' : 'succeeded';
    const intent = {
      ...base,
      status,
      latest_charge: status === 'succeeded' ? `ch_${base.id.slice(3)}` : null,
    };
    this.intents.set(intent.id, intent);
    return { status: 200, body: intent };
  }
}

const notFound = (what: string) => ({
  status: 404,
  body: { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such ${what}` } },
});

const readBody = (request: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    request.on('data', (chunk) => (text += chunk));
    request.on('end', () => resolve(text));
  });

const stripe = new FakeStripe();
let p: PaymentPlatform;

beforeAll(async () => {
  await stripe.start();
  p = await startPaymentPlatform({
    PAYMENT_GATEWAY: 'stripe',
    STRIPE_SECRET_KEY: 'sk_test_not_a_real_key',
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_URL: stripe.url,
    PAYMENT_FRAUD_MAX_PER_USER: '0',
    PAYMENT_FRAUD_MAX_PER_CARD: '0',
    PAYMENT_MAX_TICKETS_PER_CARD: '4',
  });
});
afterAll(async () => {
  await p?.stop();
  await stripe.stop();
});

const token = (value: string) => ({ method: 'card' as const, token: value });

async function deliverWebhook(event: Record<string, unknown>, secret = WEBHOOK_SECRET) {
  const payload = JSON.stringify(event);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret });
  return call(p.url, 'POST', '/api/v1/payments/webhooks/stripe', {
    rawBody: payload,
    headers: { ...(await asUser(p, [])), 'stripe-signature': signature },
  });
}

describe('charging through Stripe', () => {
  it('confirms a PaymentIntent with the token under an idempotency key from the payment id', async () => {
    const request = paymentRequest({ payment: token('pm_card_visa') });
    const response = await charge(p, request);
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body).toMatchObject({
      status: 'COMPLETED',
      gateway: 'stripe',
      card: { brand: 'visa', last4: '4242' },
    });
    expect(response.body.gatewayTransactionId).toMatch(/^pi_/);
    const sent = stripe.seen.find((seen) => seen.body.includes(request.orderId))!;
    expect(sent.path).toBe('/v1/payment_intents');
    expect(sent.idempotencyKey).toBe(`ticketing-charge-${response.body.id}`);
    const form = new URLSearchParams(sent.body);
    expect(form.get('amount')).toBe('5000');
    expect(form.get('currency')).toBe('eur');
    expect(form.get('confirm')).toBe('true');
    expect(form.get('metadata[payment_id]')).toBe(response.body.id);
  });

  it('sends a test card as its Stripe test PaymentMethod, never the number', async () => {
    const request = paymentRequest({ payment: card('4242424242424242') });
    const response = await charge(p, request);
    expect(response.body).toMatchObject({ status: 'COMPLETED', card: { brand: 'visa', last4: '4242' } });
    const sent = stripe.seen.find((seen) => seen.body.includes(request.orderId))!;
    expect(new URLSearchParams(sent.body).get('payment_method')).toBe('pm_card_visa');
    expect(stripe.seen.map((seen) => seen.body).join('\n')).not.toContain('4242424242424242');
  });

  it('refuses a card number that is not a Stripe test card (Stripe takes tokens)', async () => {
    expectProblem(
      await charge(p, paymentRequest({ payment: card('4111111111111111') })),
      400,
      'raw_card_not_supported',
    );
  });

  it.each([
    ['pm_card_chargeDeclined', 'generic_decline'],
    ['pm_card_chargeDeclinedInsufficientFunds', 'insufficient_funds'],
    ['pm_card_chargeDeclinedProcessingError', 'processing_error'],
    ['pm_does_not_exist', 'resource_missing'],
  ])('records %s as a FAILED payment with %s', async (paymentMethod, failureCode) => {
    const response = await charge(p, paymentRequest({ payment: token(paymentMethod) }));
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ status: 'FAILED', failureCode });
  });

  it('counts a token’s card toward the per-card cap, by Stripe’s fingerprint, before charging', async () => {
    const eventId = randomUUID();
    const first = await charge(p, paymentRequest({ eventId, quantity: 3, payment: token('pm_card_visa') }));
    expect(first.body.status).toBe('COMPLETED');
    // Another checkout of the same card (another token) would take it past 4 tickets.
    const request = paymentRequest({ eventId, quantity: 2, payment: token('pm_1VisaFromAnotherCheckout') });
    const refused = await charge(p, request);
    expect(refused.body).toMatchObject({ status: 'FAILED', failureCode: 'card_limit_reached' });
    expect(
      stripe.seen.some((seen) => seen.path === '/v1/payment_intents' && seen.body.includes(request.orderId)),
    ).toBe(false);
    // Another card is another cap. Stripe's own fingerprint is never stored, only our keyed one.
    const other = await charge(
      p,
      paymentRequest({ eventId, quantity: 2, payment: token('pm_card_mastercard') }),
    );
    expect(other.body.status).toBe('COMPLETED');
    const { rows } = await p.sql.query('SELECT card_fingerprint FROM payments.payments WHERE event_id = $1', [
      eventId,
    ]);
    expect(rows.map((row) => row.card_fingerprint)).not.toContain('Xt5EWLLDS7FJjR1c');
    expect(new Set(rows.map((row) => row.card_fingerprint)).size).toBe(2);
  });

  it('answers 503 and writes nothing when Stripe cannot describe the token’s card', async () => {
    const request = paymentRequest({
      eventId: randomUUID(),
      quantity: 1,
      payment: token('pm_card_stripe_unavailable'),
    });
    expectProblem(await charge(p, request), 503, 'payment_gateway_unavailable');
    expect((await paymentOfOrder(p, request.orderId)).status).toBe(404);
  });

  it('keeps a processing PaymentIntent PENDING until the signed webhook settles it', async () => {
    const request = paymentRequest({ payment: token('pm_card_processing') });
    const response = await charge(p, request);
    expect(response.status).toBe(202);
    expect(response.body.status).toBe('PENDING');
    const intentId = response.body.gatewayTransactionId as string;
    const event = {
      id: `evt_${randomUUID().replaceAll('-', '')}`,
      object: 'event',
      type: 'payment_intent.succeeded',
      data: {
        object: {
          id: intentId,
          object: 'payment_intent',
          status: 'succeeded',
          amount: 5_000,
          currency: 'eur',
          metadata: { payment_id: response.body.id },
        },
      },
    };
    const delivered = await deliverWebhook(event);
    expect(delivered.status, JSON.stringify(delivered.body)).toBe(200);
    expect(delivered.body).toEqual({ received: true, applied: true });
    expect((await paymentOfOrder(p, request.orderId)).body.status).toBe('COMPLETED');
    await expect
      .poll(() => p.events.find((e) => e.key === request.orderId)?.type, { timeout: 5_000 })
      .toBe('payment-processed');
    // Stripe delivers at least once: the same event again changes nothing.
    expect((await deliverWebhook(event)).body).toEqual({ received: true, applied: false });
  });

  it('refuses a webhook whose signature does not verify', async () => {
    const event = {
      id: 'evt_forged',
      object: 'event',
      type: 'payment_intent.succeeded',
      data: { object: {} },
    };
    expectProblem(await deliverWebhook(event, 'whsec_someone_else'), 400, 'invalid_webhook_signature');
    const unsigned = await call(p.url, 'POST', '/api/v1/payments/webhooks/stripe', {
      body: event,
      headers: await asUser(p, []),
    });
    expectProblem(unsigned, 400, 'invalid_webhook_signature');
  });

  it('refunds through a Stripe Refund under an idempotency key from the refund id', async () => {
    const payment = (await charge(p, paymentRequest({ payment: token('pm_card_visa') }))).body;
    const answer = await refund(
      p,
      payment.id,
      { amount: 2_000, reason: 'one ticket returned' },
      'stripe-refund',
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body.refund).toMatchObject({ status: 'COMPLETED', amount: 2_000 });
    expect(answer.body.refund.gatewayRefundId).toMatch(/^re_/);
    const sent = stripe.seen.find(
      (seen) => seen.path === '/v1/refunds' && seen.body.includes(answer.body.refund.id),
    )!;
    expect(sent.idempotencyKey).toBe(`ticketing-refund-${answer.body.refund.id}`);
    expect(new URLSearchParams(sent.body).get('payment_intent')).toBe(payment.gatewayTransactionId);
  });
});

describe('configuring Stripe', () => {
  it('stops the start naming the missing key', async () => {
    await expect(
      startTestPlatform({
        services: ['payment'],
        env: { PAYMENT_GATEWAY: 'stripe', STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET },
      }),
    ).rejects.toThrowError(/STRIPE_SECRET_KEY must be set when PAYMENT_GATEWAY is stripe/);
  });

  it('answers 404 on the webhook when the sandbox is in use', async () => {
    const sandbox = await startPaymentPlatform();
    try {
      const response = await call(sandbox.url, 'POST', '/api/v1/payments/webhooks/stripe', {
        rawBody: '{}',
        headers: await asUser(sandbox, []),
      });
      expectProblem(response, 404, 'stripe_not_configured');
    } finally {
      await sandbox.stop();
    }
  });
});
