// The notification service as the runtime sees it.
import { fileURLToPath } from 'node:url';
import { createServiceApp, type ServiceModule } from '@ticketing/platform';

export const notificationService: ServiceModule = {
  name: 'notification',
  schema: 'notifications',
  migrationsDir: fileURLToPath(new URL('../migrations/', import.meta.url)),
  build: async (context) => ({ app: await createServiceApp(context, 'notification') }),
};
