// The payment service's settings, read once from the environment and validated; a bad value
// stops the start with one line naming the variable. No secret has a default outside
// development and test; production names its payment gateway explicitly and charges with live
// Stripe keys only, staging with test keys only.
import {
  ConfigError,
  isDeployed,
  type PlatformConfig,
  readChoice,
  readInteger,
  readUrl,
  refuseWeakSecret,
} from '@ticketing/platform';

type Env = Record<string, string | undefined>;

export interface FraudRules {
  /** Largest single payment in minor units (PAYMENT_FRAUD_MAX_AMOUNT); 0 turns the rule off. */
  maxAmount: number;
  /** The window the velocity and decline rules count over (PAYMENT_FRAUD_WINDOW_MINUTES). */
  windowMinutes: number;
  /** Payment attempts per user, card and address in the window; 0 turns a rule off. */
  maxPerUser: number;
  maxPerCard: number;
  maxPerIp: number;
  /** Declined attempts (per user or card) in the window after which further ones are blocked. */
  maxDeclines: number;
  /** Different cards one user may try in the window (card testing). */
  maxCardsPerUser: number;
}

export interface StripeSettings {
  secretKey: string;
  webhookSecret: string;
  /** Another API host, e.g. stripe-mock (STRIPE_API_URL); Stripe itself when unset. */
  apiUrl: string | undefined;
  /**
   * The key Stripe.js runs with in the buyer's browser (STRIPE_PUBLISHABLE_KEY, pk_…): with it,
   * checkout shows Stripe Elements; without it, only Stripe's test card numbers can pay.
   */
  publishableKey: string | undefined;
}

export interface PaymentServiceConfig {
  gateway: 'sandbox' | 'stripe';
  stripe: StripeSettings | undefined;
  /** How long a charge or refund waits for the gateway before answering PENDING. */
  gatewayTimeoutMs: number;
  /** A PENDING payment untouched this long is settled by asking the gateway (must exceed the timeout). */
  pendingLeaseMs: number;
  /** How often the reconciler looks for stale PENDING payments and refunds. */
  reconcileIntervalMs: number;
  /** How long the sandbox's slow card takes to answer. */
  sandboxSlowMs: number;
  /** Keys the card fingerprints (HMAC-SHA256). */
  cardFingerprintSecret: string;
  fraud: FraudRules;
  /** Tickets one card may pay for per event (PAYMENT_MAX_TICKETS_PER_CARD); 0 turns the cap off. */
  maxTicketsPerCard: number;
}

const DEVELOPMENT_FINGERPRINT_SECRET = 'development-only-card-fingerprint-secret-0000';

