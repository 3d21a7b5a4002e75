// buildApp for the order service: wires its dependencies into a Fastify app, its event
// consumers and its recovery worker. Nothing listens here.
import { PaymentTopics, Topics } from '@ticketing/contracts';
import { createServiceApp, type RunningService, type ServiceContext } from '@ticketing/platform';
import { Counter } from 'prom-client';
import { onEventCancelled } from './cancellation.js';
import { orderServiceConfig } from './config.js';
import { eventCatalogueOver } from './event-catalogue.js';
import { paymentServiceOver } from './payment-service.js';
import { RecoveryWorker } from './recovery.js';
import { registerRoutes } from './routes.js';
import type { OrderDeps } from './saga.js';
import { ticketServiceOver } from './ticket-service.js';

export async function buildOrderService(context: ServiceContext): Promise<RunningService> {
  const settings = orderServiceConfig(context.config, context.env);
  const app = await createServiceApp(context, 'order', {
    description: 'Purchases (the saga across user, ticket and payment), cancellations, refunds, history',
  });
  let worker: RecoveryWorker | undefined;
  const deps: OrderDeps = {
    db: context.db,
    clock: context.clock,
    logger: context.logger.child({ service: 'order' }),
    settings,
    tickets: ticketServiceOver(context.client('ticket'), settings.timeouts.ticketMs),
    payments: paymentServiceOver(context.client('payment'), settings.timeouts.paymentMs),
    catalogue: eventCatalogueOver(context.client('event'), settings.timeouts.eventMs),
    wake: () => worker?.wake(),
    chargesAnsweredHere: new Set(),
  };
  worker = new RecoveryWorker(deps);

  const purchases = new Counter({
    name: 'orders_placed_total',
    help: 'Purchase requests by answer status',
    labelNames: ['status'],
    registers: [app.metrics],
  });
  app.addHook('onResponse', async (request, reply) => {
    if (request.routeOptions.url === '/api/v1/orders' && request.method === 'POST')
      purchases.inc({ status: String(reply.statusCode) });
  });
  registerRoutes(app, deps);

  return {
    app,
    async startWorkers() {
      await context.bus.subscribe({
        group: 'order-service:event-cancelled',
        topics: [Topics.eventCancelled],
        handle: (event) => onEventCancelled(deps, event),
      });
      await context.bus.subscribe({
        group: 'order-service:payments',
        topics: [PaymentTopics.paymentProcessed, PaymentTopics.paymentFailed],
        handle: (event) => worker!.onPaymentSettled(event),
      });
      worker!.start();
    },
    async stopWorkers() {
      await worker!.stop();
    },
  };
}
