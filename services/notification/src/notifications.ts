// Notifications: queuing messages for users on the channels they chose (inside the transaction
// of the event that caused them), the user's history, and for admins search and resend.
import { type Clock, type Database, type Executor, type Identity, newId } from '@ticketing/platform';
import { NotificationInProgressError, NotificationNotFoundError } from './errors.js';
import type { Channel, Facts, NotificationType } from './notification-types.js';
import { chooseChannels } from './preferences.js';
import * as repository from './repository.js';
import type { AdminSearchQuery, NotificationDetail, NotificationView } from './schema.js';
import type { NewNotification, NotificationRow } from './tables.js';

export interface NotificationDeps {
  db: Database;
  clock: Clock;
  maxAttempts: number;
  /** Called after a commit that queued messages, so the delivery worker starts at once. */
  onQueued(): void;
}

export interface Notice {
  type: NotificationType;
  userIds: string[];
  facts: Facts;
  /** The domain event that caused the message, if any. */
  sourceEventId: string | null;
  /** Part of a send to many (event cancelled, reminders): goes after single messages. */
  bulk: boolean;
  /** A key making the message unique per user and channel beyond the inbox (e.g. one reminder per event). */
  dedupeKey?: (userId: string, channel: Channel) => string;
}

/** Queues the notice for each user on their chosen channels; returns how many messages were queued. */
export async function queueNotifications(
  tx: Executor,
  notice: Notice,
  settings: { maxAttempts: number; now: Date },
): Promise<number> {
  const userIds = [...new Set(notice.userIds)];
  let queued = 0;
  // In slices, so a stadium's worth of holders stays within PostgreSQL's parameter limit.
  for (let start = 0; start < userIds.length; start += USERS_PER_SLICE) {
    queued += await queueSlice(tx, notice, userIds.slice(start, start + USERS_PER_SLICE), settings);
  }
  return queued;
}

const USERS_PER_SLICE = 1_000;

async function queueSlice(
  tx: Executor,
  notice: Notice,
  userIds: string[],
  settings: { maxAttempts: number; now: Date },
): Promise<number> {
  const channels = await chooseChannels(tx, notice.type, userIds);
  const rows: NewNotification[] = [];
  for (const userId of userIds) {
    for (const channel of channels.get(userId) ?? []) {
      rows.push({
        id: newId(),
        userId,
        type: notice.type,
        channel,
        status: 'PENDING',
        priority: notice.bulk ? 1 : 0,
        data: notice.facts as Record<string, unknown>,
        dedupeKey: notice.dedupeKey?.(userId, channel) ?? null,
        sourceEventId: notice.sourceEventId,
        attempts: 0,
        maxAttempts: settings.maxAttempts,
        nextAttemptAt: settings.now,
        createdAt: settings.now,
        updatedAt: settings.now,
      });
    }
  }
  return repository.insertNotifications(tx, rows);
}

export function toNotificationView(row: NotificationRow): NotificationView {
  return {
    id: row.id,
    userId: row.userId,
    type: row.type as NotificationType,
    channel: row.channel as Channel,
    status: row.status,
    recipient: row.recipient,
    locale: row.locale,
    subject: row.subject,
    text: row.bodyText,
    attempts: row.attempts,
    maxAttempts: row.maxAttempts,
    lastError: row.lastError,
    nextAttemptAt: row.status === 'PENDING' ? row.nextAttemptAt.toISOString() : null,
    sentAt: row.sentAt?.toISOString() ?? null,
    resendOf: row.resendOf,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const toDetail = (row: NotificationRow): NotificationDetail => ({
  ...toNotificationView(row),
  html: row.bodyHtml,
});

async function page(
  db: Executor,
  filter: Omit<Parameters<typeof repository.searchNotifications>[1], 'limit' | 'before'>,
  cursor: string | undefined,
  limit: number,
): Promise<{ items: NotificationView[]; nextCursor: string | null }> {
  const rows = await repository.searchNotifications(db, { ...filter, before: cursor, limit: limit + 1 });
  const items = rows.slice(0, limit);
  return {
    items: items.map(toNotificationView),
    nextCursor: rows.length > limit ? items[items.length - 1]!.id : null,
  };
}

/** The user's own notifications, newest first. */
export function listMyNotifications(
  deps: Pick<NotificationDeps, 'db'>,
  userId: string,
  query: { cursor?: string; limit?: number },
) {
  return page(deps.db.orm, { userId }, query.cursor, query.limit ?? 20);
}

export function searchNotifications(deps: Pick<NotificationDeps, 'db'>, query: AdminSearchQuery) {
  const { cursor, limit, ...filter } = query;
  return page(deps.db.orm, filter, cursor, limit ?? 20);
}

/** One notification, to its recipient or an admin; anyone else is told it does not exist. */
export async function getNotification(
  deps: Pick<NotificationDeps, 'db'>,
  viewer: Identity,
  id: string,
): Promise<NotificationDetail> {
  const row = await repository.findNotification(deps.db.orm, id);
  if (!row || (row.userId !== viewer.userId && !viewer.roles.includes('ADMIN'))) {
    throw new NotificationNotFoundError();
  }
  return toDetail(row);
}

/**
 * Sends a notification again as a new message (the original keeps its history): rendered
 * afresh, to the user's current address, with a full set of attempts.
 */
export async function resendNotification(deps: NotificationDeps, id: string): Promise<NotificationDetail> {
  const original = await repository.findNotification(deps.db.orm, id);
  if (!original) throw new NotificationNotFoundError();
  if (original.status === 'PENDING' || original.status === 'SENDING') {
    throw new NotificationInProgressError(original.status);
  }
  const now = deps.clock.now();
  const copy: NewNotification = {
    id: newId(),
    userId: original.userId,
    type: original.type,
    channel: original.channel,
    status: 'PENDING',
    priority: 0,
    data: original.data,
    dedupeKey: null,
    sourceEventId: original.sourceEventId,
    resendOf: original.id,
    attempts: 0,
    maxAttempts: deps.maxAttempts,
    nextAttemptAt: now,
    createdAt: now,
    updatedAt: now,
  };
  // Read in the inserting transaction: the 202 describes the message as queued, not half sent
  // (the sender's own poll may pick it up the moment it commits).
  const [row] = await deps.db.transaction(async (tx) => {
    await repository.insertNotifications(tx, [copy]);
    return repository.findNotifications(tx, [copy.id]);
  });
  deps.onQueued();
  return toDetail(row!);
}
