// Delivery: a worker claims due notifications a few at a time (FOR UPDATE SKIP LOCKED, with a
// lease so a crashed sender's messages are picked up again), finds the recipient's address, has
// the sender pool's worker threads render the template on the first attempt (and draw the QR
// codes and compose the mail on every attempt, off the event loop), and sends under a
// per-channel rate limit shared by all instances. A failure is retried with exponential backoff
// until max_attempts, then the notification is FAILED; a permanent failure (a rejected address)
// fails at once. Time comes from the injected clock, so tests move retries forward without waiting.
import { type CacheStore, type Clock, type Database, type Logger, newId } from '@ticketing/platform';
import { type Delivered, DeliveryError, type PushDelivered, type Senders } from './channels.js';
import { type ContactDeps, ContactUnavailableError, resolveContact } from './contacts.js';
import type { MessageRenderer } from './message-renderer.js';
import type { RenderJob } from './message-rendering.js';
import {
  type Channel,
  type Facts,
  isTransactional,
  type NotificationType,
  notificationUrl,
  orderUrl,
  templateView,
  toLocale,
} from './notification-types.js';
import { type OrderDetailsDeps, OrderDetailsUnavailableError, withETickets } from './order-details.js';
import * as repository from './repository.js';
import type { NotificationRow } from './tables.js';
import { findTemplateContent, type TemplateDeps } from './templates.js';

export type DeliveryOutcome = 'sent' | 'retry' | 'failed' | 'skipped';

export interface DeliverySettings {
  retryBaseMs: number;
  retryMaxMs: number;
  batchSize: number;
  sendRatePerSecond: number;
  sendConcurrency: number;
  webUrl: string;
  /** From header of every mail. */
  mailFrom: string;
}

export interface DeliveryDeps {
  db: Database;
  clock: Clock;
  cache: CacheStore;
  logger: Logger;
  senders: Senders;
  contacts: ContactDeps;
  orders: OrderDetailsDeps;
  templates: TemplateDeps;
  renderer: MessageRenderer;
  settings: DeliverySettings;
  onOutcome?(channel: Channel, type: string, outcome: DeliveryOutcome): void;
}

/** How long a claimed notification stays with its sender before another may take it over. */
const LEASE_MS = 5 * 60_000;

/** The wait after the nth failed attempt: base, 2×base, 4×base, … capped at max. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * Waits until the channel's shared sending rate allows one more message. Without the shared
 * counter (Redis down) the message goes: a mail held back for the length of an outage is
 * worse than a provider's rate limit, which answers with a retryable error anyway.
 */
async function acquireSendSlot(deps: DeliveryDeps, channel: Channel): Promise<void> {
  for (;;) {
    let decision: Awaited<ReturnType<DeliveryDeps['cache']['hitSlidingWindow']>>;
    try {
      decision = await deps.cache.hitSlidingWindow(
        `notifications:send-rate:${channel}`,
        deps.settings.sendRatePerSecond,
        1_000,
      );
    } catch (error) {
      deps.logger.warn({ err: error, channel }, 'send-rate store unavailable; sending without it');
      return;
    }
    if (decision.allowed) return;
    await new Promise((resume) => setTimeout(resume, Math.min(1_000, Math.max(5, decision.retryAfterMs))));
  }
}

/** A message that cannot go out says why, and whether the user exists to be reached another way. */
type Prepared = { skip: string; reachable: boolean } | { send: () => Promise<Delivered> };

