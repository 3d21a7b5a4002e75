// The payment service as the runtime sees it.
import { fileURLToPath } from 'node:url';
import type { ServiceModule } from '@ticketing/platform';
import { buildPaymentService } from './app.js';
import { PAYMENT_SCHEMA } from './payments.js';

export { SANDBOX_CARDS } from './sandbox-gateway.js';

export const paymentService: ServiceModule = {
  name: 'payment',
  schema: PAYMENT_SCHEMA,
  migrationsDir: fileURLToPath(new URL('../migrations/', import.meta.url)),
  build: buildPaymentService,
};