function present(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function requiredSecret(env: Env, name: string, prefix: string): string {
  const value = present(env, name);
  if (value === undefined) throw new ConfigError(name, 'set when PAYMENT_GATEWAY is stripe', '');
  if (!value.startsWith(prefix)) throw new ConfigError(name, `a key starting with ${prefix}`, '<redacted>');
  return value;
}

/** A publishable key is pk_test_… or pk_live_…, in the same mode as the secret key it pairs with. */
function readPublishableKey(env: Env, secretKey: string): string | undefined {
  const value = present(env, 'STRIPE_PUBLISHABLE_KEY');
  if (value === undefined) return undefined;
  const mode = /^pk_(test|live)_[A-Za-z0-9]{8,}$/.exec(value)?.[1];
  if (!mode)
    throw new ConfigError(
      'STRIPE_PUBLISHABLE_KEY',
      'a Stripe publishable key (pk_test_… or pk_live_…)',
      value,
    );
  const secretMode = /^(sk|rk)_live_/.test(secretKey) ? 'live' : 'test';
  if (mode !== secretMode)
    throw new ConfigError(
      'STRIPE_PUBLISHABLE_KEY',
      `a ${secretMode} key (pk_${secretMode}_…) like STRIPE_SECRET_KEY`,
      value,
    );
  return value;
}

/** Production charges real cards (live keys); staging never may (test keys). */
function checkStripeKeyMode(config: PlatformConfig, secretKey: string): void {
  const live = /^(sk|rk)_live_/.test(secretKey);
  if (config.environment === 'production' && !live)
    throw new ConfigError('STRIPE_SECRET_KEY', 'a live key (sk_live_…) in production', '<redacted>');
  if (config.environment === 'staging' && live)
    throw new ConfigError(
      'STRIPE_SECRET_KEY',
      'a test key (sk_test_…) in staging: it must never charge real cards',
      '<redacted>',
    );
}

export function paymentServiceConfig(config: PlatformConfig, env: Env = process.env): PaymentServiceConfig {
  const gateway = readChoice(env, 'PAYMENT_GATEWAY', ['sandbox', 'stripe'] as const, 'sandbox');
  // The sandbox accepts test cards as payment: in production that takes an explicit choice.
  if (config.environment === 'production' && present(env, 'PAYMENT_GATEWAY') === undefined) {
    throw new ConfigError(
      'PAYMENT_GATEWAY',
      'set in production: stripe, or sandbox on purpose (the sandbox accepts test cards)',
      '',
    );
  }
  const stripe: StripeSettings | undefined =
    gateway === 'stripe'
      ? {
          secretKey: requiredSecret(env, 'STRIPE_SECRET_KEY', 'sk_'),
          webhookSecret: requiredSecret(env, 'STRIPE_WEBHOOK_SECRET', 'whsec_'),
          apiUrl: readUrl(env, 'STRIPE_API_URL', ['http:', 'https:']),
          publishableKey: undefined,
        }
      : undefined;
  if (stripe) stripe.publishableKey = readPublishableKey(env, stripe.secretKey);
  else if (present(env, 'STRIPE_PUBLISHABLE_KEY') !== undefined)
    throw new ConfigError('STRIPE_PUBLISHABLE_KEY', 'set only with PAYMENT_GATEWAY=stripe', '<set>');
  if (stripe) {
    checkStripeKeyMode(config, stripe.secretKey);
    refuseWeakSecret(config.environment, 'STRIPE_SECRET_KEY', stripe.secretKey);
    refuseWeakSecret(config.environment, 'STRIPE_WEBHOOK_SECRET', stripe.webhookSecret);
  }
  const gatewayTimeoutMs = readInteger(env, 'PAYMENT_GATEWAY_TIMEOUT_MS', 8_000, 100, 120_000);
  const pendingLeaseMs = readInteger(env, 'PAYMENT_PENDING_LEASE_MS', 60_000, 200, 3_600_000);
  if (pendingLeaseMs <= gatewayTimeoutMs) {
    throw new ConfigError(
      'PAYMENT_PENDING_LEASE_MS',
      `longer than PAYMENT_GATEWAY_TIMEOUT_MS (${gatewayTimeoutMs})`,
      String(pendingLeaseMs),
    );
  }
  let cardFingerprintSecret = present(env, 'PAYMENT_CARD_FINGERPRINT_SECRET');
  if (cardFingerprintSecret !== undefined && cardFingerprintSecret.length < 32) {
    throw new ConfigError(
      'PAYMENT_CARD_FINGERPRINT_SECRET',
      'a secret of at least 32 characters',
      '<redacted>',
    );
  }
  if (cardFingerprintSecret === undefined) {
    if (isDeployed(config.environment)) {
      throw new ConfigError(
        'PAYMENT_CARD_FINGERPRINT_SECRET',
        `set in ${config.environment} (development secrets are refused)`,
        '',
      );
    }
    cardFingerprintSecret = DEVELOPMENT_FINGERPRINT_SECRET;
  }
  refuseWeakSecret(config.environment, 'PAYMENT_CARD_FINGERPRINT_SECRET', cardFingerprintSecret);
  return {
    gateway,
    stripe,
    gatewayTimeoutMs,
    pendingLeaseMs,
    reconcileIntervalMs: readInteger(env, 'PAYMENT_RECONCILE_INTERVAL_MS', 10_000, 50, 3_600_000),
    sandboxSlowMs: readInteger(env, 'PAYMENT_SANDBOX_SLOW_MS', 12_000, 0, 600_000),
    cardFingerprintSecret,
    maxTicketsPerCard: readInteger(env, 'PAYMENT_MAX_TICKETS_PER_CARD', 12, 0, 100_000),
    fraud: {
      maxAmount: readInteger(env, 'PAYMENT_FRAUD_MAX_AMOUNT', 1_000_000, 0, Number.MAX_SAFE_INTEGER),
      windowMinutes: readInteger(env, 'PAYMENT_FRAUD_WINDOW_MINUTES', 15, 1, 10_080),
      maxPerUser: readInteger(env, 'PAYMENT_FRAUD_MAX_PER_USER', 10, 0, 1_000_000),
      maxPerCard: readInteger(env, 'PAYMENT_FRAUD_MAX_PER_CARD', 10, 0, 1_000_000),
      maxPerIp: readInteger(env, 'PAYMENT_FRAUD_MAX_PER_IP', 50, 0, 1_000_000),
      maxDeclines: readInteger(env, 'PAYMENT_FRAUD_MAX_DECLINES', 3, 0, 1_000),
      maxCardsPerUser: readInteger(env, 'PAYMENT_FRAUD_MAX_CARDS_PER_USER', 4, 0, 1_000),
    },
  };
}