/** Finds the address and renders the message (once); says why a message cannot be sent at all. */
async function prepare(deps: DeliveryDeps, notification: NotificationRow): Promise<Prepared> {
  const channel = notification.channel as Channel;
  const type = notification.type as NotificationType;
  let facts = notification.data as Facts;
  // Fetched facts are kept (with the rendering below), so retries and the history need not ask again.
  let fetched: Record<string, unknown> | undefined;
  if (type === 'order-confirmed' && channel === 'email' && facts.tickets === undefined) {
    facts = await withETickets(deps.orders, facts);
    fetched = facts as Record<string, unknown>;
  }
  const contact = await resolveContact(deps.contacts, notification.userId, {
    phoneNumber: channel === 'sms',
  });
  if (!contact) return { skip: 'the user does not exist', reachable: false };
  const locale = toLocale(notification.locale ?? contact.locale);
  const webUrl = deps.settings.webUrl;
  const pushTargets =
    channel === 'push' ? await repository.findPushSubscriptions(deps.db.orm, notification.userId) : [];
  const recipient =
    channel === 'email'
      ? contact.email
      : channel === 'sms'
        ? contact.phoneNumber
        : pushTargets.length > 0
          ? `${pushTargets.length} browser(s)`
          : null;
  if (recipient === null) {
    return {
      skip: channel === 'sms' ? 'the user has no phone number' : 'the user has no push subscription',
      reachable: true,
    };
  }
  const fresh = notification.bodyText === null || notification.recipient !== recipient;
  const source: RenderJob['source'] = fresh
    ? {
        template: await findTemplateContent(deps.templates, { type, channel, locale }),
        view: templateView(type, facts, contact, locale, webUrl),
      }
    : {
        rendered: {
          subject: notification.subject,
          text: notification.bodyText!,
          html: notification.bodyHtml,
        },
      };
  const { rendered, raw } = await deps.renderer.render({
    channel,
    locale,
    webUrl,
    source,
    email:
      channel === 'email'
        ? {
            from: deps.settings.mailFrom,
            notificationId: notification.id,
            to: { name: `${contact.firstName} ${contact.lastName}`.trim(), address: recipient },
            eTickets:
              type === 'order-confirmed'
                ? { facts, orderUrl: orderUrl(webUrl, facts), createdAt: notification.createdAt }
                : null,
          }
        : null,
  });
  if (fresh) {
    await repository.saveRendering(deps.db.orm, notification.id, {
      recipient,
      locale,
      subject: rendered.subject,
      bodyText: rendered.text,
      bodyHtml: rendered.html,
      ...(fetched && { data: fetched }),
    });
  } else if (fetched) {
    await repository.saveFacts(deps.db.orm, notification.id, fetched);
  }
  const text = rendered.text;
  switch (channel) {
    case 'email':
      return {
        send: () => deps.senders.email.send({ notificationId: notification.id, to: recipient, raw: raw! }),
      };
    case 'sms':
      return { send: () => deps.senders.sms.send({ notificationId: notification.id, to: recipient, text }) };
    case 'push':
      return {
        send: async () => {
          const delivered: PushDelivered = await deps.senders.push
            .send({
              notificationId: notification.id,
              targets: pushTargets.map((target) => ({
                endpoint: target.endpoint,
                keys: { p256dh: target.p256dh, auth: target.auth },
              })),
              title: rendered.subject ?? '',
              text,
              url: notificationUrl(webUrl, facts),
            })
            .catch(async (error: DeliveryError & { goneEndpoints?: string[] }) => {
              await dropGoneSubscriptions(deps, error.goneEndpoints ?? []);
              throw error;
            });
          await dropGoneSubscriptions(deps, delivered.goneEndpoints);
          return delivered;
        },
      };
  }
}

async function dropGoneSubscriptions(deps: DeliveryDeps, endpoints: string[]) {
  for (const endpoint of endpoints) await repository.deletePushSubscriptionByEndpoint(deps.db.orm, endpoint);
}

async function deliverOne(deps: DeliveryDeps, notification: NotificationRow): Promise<void> {
  const channel = notification.channel as Channel;
  const report = (outcome: DeliveryOutcome) => deps.onOutcome?.(channel, notification.type, outcome);
  try {
    const prepared = await prepare(deps, notification);
    if ('skip' in prepared) {
      const now = deps.clock.now();
      await repository.markSkipped(deps.db.orm, notification.id, prepared.skip, now);
      report('skipped');
      // A transactional message must reach the user by some channel: email is always there.
      if (
        channel !== 'email' &&
        isTransactional(notification.type as NotificationType) &&
        prepared.reachable
      ) {
        await repository.insertEmailFallback(deps.db.orm, notification, {
          ...notification,
          id: newId(),
          nextAttemptAt: now,
          createdAt: now,
          updatedAt: now,
        });
      }
      return;
    }
    await acquireSendSlot(deps, channel);
    const delivered = await prepared.send();
    await repository.markSent(deps.db.orm, notification.id, delivered.providerMessageId, deps.clock.now());
    report('sent');
  } catch (error) {
    const known =
      error instanceof DeliveryError ||
      error instanceof ContactUnavailableError ||
      error instanceof OrderDetailsUnavailableError;
    if (!known)
      deps.logger.error({ err: error, notificationId: notification.id }, 'delivering a notification failed');
    const message = (error as Error).message ?? String(error);
    const permanent = error instanceof DeliveryError && error.permanent;
    const now = deps.clock.now();
    const retryAt =
      permanent || notification.attempts >= notification.maxAttempts
        ? null
        : new Date(
            now.getTime() +
              retryDelayMs(notification.attempts, deps.settings.retryBaseMs, deps.settings.retryMaxMs),
          );
    await repository.markAttemptFailed(deps.db.orm, notification.id, message.slice(0, 2_000), retryAt, now);
    report(retryAt ? 'retry' : 'failed');
    if (!retryAt) {
      deps.logger.warn(
        { notificationId: notification.id, channel, attempts: notification.attempts, error: message },
        'notification FAILED',
      );
    }
  }
}

