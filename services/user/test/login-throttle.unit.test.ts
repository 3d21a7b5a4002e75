// How long an account is held back after failed logins, and the settings that shape it.
import { ConfigError, loadConfig } from '@ticketing/platform';
import { describe, expect, it } from 'vitest';
import { userServiceConfig } from '../src/config.js';
import { accountKeyOf, blockAfter } from '../src/login-throttle.js';

const policy = { afterFailures: 5, firstBlockSeconds: 30, maxBlockSeconds: 900 };

describe('the hold-back after failed logins', () => {
  it('starts at the fifth failure, doubles with each further one, and stops growing at the cap', () => {
    expect([1, 2, 3, 4].map((failures) => blockAfter(failures, policy))).toEqual([0, 0, 0, 0]);
    expect([5, 6, 7, 8, 9, 10].map((failures) => blockAfter(failures, policy))).toEqual([
      30, 60, 120, 240, 480, 900,
    ]);
    expect(blockAfter(10_000, policy)).toBe(900);
  });

  it('counts an account by its id, and an unknown name as typed, whatever its case and spaces', () => {
    expect(accountKeyOf('0190a0a0-0000-7000-8000-000000000001', 'Ada')).toBe(
      'user:0190a0a0-0000-7000-8000-000000000001',
    );
    expect(accountKeyOf(undefined, ' Nobody@Example.com ')).toBe('name:nobody@example.com');
  });
});

describe('the throttle settings', () => {
  const settings = (env: Record<string, string>) => userServiceConfig(loadConfig(env), env).loginThrottle;

  it('default to five failures, 30 s doubling, 15 min at most', () => {
    expect(settings({})).toEqual(policy);
  });

  it('stop the start naming the variable when out of range', () => {
    expect(() => settings({ USER_LOGIN_THROTTLE_AFTER_FAILURES: '0' })).toThrowError(ConfigError);
    expect(() => settings({ USER_LOGIN_THROTTLE_FIRST_BLOCK_SECONDS: 'soon' })).toThrowError(
      /USER_LOGIN_THROTTLE_FIRST_BLOCK_SECONDS/,
    );
    // The cap cannot be under the first block.
    expect(() =>
      settings({
        USER_LOGIN_THROTTLE_FIRST_BLOCK_SECONDS: '60',
        USER_LOGIN_THROTTLE_MAX_BLOCK_SECONDS: '30',
      }),
    ).toThrowError(/USER_LOGIN_THROTTLE_MAX_BLOCK_SECONDS/);
  });
});
