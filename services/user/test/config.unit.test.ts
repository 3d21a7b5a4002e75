// The first admin in staging and production: a chosen password, never generated, never the demo one.
import { ConfigError, loadConfig } from '@ticketing/platform';
import { deployedEnvironment } from '@ticketing/platform/testing';
import { describe, expect, it } from 'vitest';
import { userServiceConfig } from '../src/config.js';
import { DEMO_PASSWORD } from '../src/seed.js';

const settings = (env: Record<string, string | undefined>) => userServiceConfig(loadConfig(env));

describe('the user service settings', () => {
  it('generate the first admin password in development, and take the demo password there', () => {
    expect(settings({}).admin.password).toBeUndefined();
    expect(settings({ ADMIN_PASSWORD: DEMO_PASSWORD }).admin.password).toBe(DEMO_PASSWORD);
  });

  it.each(['staging', 'production'] as const)(
    'in %s require a chosen, non-demo admin password',
    (environment) => {
      expect(() => settings(deployedEnvironment(environment))).toThrowError(
        `ADMIN_PASSWORD must be set in ${environment} (a generated first-admin password would be printed to the log)`,
      );
      const demo = () => settings(deployedEnvironment(environment, { ADMIN_PASSWORD: DEMO_PASSWORD }));
      expect(demo).toThrowError(ConfigError);
      expect(demo).toThrowError(
        `ADMIN_PASSWORD must be other than the public demo password in ${environment}`,
      );
      expect(() =>
        settings(deployedEnvironment(environment, { ADMIN_PASSWORD: 'CHANGE-ME-admin-password' })),
      ).toThrowError(/ADMIN_PASSWORD must be a random secret/);
      const chosen = 'Tq8-vLm2#Rz5wKx9';
      expect(settings(deployedEnvironment(environment, { ADMIN_PASSWORD: chosen })).admin.password).toBe(
        chosen,
      );
    },
  );
});
