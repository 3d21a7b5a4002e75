// The user service's settings, taken once from the validated platform configuration. In staging
// and production the first admin's password must be chosen, not generated (a generated one would
// be printed to the log) and not the public demo password.
import {
  ConfigError,
  isDeployed,
  type PlatformConfig,
  readInteger,
  refuseWeakSecret,
  requireInDeployment,
} from '@ticketing/platform';
import type { LoginThrottlePolicy } from './login-throttle.js';
import { DEMO_PASSWORD } from './seed.js';

export interface UserServiceConfig {
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  admin: PlatformConfig['admin'];
  /** How often logged-out tokens are copied into the cache store again (USER_REVOCATION_MIRROR_INTERVAL_MS, default 30 s). */
  revocationMirrorIntervalMs: number;
  /**
   * Per-account login throttling: USER_LOGIN_THROTTLE_AFTER_FAILURES (default 5),
   * USER_LOGIN_THROTTLE_FIRST_BLOCK_SECONDS (30, doubling per further failure) and
   * USER_LOGIN_THROTTLE_MAX_BLOCK_SECONDS (900).
   */
  loginThrottle: LoginThrottlePolicy;
}

export function userServiceConfig(
  config: PlatformConfig,
  env: Record<string, string | undefined> = process.env,
): UserServiceConfig {
  const { environment, admin } = config;
  requireInDeployment(
    environment,
    'ADMIN_PASSWORD',
    admin.password,
    'a generated first-admin password would be printed to the log',
  );
  if (isDeployed(environment) && admin.password === DEMO_PASSWORD) {
    throw new ConfigError(
      'ADMIN_PASSWORD',
      `other than the public demo password in ${environment}`,
      '<redacted>',
    );
  }
  refuseWeakSecret(environment, 'ADMIN_PASSWORD', admin.password);
  const firstBlockSeconds = readInteger(env, 'USER_LOGIN_THROTTLE_FIRST_BLOCK_SECONDS', 30, 1, 86_400);
  return {
    accessTokenTtlSeconds: config.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
    admin,
    revocationMirrorIntervalMs: readInteger(
      env,
      'USER_REVOCATION_MIRROR_INTERVAL_MS',
      30_000,
      100,
      3_600_000,
    ),
    loginThrottle: {
      afterFailures: readInteger(env, 'USER_LOGIN_THROTTLE_AFTER_FAILURES', 5, 1, 1_000),
      firstBlockSeconds,
      maxBlockSeconds: readInteger(
        env,
        'USER_LOGIN_THROTTLE_MAX_BLOCK_SECONDS',
        Math.max(900, firstBlockSeconds),
        firstBlockSeconds,
        86_400,
      ),
    },
  };
}
