// The order service's settings, read once from the environment and validated; a bad value
// stops the start with one line naming the variable.
import { ConfigError, isDeployed, type PlatformConfig, readChoice, readInteger } from '@ticketing/platform';

type Env = Record<string, string | undefined>;

/** Where a test may make the saga stop as if the process died (ORDER_CRASH_AT; never in staging or production). */
export const CRASH_POINTS = [
  'after-order-recorded',
  'after-payment',
  'after-payment-failed',
  'after-sale',
  'after-cancel-refund',
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

export interface OrderServiceConfig {
  /** Service fee per ticket: a share of its price in basis points, plus a fixed amount. */
  feeBasisPoints: number;
  feeFixed: number;
  /** Buyers may cancel (and be refunded) until this many hours before the event starts. */
  refundDeadlineHours: number;
  /** How long a request or worker owns a saga before another may take it over. */
  sagaLeaseMs: number;
  /** How often the recovery worker looks for unfinished sagas. */
  recoveryIntervalMs: number;
  /** How long a retried POST waits for the first request with its key to finish. */
  replayWaitMs: number;
  /** Tickets one IPv4 /24 or IPv6 /48 may buy per event (ORDER_MAX_TICKETS_PER_IP_RANGE); 0 turns the cap off. */
  maxTicketsPerIpRange: number;
  timeouts: { ticketMs: number; paymentMs: number; eventMs: number };
  crash: { at: CrashPoint; mode: 'exit' | 'throw' } | undefined;
}

export function orderServiceConfig(config: PlatformConfig, env: Env = process.env): OrderServiceConfig {
  const paymentMs = readInteger(env, 'ORDER_PAYMENT_TIMEOUT_MS', 10_000, 100, 120_000);
  const sagaLeaseMs = readInteger(env, 'ORDER_SAGA_LEASE_MS', 60_000, 200, 3_600_000);
  // A charge may be tried three times (the client retries idempotent calls): the lease outlasts them all.
  if (sagaLeaseMs <= 3 * paymentMs) {
    throw new ConfigError(
      'ORDER_SAGA_LEASE_MS',
      `longer than three times ORDER_PAYMENT_TIMEOUT_MS (${3 * paymentMs})`,
      String(sagaLeaseMs),
    );
  }
  const crashAt = env.ORDER_CRASH_AT?.trim()
    ? readChoice(env, 'ORDER_CRASH_AT', CRASH_POINTS, 'after-payment')
    : undefined;
  if (crashAt && isDeployed(config.environment)) {
    throw new ConfigError(
      'ORDER_CRASH_AT',
      `unset in ${config.environment} (it is a test-only crash point)`,
      crashAt,
    );
  }
  return {
    feeBasisPoints: readInteger(env, 'ORDER_FEE_BASIS_POINTS', 0, 0, 10_000),
    feeFixed: readInteger(env, 'ORDER_FEE_FIXED', 0, 0, 1_000_000),
    refundDeadlineHours: readInteger(env, 'ORDER_REFUND_DEADLINE_HOURS', 48, 0, 8_760),
    sagaLeaseMs,
    recoveryIntervalMs: readInteger(env, 'ORDER_RECOVERY_INTERVAL_MS', 2_000, 50, 600_000),
    replayWaitMs: readInteger(env, 'ORDER_REPLAY_WAIT_MS', 10_000, 0, 120_000),
    // Generous: a campus or a mobile carrier puts many buyers behind one range (NAT).
    maxTicketsPerIpRange: readInteger(env, 'ORDER_MAX_TICKETS_PER_IP_RANGE', 40, 0, 1_000_000),
    timeouts: {
      ticketMs: readInteger(env, 'ORDER_TICKET_TIMEOUT_MS', 5_000, 100, 60_000),
      paymentMs,
      eventMs: readInteger(env, 'ORDER_EVENT_TIMEOUT_MS', 2_000, 100, 60_000),
    },
    crash: crashAt
      ? { at: crashAt, mode: readChoice(env, 'ORDER_CRASH_MODE', ['exit', 'throw'] as const, 'exit') }
      : undefined,
  };
}
