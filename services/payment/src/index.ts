// The payment service as the runtime sees it.
import { fileURLToPath } from 'node:url';
import { createServiceApp, type ServiceModule } from '@ticketing/platform';

export const paymentService: ServiceModule = {
  name: 'payment',
  schema: 'payments',
  migrationsDir: fileURLToPath(new URL('../migrations/', import.meta.url)),
  build: async (context) => ({ app: await createServiceApp(context, 'payment') }),
};
