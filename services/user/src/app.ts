// buildApp for the user service: wires its dependencies into a Fastify app. Nothing listens here.
import {
  createServiceApp,
  PeriodicTask,
  type RunningService,
  type ServiceContext,
} from '@ticketing/platform';
import { Counter } from 'prom-client';
import { mirrorRevocations } from './access-token-cutoffs.js';
import { ensureFirstAdmin } from './accounts.js';
import { userServiceConfig } from './config.js';
import { forgetOldFailedLogins } from './login-throttle.js';
import { registerRoutes } from './routes.js';
import type { SessionDeps } from './sessions.js';
import { AccessTokenSigner } from './signing-keys.js';

export type UserServiceDeps = SessionDeps;

export async function buildUserService(context: ServiceContext): Promise<RunningService> {
  const app = await createServiceApp(context, 'user', {
    description: 'Accounts, login, tokens, roles and profiles',
  });
  const settings = userServiceConfig(context.config, context.env ?? process.env);
  const signer = new AccessTokenSigner(context.db, context.clock, settings.accessTokenTtlSeconds);
  await signer.load();
  const deps: UserServiceDeps = {
    db: context.db,
    clock: context.clock,
    cache: context.cache,
    signer,
    refreshTokenTtlSeconds: settings.refreshTokenTtlSeconds,
    accessTokenTtlSeconds: settings.accessTokenTtlSeconds,
    loginThrottle: settings.loginThrottle,
  };
  const registrations = new Counter({
    name: 'users_registered_total',
    help: 'Accounts created',
    registers: [app.metrics],
  });
  const logins = new Counter({
    name: 'user_logins_total',
    help: 'Login attempts by outcome',
    labelNames: ['outcome'],
    registers: [app.metrics],
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url;
    if (route === '/api/v1/auth/register' && reply.statusCode === 201) registrations.inc();
    if (route === '/api/v1/auth/login')
      logins.inc({ outcome: reply.statusCode === 200 ? 'success' : 'failure' });
  });
  registerRoutes(app, deps);

  const admin = await ensureFirstAdmin(deps, settings.admin);
  if (admin?.generatedPassword) {
    // Printed once, on the start that created the account; only its hash is stored.
    process.stdout.write(
      `\n  First admin account created: username "${admin.username}", password "${admin.generatedPassword}"\n` +
        '  (shown only this once; set ADMIN_USERNAME / ADMIN_EMAIL / ADMIN_PASSWORD to choose them)\n\n',
    );
  } else if (admin) {
    context.logger.info({ username: admin.username }, 'first admin account created from ADMIN_* settings');
  }
  // Rebuilds the gateway's revocation list in the cache store after a Redis restart emptied it,
  // and forgets failed logins nobody repeated for a day.
  const mirror = new PeriodicTask(
    'revocation mirror',
    settings.revocationMirrorIntervalMs,
    context.logger,
    async () => {
      await mirrorRevocations(deps);
      await forgetOldFailedLogins(deps);
    },
  );
  return {
    app,
    async startWorkers() {
      mirror.start();
    },
    async stopWorkers() {
      await mirror.stop();
    },
  };
}
