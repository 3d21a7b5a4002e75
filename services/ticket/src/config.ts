// The ticket service's settings, read once from the environment and validated; a bad value
// stops the start with one line naming the variable.
import { ConfigError, type PlatformConfig, readInteger } from '@ticketing/platform';

type Env = Record<string, string | undefined>;

export interface TicketServiceConfig {
  /** How long a hold keeps its tickets (TICKET_HOLD_TTL_SECONDS, default 10 minutes). */
  holdTtlSeconds: number;
  /** Tickets one user may hold or own per event (TICKET_MAX_PER_USER, default 8). */
  maxTicketsPerUser: number;
  /** How often the sweeper returns expired holds (TICKET_SWEEP_INTERVAL_MS, default 5 s). */
  sweepIntervalMs: number;
  /** Holds expired per sweeper transaction (TICKET_SWEEP_BATCH_SIZE). */
  sweepBatchSize: number;
  /** Live updates are batched per event over this window (TICKET_LIVE_COALESCE_MS, default 250 ms). */
  liveCoalesceMs: number;
  /** Keep-alive comment period on availability streams (TICKET_SSE_KEEPALIVE_MS, default 15 s). */
  sseKeepAliveMs: number;
  /** The door opens this long before the event starts (TICKET_CHECK_IN_OPENS_BEFORE_MINUTES, default 120); it closes at the event's end. */
  checkInOpensBeforeMinutes: number;
  queue: QueueSettings;
}

/** The waiting room's settings (ADR 0021). */
export interface QueueSettings {
  /** How often the admission worker lets people in (TICKET_QUEUE_ADMIT_INTERVAL_MS, default 1 s). */
  admitIntervalMs: number;
  /** An admitted place with no hold after this long expires and its slot goes to the next in line (TICKET_QUEUE_IDLE_SECONDS, default 5 min). */
  idleSeconds: number;
  /** How long an admission (and its token) lasts (TICKET_QUEUE_ADMISSION_SECONDS, default 20 min; at least idle + hold time). */
  admissionSeconds: number;
  /** Live holds of one event that switch its waiting room on (TICKET_QUEUE_AUTO_ENABLE_HOLDS, 0 = never, the default). */
  autoEnableHolds: number;
  /** An automatically switched-on room switches off when nobody waits and live holds fall under this (TICKET_QUEUE_AUTO_DISABLE_HOLDS, default half the switch-on threshold). */
  autoDisableHolds: number;
  /** The admission rate of a room switched on automatically (TICKET_QUEUE_AUTO_ADMIT_PER_MINUTE, default 300). */
  autoAdmitPerMinute: number;
  /** Proof-of-work difficulty in leading zero bits when nobody is joining (TICKET_QUEUE_POW_MIN_BITS, default 12; 0 = no challenge). */
  powMinBits: number;
  /** The most the difficulty rises to (TICKET_QUEUE_POW_MAX_BITS, default 20). */
  powMaxBits: number;
  /** Joins per minute that add one bit, doubling at each further bit (TICKET_QUEUE_POW_JOINS_PER_BIT, default 500). */
  powJoinsPerBit: number;
  /** How long a challenge may be used (TICKET_QUEUE_CHALLENGE_SECONDS, default 120). */
  challengeSeconds: number;
}

export function ticketServiceConfig(_config: PlatformConfig, env: Env = process.env): TicketServiceConfig {
  const holdTtlSeconds = readInteger(env, 'TICKET_HOLD_TTL_SECONDS', 600, 10, 86_400);
  return {
    holdTtlSeconds,
    maxTicketsPerUser: readInteger(env, 'TICKET_MAX_PER_USER', 8, 1, 100),
    sweepIntervalMs: readInteger(env, 'TICKET_SWEEP_INTERVAL_MS', 5_000, 10, 600_000),
    sweepBatchSize: readInteger(env, 'TICKET_SWEEP_BATCH_SIZE', 500, 1, 10_000),
    liveCoalesceMs: readInteger(env, 'TICKET_LIVE_COALESCE_MS', 250, 10, 10_000),
    sseKeepAliveMs: readInteger(env, 'TICKET_SSE_KEEPALIVE_MS', 15_000, 50, 300_000),
    checkInOpensBeforeMinutes: readInteger(env, 'TICKET_CHECK_IN_OPENS_BEFORE_MINUTES', 120, 0, 10_080),
    queue: readQueueSettings(env, holdTtlSeconds),
  };
}

function readQueueSettings(env: Env, holdTtlSeconds: number): QueueSettings {
  const idleSeconds = readInteger(env, 'TICKET_QUEUE_IDLE_SECONDS', 300, 5, 3_600);
  const admissionSeconds = readInteger(env, 'TICKET_QUEUE_ADMISSION_SECONDS', 1_200, 10, 86_400);
  // A buyer admitted at the last idle second must still be able to hold and pay with the token.
  if (admissionSeconds < idleSeconds + holdTtlSeconds)
    throw new ConfigError(
      'TICKET_QUEUE_ADMISSION_SECONDS',
      `at least TICKET_QUEUE_IDLE_SECONDS + TICKET_HOLD_TTL_SECONDS (${idleSeconds + holdTtlSeconds})`,
      String(admissionSeconds),
    );
  const powMinBits = readInteger(env, 'TICKET_QUEUE_POW_MIN_BITS', 12, 0, 24);
  const autoEnableHolds = readInteger(env, 'TICKET_QUEUE_AUTO_ENABLE_HOLDS', 0, 0, 10_000_000);
  return {
    admitIntervalMs: readInteger(env, 'TICKET_QUEUE_ADMIT_INTERVAL_MS', 1_000, 10, 60_000),
    idleSeconds,
    admissionSeconds,
    autoEnableHolds,
    // Below the switch-on threshold, so a room does not flap on and off around it.
    autoDisableHolds: readInteger(
      env,
      'TICKET_QUEUE_AUTO_DISABLE_HOLDS',
      Math.floor(autoEnableHolds / 2),
      0,
      Math.max(0, autoEnableHolds - 1),
    ),
    autoAdmitPerMinute: readInteger(env, 'TICKET_QUEUE_AUTO_ADMIT_PER_MINUTE', 300, 1, 100_000),
    powMinBits,
    powMaxBits: readInteger(env, 'TICKET_QUEUE_POW_MAX_BITS', Math.max(20, powMinBits), powMinBits, 26),
    powJoinsPerBit: readInteger(env, 'TICKET_QUEUE_POW_JOINS_PER_BIT', 500, 1, 10_000_000),
    challengeSeconds: readInteger(env, 'TICKET_QUEUE_CHALLENGE_SECONDS', 120, 10, 3_600),
  };
}
