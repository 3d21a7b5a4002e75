// The ticket service's settings, read once from the environment and validated; a bad value
// stops the start with one line naming the variable.
import { type PlatformConfig, readInteger } from '@ticketing/platform';

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
}

export function ticketServiceConfig(_config: PlatformConfig, env: Env = process.env): TicketServiceConfig {
  return {
    holdTtlSeconds: readInteger(env, 'TICKET_HOLD_TTL_SECONDS', 600, 10, 86_400),
    maxTicketsPerUser: readInteger(env, 'TICKET_MAX_PER_USER', 8, 1, 100),
    sweepIntervalMs: readInteger(env, 'TICKET_SWEEP_INTERVAL_MS', 5_000, 10, 600_000),
    sweepBatchSize: readInteger(env, 'TICKET_SWEEP_BATCH_SIZE', 500, 1, 10_000),
    liveCoalesceMs: readInteger(env, 'TICKET_LIVE_COALESCE_MS', 250, 10, 10_000),
    sseKeepAliveMs: readInteger(env, 'TICKET_SSE_KEEPALIVE_MS', 15_000, 50, 300_000),
  };
}
