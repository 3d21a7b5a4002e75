// The demo seed in a deployed profile: refused before anything starts (no database is touched),
// because the demo accounts share a public password.
import { ConfigError } from '@ticketing/platform';
import { deployedEnvironment } from '@ticketing/platform/testing';
import { describe, expect, it } from 'vitest';
import { startPlatform } from '../src/platform.js';

describe('the demo seed', () => {
  it.each(['staging', 'production'] as const)('is refused in %s, naming NODE_ENV', async (environment) => {
    // The database host does not exist: a start that went past the check would fail differently.
    const start = startPlatform({ seed: 'always', env: deployedEnvironment(environment) });
    await expect(start).rejects.toThrowError(ConfigError);
    await expect(
      startPlatform({ seed: 'always', env: deployedEnvironment(environment) }),
    ).rejects.toThrowError(
      `NODE_ENV must be development or test to seed the demo data (its accounts share a public password) (got "${environment}")`,
    );
  });
});
