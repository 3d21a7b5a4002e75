// The order service as the runtime sees it.
import { fileURLToPath } from 'node:url';
import { createServiceApp, type ServiceModule } from '@ticketing/platform';

export const orderService: ServiceModule = {
  name: 'order',
  schema: 'orders',
  migrationsDir: fileURLToPath(new URL('../migrations/', import.meta.url)),
  build: async (context) => ({ app: await createServiceApp(context, 'order') }),
};
