// The user service's settings, taken once from the validated platform configuration.
import type { PlatformConfig } from '@ticketing/platform';

export interface UserServiceConfig {
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  admin: PlatformConfig['admin'];
}

export function userServiceConfig(config: PlatformConfig): UserServiceConfig {
  return {
    accessTokenTtlSeconds: config.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
    admin: config.admin,
  };
}
