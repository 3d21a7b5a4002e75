// The notification service as the runtime sees it.
import { fileURLToPath } from 'node:url';
import type { ServiceModule } from '@ticketing/platform';
import { buildNotificationService } from './app.js';
import { NOTIFICATION_SCHEMA } from './tables.js';

export const notificationService: ServiceModule = {
  name: 'notification',
  schema: NOTIFICATION_SCHEMA,
  migrationsDir: fileURLToPath(new URL('../migrations/', import.meta.url)),
  build: buildNotificationService,
};
