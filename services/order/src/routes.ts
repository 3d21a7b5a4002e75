// HTTP adapters of the order service: parse, call a domain function, shape the answer.
import {
  LiftPurchaseBlockBody,
  Problem,
  PurchaseAllowanceView,
  PurchaseBlockList,
  PurchaseBlockQuery,
  QUEUE_TOKEN_HEADER,
} from '@ticketing/contracts';
import { type HttpApp, requireIdentity } from '@ticketing/platform';
import { cancelOrder } from './cancellation.js';
import { placeOrder } from './checkout.js';
import * as history from './history.js';
import { liftIpRangeBlock, listIpRangeBlocks } from './purchase-caps.js';
import type { OrderDeps } from './saga.js';
import {
  CancelOrderBody,
  CreateOrderBody,
  IdempotencyHeaders,
  MyOrdersQuery,
  OrderIdParams,
  OrderPage,
  OrderSearchQuery,
  OrderView,
} from './schema.js';

const problems = {
  400: Problem,
  401: Problem,
  402: Problem,
  403: Problem,
  404: Problem,
  409: Problem,
  422: Problem,
  503: Problem,
};
const bearer = [{ bearerAuth: [] }];

/** The buyer's address as the gateway saw it (it sets X-Forwarded-For to the client's address). */
function buyerAddress(request: { headers: Record<string, unknown>; ip: string }): string {
  const forwarded = request.headers['x-forwarded-for'];
  return typeof forwarded === 'string' ? forwarded.split(',')[0]!.trim() : request.ip;
}

export function registerRoutes(app: HttpApp, deps: OrderDeps): void {
  app.post(
    '/api/v1/orders',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['orders'],
        summary: 'Buy a hold: charge the card and issue the tickets (Idempotency-Key required)',
        security: bearer,
        headers: IdempotencyHeaders,
        body: CreateOrderBody,
        response: { 200: OrderView, 201: OrderView, 202: OrderView, ...problems },
      },
    },
    async (request, reply) => {
      const { status, order } = await placeOrder(deps, requireIdentity(request), request.body, {
        idempotencyKey: request.headers['idempotency-key'],
        queueToken: queueTokenOf(request.headers),
        ipAddress: buyerAddress(request),
        requestId: request.id,
      });
      return reply.status(status).send(order);
    },
  );

  app.get(
    '/api/v1/orders',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['orders'],
        summary: 'My orders, newest first',
        security: bearer,
        querystring: MyOrdersQuery,
        response: { 200: OrderPage, ...problems },
      },
    },
    async (request) => history.listOrdersOfBuyer(deps, requireIdentity(request).userId, request.query),
  );

  app.get(
    '/api/v1/orders/search',
    {
      config: { access: { roles: ['ADMIN'] } },
      schema: {
        tags: ['orders'],
        summary: 'Search all orders, newest first (admin)',
        security: bearer,
        querystring: OrderSearchQuery,
        response: { 200: OrderPage, ...problems },
      },
    },
    async (request) => history.searchOrders(deps, request.query),
  );

  app.get(
    '/api/v1/orders/purchase-blocks',
    {
      config: { access: { roles: ['ADMIN'] } },
      schema: {
        tags: ['orders'],
        summary: 'IP ranges refused by the per-range purchase cap, most recent first (admin)',
        security: bearer,
        querystring: PurchaseBlockQuery,
        response: { 200: PurchaseBlockList, ...problems },
      },
    },
    async (request) => listIpRangeBlocks(deps, request.query),
  );

  app.post(
    '/api/v1/orders/purchase-blocks/lift',
    {
      config: { access: { roles: ['ADMIN'] } },
      schema: {
        tags: ['orders'],
        summary: "Raise a refused IP range's cap for one event (admin; recorded with who and why)",
        security: bearer,
        body: LiftPurchaseBlockBody,
        response: { 201: PurchaseAllowanceView, ...problems },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await liftIpRangeBlock(deps, requireIdentity(request), request.body)),
  );

  app.get(
    '/api/v1/orders/:id',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['orders'],
        summary: 'One of my orders with its tickets and their codes (admins: any order)',
        security: bearer,
        params: OrderIdParams,
        response: { 200: OrderView, ...problems },
      },
    },
    async (request) => history.getOrder(deps, requireIdentity(request), request.params.id),
  );

  app.post(
    '/api/v1/orders/:id/cancel',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['orders'],
        summary: 'Cancel and refund a confirmed order (buyers: under the refund policy; admins: any)',
        security: bearer,
        params: OrderIdParams,
        body: CancelOrderBody,
        response: { 200: OrderView, 202: OrderView, ...problems },
      },
      // The body is optional: a bare POST cancels without a reason.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const { status, order } = await cancelOrder(
        deps,
        requireIdentity(request),
        request.params.id,
        request.body?.reason,
      );
      return reply.status(status).send(order);
    },
  );
}

function queueTokenOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const value = headers[QUEUE_TOKEN_HEADER];
  return typeof value === 'string' ? value : undefined;
}
