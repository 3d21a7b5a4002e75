// GET /api/v1/payments/config: what the web app's checkout needs to know — the sandbox's card
// form, or Stripe Elements with the publishable key — public through the gateway; and a bad
// STRIPE_PUBLISHABLE_KEY stops the start naming the variable.
import { randomBytes } from 'node:crypto';
import { loadConfig } from '@ticketing/platform';
import { deployedEnvironment } from '@ticketing/platform/testing';
import { describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { startTestPlatform } from '../../../tools/test/platform.js';
import { paymentServiceConfig } from '../src/config.js';

// Key shapes only: these are not keys Stripe ever issued.
const hex = () => randomBytes(12).toString('hex');
const stripeEnv = (mode: 'test' | 'live', publishableKey?: string) => ({
  PAYMENT_GATEWAY: 'stripe',
  STRIPE_SECRET_KEY: `sk_${mode}_${hex()}`,
  STRIPE_WEBHOOK_SECRET: `whsec_${hex()}`,
  PAYMENT_CARD_FINGERPRINT_SECRET: randomBytes(32).toString('base64url'),
  ...(publishableKey !== undefined && { STRIPE_PUBLISHABLE_KEY: publishableKey }),
});

describe('the payments config route', () => {
  it('tells an anonymous visitor, through the gateway, that checkout uses the sandbox card form', async () => {
    const platform = await startTestPlatform({ services: ['gateway', 'payment'] });
    try {
      const answer = await call(platform.gatewayUrl, 'GET', '/api/v1/payments/config');
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ provider: 'sandbox', publishableKey: null });
      // The rest of /api/v1/payments stays for admins.
      expect((await call(platform.gatewayUrl, 'GET', '/api/v1/payments')).status).toBe(401);
    } finally {
      await platform.stop();
    }
  });

  it('gives the Stripe publishable key, and never the secret ones, when Stripe is configured', async () => {
    const publishableKey = `pk_test_${hex()}`;
    const env = stripeEnv('test', publishableKey);
    const platform = await startTestPlatform({ services: ['gateway', 'payment'], env });
    try {
      const answer = await call(platform.gatewayUrl, 'GET', '/api/v1/payments/config');
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ provider: 'stripe', publishableKey });
      expect(JSON.stringify(answer.body)).not.toContain(env.STRIPE_SECRET_KEY);
    } finally {
      await platform.stop();
    }
  });

  it('stops the start on a STRIPE_PUBLISHABLE_KEY that is not a publishable key', async () => {
    await expect(
      startTestPlatform({ services: ['payment'], env: stripeEnv('test', 'sk_test_secretPastedByMistake') }),
    ).rejects.toThrowError(/STRIPE_PUBLISHABLE_KEY must be a Stripe publishable key/);
  });
});

describe('the STRIPE_PUBLISHABLE_KEY setting', () => {
  const development = loadConfig({});

  it('is optional: without it Stripe takes only its test card numbers and checkout shows the card form', () => {
    expect(paymentServiceConfig(development, stripeEnv('test')).stripe?.publishableKey).toBeUndefined();
  });

  it.each([
    ['a secret key', 'sk_test_abcdefgh12345678'],
    ['a made-up prefix', 'pub_test_abcdefgh12345678'],
    ['a key too short', 'pk_test_abc'],
  ])('refuses %s', (_what, key) => {
    expect(() => paymentServiceConfig(development, stripeEnv('test', key))).toThrowError(
      /^Invalid configuration: STRIPE_PUBLISHABLE_KEY must be a Stripe publishable key/,
    );
  });

  it('must be in the same mode as the secret key', () => {
    expect(() => paymentServiceConfig(development, stripeEnv('test', `pk_live_${hex()}`))).toThrowError(
      /STRIPE_PUBLISHABLE_KEY must be a test key \(pk_test_…\) like STRIPE_SECRET_KEY/,
    );
    const production = loadConfig(deployedEnvironment('production'));
    expect(
      paymentServiceConfig(production, stripeEnv('live', 'pk_live_abcdefgh12345678')).stripe?.publishableKey,
    ).toBe('pk_live_abcdefgh12345678');
  });

  it('is refused with the sandbox, where no Stripe.js would use it', () => {
    expect(() =>
      paymentServiceConfig(development, { STRIPE_PUBLISHABLE_KEY: 'pk_test_abcdefgh12345678' }),
    ).toThrowError(/STRIPE_PUBLISHABLE_KEY must be set only with PAYMENT_GATEWAY=stripe/);
  });
});
