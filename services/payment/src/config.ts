// The payment service's settings, read once from the environment and validated; a bad value
// stops the start with one line naming the variable. No secret has a default outside
// development and test.
import { ConfigError, type PlatformConfig, readChoice, readInteger, readUrl } from '@ticketing/platform';

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

export function paymentServiceConfig(config: PlatformConfig, env: Env = process.env): PaymentServiceConfig {
  const gateway = readChoice(env, 'PAYMENT_GATEWAY', ['sandbox', 'stripe'] as const, 'sandbox');
  const stripe: StripeSettings | undefined =
    gateway === 'stripe'
      ? {
          secretKey: requiredSecret(env, 'STRIPE_SECRET_KEY', 'sk_'),
          webhookSecret: requiredSecret(env, 'STRIPE_WEBHOOK_SECRET', 'whsec_'),
          apiUrl: readUrl(env, 'STRIPE_API_URL', ['http:', 'https:']),
        }
      : undefined;
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
    if (config.environment === 'production') {
      throw new ConfigError(
        'PAYMENT_CARD_FINGERPRINT_SECRET',
        'set in production (development secrets are refused)',
        '',
      );
    }
    cardFingerprintSecret = DEVELOPMENT_FINGERPRINT_SECRET;
  }
  return {
    gateway,
    stripe,
    gatewayTimeoutMs,
    pendingLeaseMs,
    reconcileIntervalMs: readInteger(env, 'PAYMENT_RECONCILE_INTERVAL_MS', 10_000, 50, 3_600_000),
    sandboxSlowMs: readInteger(env, 'PAYMENT_SANDBOX_SLOW_MS', 12_000, 0, 600_000),
    cardFingerprintSecret,
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
