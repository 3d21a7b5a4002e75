// The payment service's settings per profile: development runs on the sandbox with a development
// fingerprint secret; staging must not charge real cards; production names its gateway and
// charges with live keys only.
import { randomBytes } from 'node:crypto';
import { loadConfig } from '@ticketing/platform';
import { deployedEnvironment } from '@ticketing/platform/testing';
import { describe, expect, it } from 'vitest';
import { paymentServiceConfig } from '../src/config.js';

const fingerprint = () => randomBytes(32).toString('base64url');
// Key shapes only: these are not keys Stripe ever issued.
const stripe = (mode: 'live' | 'test') => ({
  PAYMENT_GATEWAY: 'stripe',
  STRIPE_SECRET_KEY: `sk_${mode}_${randomBytes(12).toString('hex')}`,
  STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(12).toString('hex')}`,
  PAYMENT_CARD_FINGERPRINT_SECRET: fingerprint(),
});

describe('the payment service settings', () => {
  it('use the sandbox and a development fingerprint secret with no configuration', () => {
    const settings = paymentServiceConfig(loadConfig({}), {});
    expect(settings.gateway).toBe('sandbox');
    expect(settings.cardFingerprintSecret.length).toBeGreaterThanOrEqual(32);
  });

  it.each(['staging', 'production'] as const)(
    'in %s require a random card fingerprint secret',
    (environment) => {
      const config = loadConfig(deployedEnvironment(environment));
      expect(() => paymentServiceConfig(config, { PAYMENT_GATEWAY: 'sandbox' })).toThrowError(
        `PAYMENT_CARD_FINGERPRINT_SECRET must be set in ${environment}`,
      );
      expect(() =>
        paymentServiceConfig(config, {
          PAYMENT_GATEWAY: 'sandbox',
          PAYMENT_CARD_FINGERPRINT_SECRET: 'CHANGE-ME-card-fingerprint-secret-0000',
        }),
      ).toThrowError(/PAYMENT_CARD_FINGERPRINT_SECRET must be a random secret/);
    },
  );

  it('in staging allow the sandbox by default and Stripe test keys, never live ones', () => {
    const config = loadConfig(deployedEnvironment('staging'));
    expect(paymentServiceConfig(config, { PAYMENT_CARD_FINGERPRINT_SECRET: fingerprint() }).gateway).toBe(
      'sandbox',
    );
    expect(paymentServiceConfig(config, stripe('test')).gateway).toBe('stripe');
    expect(() => paymentServiceConfig(config, stripe('live'))).toThrowError(
      'STRIPE_SECRET_KEY must be a test key (sk_test_…) in staging',
    );
  });

  it('in production take the sandbox only when named, and Stripe with live keys only', () => {
    const config = loadConfig(deployedEnvironment('production'));
    expect(() =>
      paymentServiceConfig(config, { PAYMENT_CARD_FINGERPRINT_SECRET: fingerprint() }),
    ).toThrowError('PAYMENT_GATEWAY must be set in production: stripe, or sandbox on purpose');
    expect(
      paymentServiceConfig(config, {
        PAYMENT_GATEWAY: 'sandbox',
        PAYMENT_CARD_FINGERPRINT_SECRET: fingerprint(),
      }).gateway,
    ).toBe('sandbox');
    expect(paymentServiceConfig(config, stripe('live')).gateway).toBe('stripe');
    expect(() => paymentServiceConfig(config, stripe('test'))).toThrowError(
      'STRIPE_SECRET_KEY must be a live key (sk_live_…) in production',
    );
    expect(() =>
      paymentServiceConfig(config, { ...stripe('live'), STRIPE_SECRET_KEY: 'sk_live_CHANGE-ME' }),
    ).toThrowError(/STRIPE_SECRET_KEY must be a random secret in production, not a placeholder/);
  });
});
