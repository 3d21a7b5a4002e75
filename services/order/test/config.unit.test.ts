// The order service's settings: the test-only crash points never reach a deployed environment.
import { loadConfig } from '@ticketing/platform';
import { deployedEnvironment } from '@ticketing/platform/testing';
import { describe, expect, it } from 'vitest';
import { orderServiceConfig } from '../src/config.js';

describe('the order service settings', () => {
  it('take a crash point in tests', () => {
    const config = loadConfig({ NODE_ENV: 'test' });
    expect(orderServiceConfig(config, { ORDER_CRASH_AT: 'after-payment' }).crash?.at).toBe('after-payment');
  });

  it.each(['staging', 'production'] as const)('refuse a crash point in %s', (environment) => {
    const config = loadConfig(deployedEnvironment(environment));
    expect(orderServiceConfig(config, {}).crash).toBeUndefined();
    expect(() => orderServiceConfig(config, { ORDER_CRASH_AT: 'after-payment' })).toThrowError(
      `ORDER_CRASH_AT must be unset in ${environment} (it is a test-only crash point)`,
    );
  });
});
