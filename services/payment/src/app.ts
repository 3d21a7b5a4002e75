// buildApp for the payment service: wires its dependencies into a Fastify app and its
// reconciler. Nothing listens here.
import { createServiceApp, type RunningService, type ServiceContext } from '@ticketing/platform';
import { Counter } from 'prom-client';
import { paymentServiceConfig } from './config.js';
import type { PaymentGateway } from './gateway.js';
import { registerPaymentConfigRoute } from './payment-config-route.js';
import type { PaymentDeps } from './payments.js';
import { Reconciler } from './reconciliation.js';
import { registerRoutes } from './routes.js';
import { SandboxGateway } from './sandbox-gateway.js';
import { StripeGateway } from './stripe-gateway.js';

export async function buildPaymentService(context: ServiceContext): Promise<RunningService> {
  const settings = paymentServiceConfig(context.config, context.env);
  const app = await createServiceApp(context, 'payment', {
    description: 'Card payments through the sandbox or Stripe, refunds and fraud rules',
  });
  const gateway: PaymentGateway =
    settings.gateway === 'stripe'
      ? new StripeGateway(settings.stripe!, settings.gatewayTimeoutMs)
      : new SandboxGateway(context.db, context.clock, settings.sandboxSlowMs);
  const deps: PaymentDeps = {
    db: context.db,
    clock: context.clock,
    logger: context.logger.child({ service: 'payment' }),
    gateway,
    settings,
    inFlight: new Set(),
  };

  const outcomes = new Counter({
    name: 'payments_total',
    help: 'Payment requests by answer status',
    labelNames: ['status'],
    registers: [app.metrics],
  });
  app.addHook('onResponse', async (request, reply) => {
    if (request.routeOptions.url === '/api/v1/internal/payments')
      outcomes.inc({ status: String(reply.statusCode) });
  });
  registerRoutes(app, deps);
  registerPaymentConfigRoute(app, settings);

  const reconciler = new Reconciler(deps);
  return {
    app,
    async startWorkers() {
      reconciler.start();
    },
    async stopWorkers() {
      await reconciler.stop();
      // Gateway answers still on their way settle their payments before the pool closes.
      await Promise.race([
        Promise.allSettled([...deps.inFlight]),
        new Promise((resolve) => setTimeout(resolve, settings.gatewayTimeoutMs).unref()),
      ]);
    },
  };
}
