// The user service as the runtime sees it.
import { fileURLToPath } from 'node:url';
import type { ServiceModule } from '@ticketing/platform';
import { USER_SCHEMA } from './accounts.js';
import { buildUserService } from './app.js';
import { seedUsers } from './seed.js';

export { DEMO_PASSWORD } from './seed.js';

export const userService: ServiceModule = {
  name: 'user',
  schema: USER_SCHEMA,
  migrationsDir: fileURLToPath(new URL('../migrations/', import.meta.url)),
  build: buildUserService,
  seed: seedUsers,
};