/**
 * How many notifications one claim takes: enough to keep every sender busy (at most about a
 * second's worth at the sending rate), and no more, so a message queued meanwhile waits for a few
 * sends rather than for a long batch of slow ones.
 */
export const claimSize = (settings: DeliverySettings) =>
  Math.min(settings.batchSize, settings.sendRatePerSecond, 2 * settings.sendConcurrency);

/** What the delivery worker tells a drain: how often it was kicked so far, and whether to stop. */
export interface DrainSignals {
  kicks(): number;
  stopped(): boolean;
}

const NO_SIGNALS: DrainSignals = { kicks: () => 0, stopped: () => false };

/**
 * Delivers until nothing is due: `sendConcurrency` senders take claimed notifications one at a
 * time, and a sender that finds none left claims the next few, so no message waits for a whole
 * batch's slowest one. Ends when a claim comes back short with no message queued (no kick)
 * since it began. Returns how many notifications it claimed.
 */
export async function deliverDueNotifications(
  deps: DeliveryDeps,
  signals: DrainSignals = NO_SIGNALS,
): Promise<number> {
  const size = claimSize(deps.settings);
  const claimed: NotificationRow[] = [];
  let claiming: Promise<void> | undefined;
  let exhausted = false;
  let total = 0;
  const claimMore = () => {
    claiming ??= (async () => {
      try {
        const kicksBefore = signals.kicks();
        const now = deps.clock.now();
        const batch = await deps.db.transaction((tx) =>
          repository.claimDueNotifications(tx, now, new Date(now.getTime() + LEASE_MS), size),
        );
        claimed.push(...batch);
        total += batch.length;
        if (batch.length < size && signals.kicks() === kicksBefore) exhausted = true;
      } finally {
        claiming = undefined;
      }
    })();
    return claiming;
  };
  const sender = async () => {
    for (;;) {
      const next = claimed.shift();
      if (next) {
        await deliverOne(deps, next);
        continue;
      }
      if (exhausted || signals.stopped()) return;
      await claimMore();
    }
  };
  // Every sender ends before the drain does, also when one fails (a claim the database refused).
  const outcomes = await Promise.allSettled(Array.from({ length: deps.settings.sendConcurrency }, sender));
  const failure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failure) throw (failure as PromiseRejectedResult).reason;
  return total;
}

/** Delivers every interval and whenever kicked, never two drains of one instance at once. */
export class DeliveryWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private failing = false;
  private kicks = 0;
  private readonly signals: DrainSignals = { kicks: () => this.kicks, stopped: () => this.stopped };

  constructor(
    private readonly deps: DeliveryDeps,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), this.intervalMs);
    this.timer.unref();
    this.kick();
  }

  /** Deliver what is due now (called when messages were queued). */
  kick(): void {
    if (this.stopped) return;
    this.kicks++;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = deliverDueNotifications(this.deps, this.signals)
      .then(() => {
        if (this.failing) this.deps.logger.info('notification delivery recovered');
        this.failing = false;
      })
      .catch((error) => {
        // Warn once per outage; the next interval tries again.
        if (!this.failing)
          this.deps.logger.warn({ err: error }, 'notification delivery failing; will keep retrying');
        this.failing = true;
      })
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
