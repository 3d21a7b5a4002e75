// Demo accounts for the embedded mode. DEVELOPMENT DEFAULTS: these passwords are
// public on purpose so a newcomer can log in; never run the seed in production.
import type { ServiceContext } from '@ticketing/platform';
import { registerUser, setRoles } from './accounts.js';
import { findUserByLogin } from './repository.js';

export const DEMO_PASSWORD = 'demo-password-2026';

const DEMO_USERS = [
  {
    username: 'organizer',
    email: 'organizer@demo.ticketing.local',
    firstName: 'Olivia',
    lastName: 'Organizer',
    roles: ['ORGANIZER', 'USER'],
  },
  {
    username: 'staff',
    email: 'staff@demo.ticketing.local',
    firstName: 'Sam',
    lastName: 'Staff',
    roles: ['STAFF', 'USER'],
  },
  {
    username: 'buyer',
    email: 'buyer@demo.ticketing.local',
    firstName: 'Bea',
    lastName: 'Buyer',
    roles: ['USER'],
  },
] as const;

export async function seedUsers(context: ServiceContext): Promise<void> {
  if (context.config.environment === 'production') throw new Error('the demo seed never runs in production');
  const deps = {
    db: context.db,
    clock: context.clock,
    cache: context.cache,
    accessTokenTtlSeconds: context.config.accessTokenTtlSeconds,
  };
  for (const demo of DEMO_USERS) {
    if (await findUserByLogin(context.db.orm, { username: demo.username })) continue;
    const { roles, ...profile } = demo;
    const user = await registerUser(deps, { ...profile, password: DEMO_PASSWORD });
    await setRoles(deps, 'seed', user.id, [...roles]);
  }
  context.logger.info(
    { users: DEMO_USERS.map((user) => user.username), password: DEMO_PASSWORD },
    'demo accounts ready',
  );
}
