// The notification service's SQL, and only SQL. Every function takes a database or a transaction first.
import type { Executor } from '@ticketing/platform';
import { and, asc, desc, eq, ilike, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import {
  type ContactRow,
  contacts,
  type EventDetailsRow,
  eventDetails,
  type NewNotification,
  type NotificationRow,
  notifications,
  type PushSubscriptionRow,
  preferences,
  pushSubscriptions,
  type TemplateRow,
  templates,
  ticketHolders,
} from './tables.js';

// ---- contacts

/** From user-registered: the registration's fields; a phone number and fetch time already known are kept. */
export async function upsertRegisteredContact(
  tx: Executor,
  contact: Pick<ContactRow, 'userId' | 'email' | 'locale' | 'firstName' | 'lastName'>,
  now: Date,
): Promise<void> {
  await tx
    .insert(contacts)
    .values({ ...contact, phoneNumber: null, fetchedAt: null, updatedAt: now })
    .onConflictDoUpdate({
      target: contacts.userId,
      set: {
        email: contact.email,
        locale: contact.locale,
        firstName: contact.firstName,
        lastName: contact.lastName,
        updatedAt: now,
      },
    });
}

/** A complete contact as the user service answered it. */
export async function saveFetchedContact(db: Executor, contact: Omit<ContactRow, 'updatedAt'>, now: Date) {
  const [row] = await db
    .insert(contacts)
    .values({ ...contact, updatedAt: now })
    .onConflictDoUpdate({
      target: contacts.userId,
      set: {
        email: contact.email,
        phoneNumber: contact.phoneNumber,
        locale: contact.locale,
        firstName: contact.firstName,
        lastName: contact.lastName,
        fetchedAt: contact.fetchedAt,
        updatedAt: now,
      },
    })
    .returning();
  return row!;
}

export async function findContact(db: Executor, userId: string): Promise<ContactRow | undefined> {
  const [row] = await db.select().from(contacts).where(eq(contacts.userId, userId));
  return row;
}

// ---- events and who holds tickets for them

/**
 * Records what is known of an event. A later start time re-arms its reminder; a location
 * already known is kept when the update has none; a cancelled event stays cancelled.
 */
export async function upsertEventDetails(
  tx: Executor,
  details: Pick<EventDetailsRow, 'eventId' | 'title' | 'startsAt' | 'endsAt' | 'timeZone' | 'location'>,
  now: Date,
): Promise<void> {
  await tx
    .insert(eventDetails)
    .values({ ...details, status: 'SCHEDULED', remindedAt: null, updatedAt: now })
    .onConflictDoUpdate({
      target: eventDetails.eventId,
      set: {
        title: details.title,
        startsAt: details.startsAt,
        endsAt: sql`coalesce(excluded.ends_at, ${eventDetails.endsAt})`,
        timeZone: details.timeZone,
        location: sql`coalesce(excluded.location, ${eventDetails.location})`,
        remindedAt: sql`CASE WHEN ${eventDetails.startsAt} = excluded.starts_at THEN ${eventDetails.remindedAt} END`,
        updatedAt: now,
      },
    });
}

export async function markEventCancelled(
  tx: Executor,
  details: Pick<EventDetailsRow, 'eventId' | 'title' | 'startsAt'>,
  now: Date,
): Promise<void> {
  await tx
    .insert(eventDetails)
    .values({
      ...details,
      endsAt: null,
      timeZone: 'UTC',
      location: null,
      status: 'CANCELLED',
      remindedAt: null,
      updatedAt: now,
    })
    .onConflictDoUpdate({ target: eventDetails.eventId, set: { status: 'CANCELLED', updatedAt: now } });
}

export async function findEventDetails(db: Executor, eventId: string): Promise<EventDetailsRow | undefined> {
  const [row] = await db.select().from(eventDetails).where(eq(eventDetails.eventId, eventId));
  return row;
}

/** Locks scheduled events starting within (now, until] whose reminder is not queued yet. */
export async function lockEventsDueForReminder(
  tx: Executor,
  now: Date,
  until: Date,
  limit: number,
): Promise<EventDetailsRow[]> {
  return tx
    .select()
    .from(eventDetails)
    .where(
      and(
        eq(eventDetails.status, 'SCHEDULED'),
        isNull(eventDetails.remindedAt),
        sql`${eventDetails.startsAt} > ${now}`,
        lte(eventDetails.startsAt, until),
      ),
    )
    .orderBy(asc(eventDetails.startsAt))
    .limit(limit)
    .for('update', { skipLocked: true });
}

export async function markEventReminded(tx: Executor, eventId: string, now: Date): Promise<void> {
  await tx.update(eventDetails).set({ remindedAt: now }).where(eq(eventDetails.eventId, eventId));
}

/** One order's tickets for an event; an order already ended stays ended. */
export async function upsertTicketHolder(
  tx: Executor,
  holder: { orderId: string; eventId: string; userId: string; tickets: number },
  now: Date,
): Promise<void> {
  await tx
    .insert(ticketHolders)
    .values({ ...holder, status: 'ACTIVE', updatedAt: now })
    .onConflictDoUpdate({ target: ticketHolders.orderId, set: { tickets: holder.tickets, updatedAt: now } });
}

/** The order no longer holds tickets; recorded even before its confirmation is seen, so a late order-confirmed cannot revive it. */
export async function endTicketHolding(
  tx: Executor,
  holder: { orderId: string; eventId: string; userId: string },
  now: Date,
): Promise<void> {
  await tx
    .insert(ticketHolders)
    .values({ ...holder, tickets: 0, status: 'CANCELLED', updatedAt: now })
    .onConflictDoUpdate({ target: ticketHolders.orderId, set: { status: 'CANCELLED', updatedAt: now } });
}

export async function findTicketHolding(db: Executor, orderId: string) {
  const [row] = await db.select().from(ticketHolders).where(eq(ticketHolders.orderId, orderId));
  return row;
}

export async function findTicketHolderIds(db: Executor, eventId: string): Promise<string[]> {
  const rows = await db
    .selectDistinct({ userId: ticketHolders.userId })
    .from(ticketHolders)
    .where(and(eq(ticketHolders.eventId, eventId), eq(ticketHolders.status, 'ACTIVE')))
    .orderBy(ticketHolders.userId);
  return rows.map((row) => row.userId);
}

// ---- preferences and push subscriptions

export async function findPreferences(db: Executor, userIds: string[], type?: string) {
  if (userIds.length === 0) return [];
  return db
    .select()
    .from(preferences)
    .where(and(inArray(preferences.userId, userIds), type ? eq(preferences.type, type) : undefined));
}

export async function savePreferences(
  tx: Executor,
  rows: { userId: string; type: string; channel: string; enabled: boolean }[],
  now: Date,
): Promise<void> {
  if (rows.length === 0) return;
  await tx
    .insert(preferences)
    .values(rows.map((row) => ({ ...row, updatedAt: now })))
    .onConflictDoUpdate({
      target: [preferences.userId, preferences.type, preferences.channel],
      set: { enabled: sql`excluded.enabled`, updatedAt: now },
    });
}

/** Serialises preference changes of one user, so two concurrent edits cannot together turn off every channel. */
export async function lockPreferencesOfUser(tx: Executor, userId: string): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`notifications:preferences:${userId}`}))`);
}

/** Inserts the subscription or renews its keys; undefined when the endpoint belongs to another user. */
export async function upsertPushSubscriptionOfUser(
  db: Executor,
  subscription: PushSubscriptionRow,
): Promise<PushSubscriptionRow | undefined> {
  const [row] = await db
    .insert(pushSubscriptions)
    .values(subscription)
    .onConflictDoUpdate({
      target: pushSubscriptions.endpoint,
      set: { p256dh: subscription.p256dh, auth: subscription.auth },
      setWhere: eq(pushSubscriptions.userId, subscription.userId),
    })
    .returning();
  return row;
}

export async function deletePushSubscription(db: Executor, id: string, userId: string): Promise<boolean> {
  const rows = await db
    .delete(pushSubscriptions)
    .where(and(eq(pushSubscriptions.id, id), eq(pushSubscriptions.userId, userId)))
    .returning({ id: pushSubscriptions.id });
  return rows.length > 0;
}

export async function deletePushSubscriptionByEndpoint(db: Executor, endpoint: string): Promise<void> {
  await db.delete(pushSubscriptions).where(eq(pushSubscriptions.endpoint, endpoint));
}

export async function findPushSubscriptions(db: Executor, userId: string): Promise<PushSubscriptionRow[]> {
  return db.select().from(pushSubscriptions).where(eq(pushSubscriptions.userId, userId));
}

export type ChannelFacts = {
  userId: string;
  /** The user's switches for the type, by channel (none: the defaults). */
  switches: Record<string, boolean>;
  pushSubscribed: boolean;
  phoneKnown: boolean;
  /** The user service confirmed the contact without a phone number. */
  noPhone: boolean;
};

/** What choosing a message's channels needs of each user, in one read instead of three. */
export async function findChannelFacts(
  db: Executor,
  userIds: string[],
  type: string,
): Promise<ChannelFacts[]> {
  if (userIds.length === 0) return [];
  const result = await db.execute<ChannelFacts>(sql`
    SELECT u.user_id AS "userId",
           (SELECT coalesce(json_object_agg(p.channel, p.enabled), '{}'::json)
              FROM notifications.preferences p WHERE p.user_id = u.user_id AND p.type = ${type}) AS switches,
           EXISTS (SELECT 1 FROM notifications.push_subscriptions s WHERE s.user_id = u.user_id) AS "pushSubscribed",
           coalesce(c.phone_number IS NOT NULL, false) AS "phoneKnown",
           coalesce(c.phone_number IS NULL AND c.fetched_at IS NOT NULL, false) AS "noPhone"
    FROM unnest(${`{${userIds.join(',')}}`}::uuid[]) AS u(user_id)
    LEFT JOIN notifications.contacts c ON c.user_id = u.user_id`);
  return result.rows;
}

// ---- templates

/**
 * Writes the code's default templates: missing ones are added, and ones still at their default
 * follow a changed default (their version goes up); an admin's edit is never touched.
 */
export async function writeDefaultTemplates(
  db: Executor,
  rows: Pick<TemplateRow, 'type' | 'channel' | 'locale' | 'subject' | 'bodyText' | 'bodyHtml'>[],
  now: Date,
): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insert(templates)
    .values(
      rows.map((row) => ({
        ...row,
        version: 1,
        origin: 'default' as const,
        updatedBy: null,
        updatedAt: now,
      })),
    )
    .onConflictDoUpdate({
      target: [templates.type, templates.channel, templates.locale],
      set: {
        subject: sql`excluded.subject`,
        bodyText: sql`excluded.body_text`,
        bodyHtml: sql`excluded.body_html`,
        version: sql`${templates.version} + 1`,
        updatedAt: now,
      },
      setWhere: sql`${templates.origin} = 'default' AND (${templates.subject}, ${templates.bodyText}, ${templates.bodyHtml})
        IS DISTINCT FROM (excluded.subject, excluded.body_text, excluded.body_html)`,
    });
}

export async function findTemplate(
  db: Executor,
  key: { type: string; channel: string; locale: string },
): Promise<TemplateRow | undefined> {
  const [row] = await db
    .select()
    .from(templates)
    .where(
      and(eq(templates.type, key.type), eq(templates.channel, key.channel), eq(templates.locale, key.locale)),
    );
  return row;
}

export async function listTemplates(
  db: Executor,
  filter: { type?: string; channel?: string; locale?: string },
): Promise<TemplateRow[]> {
  return db
    .select()
    .from(templates)
    .where(
      and(
        filter.type ? eq(templates.type, filter.type) : undefined,
        filter.channel ? eq(templates.channel, filter.channel) : undefined,
        filter.locale ? eq(templates.locale, filter.locale) : undefined,
      ),
    )
    .orderBy(templates.type, templates.channel, templates.locale);
}

export async function updateTemplate(
  db: Executor,
  key: { type: string; channel: string; locale: string },
  content: Pick<TemplateRow, 'subject' | 'bodyText' | 'bodyHtml'>,
  updatedBy: string,
  now: Date,
): Promise<TemplateRow | undefined> {
  const [row] = await db
    .update(templates)
    .set({ ...content, origin: 'admin', updatedBy, updatedAt: now, version: sql`${templates.version} + 1` })
    .where(
      and(eq(templates.type, key.type), eq(templates.channel, key.channel), eq(templates.locale, key.locale)),
    )
    .returning();
  return row;
}

// ---- notifications

/** Inserts in chunks; a row whose dedupe key exists already is skipped. Returns how many were new. */
export async function insertNotifications(tx: Executor, rows: NewNotification[]): Promise<number> {
  let inserted = 0;
  for (let start = 0; start < rows.length; start += 500) {
    const result = await tx
      .insert(notifications)
      .values(rows.slice(start, start + 500))
      .onConflictDoNothing({ target: notifications.dedupeKey })
      .returning({ id: notifications.id });
    inserted += result.length;
  }
  return inserted;
}

/**
 * Claims due notifications for sending: PENDING ones whose time has come, and SENDING ones
 * whose sender's lease ran out (it crashed). SKIP LOCKED lets several workers claim side by
 * side; the claim counts as an attempt. Single messages (priority 0) go before bulk ones.
 */
export async function claimDueNotifications(
  tx: Executor,
  now: Date,
  leaseUntil: Date,
  limit: number,
): Promise<NotificationRow[]> {
  const due = tx
    .select({ id: notifications.id })
    .from(notifications)
    .where(
      or(
        and(eq(notifications.status, 'PENDING'), lte(notifications.nextAttemptAt, now)),
        and(eq(notifications.status, 'SENDING'), lte(notifications.leaseUntil, now)),
      ),
    )
    .orderBy(asc(notifications.priority), asc(notifications.nextAttemptAt), asc(notifications.id))
    .limit(limit)
    .for('update', { skipLocked: true });
  return tx
    .update(notifications)
    .set({ status: 'SENDING', leaseUntil, attempts: sql`${notifications.attempts} + 1`, updatedAt: now })
    .where(inArray(notifications.id, due))
    .returning();
}

export async function saveRendering(
  db: Executor,
  id: string,
  rendering: Pick<NotificationRow, 'recipient' | 'locale' | 'subject' | 'bodyText' | 'bodyHtml'> &
    Partial<Pick<NotificationRow, 'data'>>,
): Promise<void> {
  await db.update(notifications).set(rendering).where(eq(notifications.id, id));
}

export async function saveFacts(db: Executor, id: string, data: Record<string, unknown>): Promise<void> {
  await db.update(notifications).set({ data }).where(eq(notifications.id, id));
}

export async function markSent(db: Executor, id: string, providerMessageId: string | null, now: Date) {
  await db
    .update(notifications)
    .set({
      status: 'SENT',
      providerMessageId,
      sentAt: now,
      leaseUntil: null,
      lastError: null,
      updatedAt: now,
    })
    .where(eq(notifications.id, id));
}

/** A failed try: back to PENDING at retryAt, or FAILED when retryAt is null. */
export async function markAttemptFailed(
  db: Executor,
  id: string,
  error: string,
  retryAt: Date | null,
  now: Date,
): Promise<void> {
  await db
    .update(notifications)
    .set({
      status: retryAt ? 'PENDING' : 'FAILED',
      lastError: error,
      nextAttemptAt: retryAt ?? now,
      leaseUntil: null,
      updatedAt: now,
    })
    .where(eq(notifications.id, id));
}

export async function markSkipped(db: Executor, id: string, reason: string, now: Date): Promise<void> {
  await db
    .update(notifications)
    .set({ status: 'SKIPPED', lastError: reason, leaseUntil: null, updatedAt: now })
    .where(eq(notifications.id, id));
}

export async function findNotification(db: Executor, id: string): Promise<NotificationRow | undefined> {
  const [row] = await db.select().from(notifications).where(eq(notifications.id, id));
  return row;
}

export async function findNotifications(db: Executor, ids: string[]): Promise<NotificationRow[]> {
  if (ids.length === 0) return [];
  return db.select().from(notifications).where(inArray(notifications.id, ids));
}

/** Newest first, keyset-paginated on the (time-ordered UUIDv7) id. */
export async function searchNotifications(
  db: Executor,
  filter: {
    userId?: string;
    type?: string;
    channel?: string;
    status?: string;
    recipient?: string;
    before?: string;
    limit: number;
  },
): Promise<NotificationRow[]> {
  const conditions = [
    filter.userId ? eq(notifications.userId, filter.userId) : undefined,
    filter.type ? eq(notifications.type, filter.type) : undefined,
    filter.channel ? eq(notifications.channel, filter.channel) : undefined,
    filter.status ? eq(notifications.status, filter.status as NotificationRow['status']) : undefined,
    filter.recipient
      ? ilike(notifications.recipient, `%${filter.recipient.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
      : undefined,
    filter.before ? lt(notifications.id, filter.before) : undefined,
  ];
  return db
    .select()
    .from(notifications)
    .where(and(...conditions))
    .orderBy(desc(notifications.id))
    .limit(filter.limit);
}

/**
 * Queues an email copy of a transactional message that could not go out on its channel, unless
 * the same message already goes by email. Returns whether a copy was queued.
 */
export async function insertEmailFallback(db: Executor, original: NotificationRow, copy: NewNotification) {
  const rows = await db.execute(sql`
    INSERT INTO notifications.notifications
      (id, user_id, type, channel, status, priority, data, dedupe_key, source_event_id, attempts, max_attempts,
       next_attempt_at, created_at, updated_at)
    SELECT ${copy.id}, ${original.userId}, ${original.type}, 'email', 'PENDING', ${original.priority},
           ${JSON.stringify(original.data)}::jsonb, ${`fallback:${original.id}`}, ${original.sourceEventId}, 0,
           ${copy.maxAttempts}, ${copy.nextAttemptAt}, ${copy.createdAt}, ${copy.updatedAt}
    WHERE NOT EXISTS (
      SELECT 1 FROM notifications.notifications
      WHERE user_id = ${original.userId} AND type = ${original.type} AND channel = 'email'
        AND created_at = ${original.createdAt}
        AND source_event_id IS NOT DISTINCT FROM ${original.sourceEventId}::uuid)
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING id`);
  return rows.rows.length > 0;
}
