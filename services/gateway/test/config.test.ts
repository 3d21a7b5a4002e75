// The gateway's settings: read once, and a bad value stops the start naming the variable.
import { ConfigError } from '@ticketing/platform';
import { describe, expect, it } from 'vitest';
import { readGatewayConfig, readRateLimit } from '../src/config.js';

describe('the gateway settings', () => {
  it('default to safe values: no cross-origin access, strict login limits, a 1 MiB body', () => {
    const settings = readGatewayConfig({}, 'production');
    expect(settings.corsOrigins).toEqual([]);
    expect(settings.corsCredentials).toBe(false);
    expect(settings.trustProxy).toBe(false);
    expect(settings.bodyLimitBytes).toBe(1_048_576);
    expect(settings.rateLimits.auth).toEqual({ limit: 10, windowMs: 60_000, by: 'ip' });
    expect(settings.rateLimits.holds).toEqual({ limit: 30, windowMs: 60_000, by: 'client' });
    expect(settings.rateLimits['queue-join']).toEqual({ limit: 60, windowMs: 60_000, by: 'ip' });
    expect(settings.rateLimits['queue-poll']).toEqual({ limit: 30, windowMs: 60_000, by: 'client' });
    expect(settings.webDir).toMatch(/apps[/\\]web[/\\]dist$/);
  });

  it('read rate limits as requests per window, or off', () => {
    expect(readRateLimit({ R: '5/10s' }, 'R', undefined, 'client')).toEqual({
      limit: 5,
      windowMs: 10_000,
      by: 'client',
    });
    expect(readRateLimit({ R: '100/m' }, 'R', undefined, 'ip')).toEqual({
      limit: 100,
      windowMs: 60_000,
      by: 'ip',
    });
    expect(readRateLimit({ R: '3/500ms' }, 'R', undefined, 'ip')).toEqual({
      limit: 3,
      windowMs: 500,
      by: 'ip',
    });
    expect(readRateLimit({ R: 'off' }, 'R', { limit: 1, windowMs: 1_000 }, 'ip')).toBeUndefined();
    expect(() =>
      readRateLimit({ RATE_LIMIT_AUTH: 'ten per minute' }, 'RATE_LIMIT_AUTH', undefined, 'ip'),
    ).toThrowError(/^Invalid configuration: RATE_LIMIT_AUTH must be requests per window like 10\/1m/);
  });

  it('refuse a wildcard origin together with credentials, and origins that are not origins', () => {
    expect(readGatewayConfig({ GATEWAY_CORS_ORIGINS: '*' }, 'production').corsOrigins).toBe('*');
    expect(() =>
      readGatewayConfig({ GATEWAY_CORS_ORIGINS: '*', GATEWAY_CORS_CREDENTIALS: 'true' }, 'production'),
    ).toThrowError(ConfigError);
    expect(() =>
      readGatewayConfig({ GATEWAY_CORS_ORIGINS: 'https://shop.example.com/' }, 'production'),
    ).toThrowError(/GATEWAY_CORS_ORIGINS/);
    expect(
      readGatewayConfig(
        {
          GATEWAY_CORS_ORIGINS: 'https://shop.example.com, http://localhost:5173',
          GATEWAY_CORS_CREDENTIALS: 'true',
        },
        'production',
      ).corsOrigins,
    ).toEqual(['https://shop.example.com', 'http://localhost:5173']);
  });

  it('name the variable of a bad number', () => {
    expect(() => readGatewayConfig({ GATEWAY_BODY_LIMIT_BYTES: 'lots' }, 'production')).toThrowError(
      /GATEWAY_BODY_LIMIT_BYTES must be an integer/,
    );
    expect(() => readGatewayConfig({ GATEWAY_UPSTREAM_TIMEOUT_MS: '0' }, 'production')).toThrowError(
      /GATEWAY_UPSTREAM_TIMEOUT_MS/,
    );
    expect(() => readGatewayConfig({ GATEWAY_TRUST_PROXY: 'the internet' }, 'production')).toThrowError(
      /GATEWAY_TRUST_PROXY/,
    );
  });

  it('in production trust named proxies only, never every hop (clients would choose their own address)', () => {
    expect(() => readGatewayConfig({ GATEWAY_TRUST_PROXY: 'true' }, 'production')).toThrowError(
      'GATEWAY_TRUST_PROXY must be the addresses or CIDRs of the proxies in front in production, not true',
    );
    expect(readGatewayConfig({ GATEWAY_TRUST_PROXY: 'true' }, 'staging').trustProxy).toBe(true);
    expect(readGatewayConfig({ GATEWAY_TRUST_PROXY: 'uniquelocal' }, 'production').trustProxy).toEqual([
      'uniquelocal',
    ]);
  });
});
