// HTTP adapters of the payment service: parse, call a domain function, shape the answer.
// Internal routes serve the order service; admin routes serve the back office; the Stripe
// webhook arrives (through the gateway) with its raw body, which its signature covers.
import {
  LiftPurchaseBlockBody,
  Problem,
  PurchaseAllowanceView,
  PurchaseBlockList,
  PurchaseBlockQuery,
} from '@ticketing/contracts';
import { type HttpApp, requireIdentity } from '@ticketing/platform';
import { paymentAnalytics } from './analytics.js';
import { liftCardBlock, listCardBlocks } from './card-caps.js';
import { IdempotencyKeyRequiredError } from './errors.js';
import * as payments from './payments.js';
import { refundPayment } from './refunds.js';
import {
  AnalyticsQuery,
  CreatePaymentBody,
  CreateRefundBody,
  IdempotencyHeaders,
  OrderIdParams,
  PaymentAnalytics,
  PaymentIdParams,
  PaymentPage,
  PaymentSearchQuery,
  PaymentView,
  RefundResult,
  WebhookAnswer,
} from './schema.js';
import { handleStripeWebhook } from './webhooks.js';

const problems = {
  400: Problem,
  401: Problem,
  403: Problem,
  404: Problem,
  409: Problem,
  422: Problem,
  503: Problem,
};
const bearer = [{ bearerAuth: [] }];
const ADMINS = { roles: ['ADMIN' as const] };

/** 201 for a new settled payment, 202 while it is PENDING, 200 for a replay of a settled one. */
const statusOf = (payment: { status: string }, created: boolean) =>
  payment.status === 'PENDING' ? 202 : created ? 201 : 200;

export function registerRoutes(app: HttpApp, deps: payments.PaymentDeps): void {
  app.post(
    '/api/v1/internal/payments',
    {
      config: { access: 'internal' },
      schema: {
        tags: ['payments (internal)'],
        summary: 'Charge an order (idempotent on the order and the Idempotency-Key)',
        headers: IdempotencyHeaders,
        body: CreatePaymentBody,
        response: { 200: PaymentView, 201: PaymentView, 202: PaymentView, ...problems },
      },
    },
    async (request, reply) => {
      const { payment, created } = await payments.chargeOrder(
        deps,
        request.body,
        request.headers['idempotency-key'],
      );
      return reply.status(statusOf(payment, created)).send(payment);
    },
  );

  app.get(
    '/api/v1/internal/payments/by-order/:orderId',
    {
      config: { access: 'internal' },
      schema: {
        tags: ['payments (internal)'],
        summary: "An order's payment (a stale PENDING one is settled with the gateway first)",
        params: OrderIdParams,
        response: { 200: PaymentView, ...problems },
      },
    },
    async (request) => payments.getPaymentForOrder(deps, request.params.orderId),
  );

  app.post(
    '/api/v1/internal/payments/:id/refunds',
    {
      config: { access: 'internal' },
      schema: {
        tags: ['payments (internal)'],
        summary: 'Refund all or part of a payment (Idempotency-Key required)',
        headers: IdempotencyHeaders,
        params: PaymentIdParams,
        body: CreateRefundBody,
        response: { 200: RefundResult, 201: RefundResult, 202: RefundResult, ...problems },
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      if (!key) throw new IdempotencyKeyRequiredError();
      const { created, ...result } = await refundPayment(deps, request.params.id, request.body, key);
      return reply.status(statusOf(result.refund, created)).send(result);
    },
  );

  app.get(
    '/api/v1/payments',
    {
      config: { access: ADMINS },
      schema: {
        tags: ['payments'],
        summary: 'Search payments, newest first (admin)',
        security: bearer,
        querystring: PaymentSearchQuery,
        response: { 200: PaymentPage, ...problems },
      },
    },
    async (request) =>
      payments.searchPayments(deps, {
        ...request.query,
        from: request.query.from ? new Date(request.query.from) : undefined,
        to: request.query.to ? new Date(request.query.to) : undefined,
      }),
  );

  app.get(
    '/api/v1/payments/analytics',
    {
      config: { access: ADMINS },
      schema: {
        tags: ['payments'],
        summary: 'Payment analytics over a range, 30 days by default (admin)',
        security: bearer,
        querystring: AnalyticsQuery,
        response: { 200: PaymentAnalytics, ...problems },
      },
    },
    async (request) => paymentAnalytics(deps, request.query),
  );

  app.get(
    '/api/v1/payments/purchase-blocks',
    {
      config: { access: ADMINS },
      schema: {
        tags: ['payments'],
        summary: 'Cards refused by the per-card purchase cap, most recent first (admin)',
        security: bearer,
        querystring: PurchaseBlockQuery,
        response: { 200: PurchaseBlockList, ...problems },
      },
    },
    async (request) => listCardBlocks(deps, request.query),
  );

  app.post(
    '/api/v1/payments/purchase-blocks/lift',
    {
      config: { access: ADMINS },
      schema: {
        tags: ['payments'],
        summary: "Raise a refused card's cap for one event (admin; recorded with who and why)",
        security: bearer,
        body: LiftPurchaseBlockBody,
        response: { 201: PurchaseAllowanceView, ...problems },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await liftCardBlock(deps, requireIdentity(request), request.body)),
  );

  app.get(
    '/api/v1/payments/:id',
    {
      config: { access: ADMINS },
      schema: {
        tags: ['payments'],
        summary: 'One payment with its refunds (admin)',
        security: bearer,
        params: PaymentIdParams,
        response: { 200: PaymentView, ...problems },
      },
    },
    async (request) => payments.getPayment(deps, request.params.id),
  );

  // The signature covers the exact bytes Stripe sent, so this route reads the body as text.
  app.register(async (webhooks) => {
    webhooks.removeContentTypeParser('application/json');
    webhooks.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) =>
      done(null, body),
    );
    webhooks.post(
      '/api/v1/payments/webhooks/stripe',
      {
        config: { access: 'public' },
        schema: {
          tags: ['payments'],
          summary: 'Stripe webhook endpoint (signature-verified)',
          response: { 200: WebhookAnswer, ...problems },
        },
      },
      async (request) => {
        const signature = request.headers['stripe-signature'];
        return handleStripeWebhook(
          deps,
          typeof request.body === 'string' ? request.body : '',
          typeof signature === 'string' ? signature : undefined,
        );
      },
    );
  });
}
