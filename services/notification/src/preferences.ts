// Preferences: each user turns each channel on or off per notification type. Unset means the
// default (email and push on, SMS off). Transactional types (tickets, refunds, cancellations)
// keep at least one channel: a change turning off all three is refused, and when none of the
// chosen channels can reach the user (no phone number, no subscribed browser) email is used.
import type { Clock, Database, Executor } from '@ticketing/platform';
import { TransactionalChannelRequiredError } from './errors.js';
import {
  CHANNELS,
  type Channel,
  isTransactional,
  NOTIFICATION_TYPE_DEFINITIONS,
  NOTIFICATION_TYPES,
  type NotificationType,
} from './notification-types.js';
import * as repository from './repository.js';
import type { ChannelChanges, PreferencesView, UpdatePreferencesBody } from './schema.js';

export interface PreferenceDeps {
  db: Database;
  clock: Clock;
  /** Reads the user's phone number from the user service when SMS is turned on. */
  refreshContact(userId: string): Promise<void>;
}

export const DEFAULT_CHANNELS: Readonly<Record<Channel, boolean>> = { email: true, sms: false, push: true };

type Switches = Record<Channel, boolean>;

async function loadSwitches(db: Executor, userId: string): Promise<Map<NotificationType, Switches>> {
  const rows = await repository.findPreferences(db, [userId]);
  const switches = new Map<NotificationType, Switches>();
  for (const type of NOTIFICATION_TYPES) switches.set(type, { ...DEFAULT_CHANNELS });
  for (const row of rows) {
    const current = switches.get(row.type as NotificationType);
    if (current) current[row.channel as Channel] = row.enabled;
  }
  return switches;
}

function toView(switches: Map<NotificationType, Switches>): PreferencesView {
  return {
    items: NOTIFICATION_TYPES.map((type) => ({
      type,
      transactional: NOTIFICATION_TYPE_DEFINITIONS[type].transactional,
      channels: switches.get(type)!,
    })),
  };
}

export async function getPreferences(deps: PreferenceDeps, userId: string): Promise<PreferencesView> {
  return toView(await loadSwitches(deps.db.orm, userId));
}

export async function updatePreferences(
  deps: PreferenceDeps,
  userId: string,
  body: UpdatePreferencesBody,
): Promise<PreferencesView> {
  const view = await deps.db.transaction(async (tx) => {
    await repository.lockPreferencesOfUser(tx, userId);
    const switches = await loadSwitches(tx, userId);
    const changes: { userId: string; type: string; channel: string; enabled: boolean }[] = [];
    for (const [type, channels] of Object.entries(body.preferences) as [NotificationType, ChannelChanges][]) {
      const next = { ...switches.get(type)!, ...channels };
      if (isTransactional(type) && !CHANNELS.some((channel) => next[channel])) {
        throw new TransactionalChannelRequiredError(type);
      }
      switches.set(type, next);
      for (const [channel, enabled] of Object.entries(channels)) {
        if (enabled !== undefined) changes.push({ userId, type, channel, enabled });
      }
    }
    await repository.savePreferences(tx, changes, deps.clock.now());
    return toView(switches);
  });
  // So the next messages know whether SMS can reach the user (user-registered carries no phone number).
  if (Object.values(body.preferences).some((channels) => channels?.sms === true))
    await deps.refreshContact(userId);
  return view;
}

/**
 * The channels each user gets a message of this type on. A channel needs the user's consent
 * and a way to reach them: push a subscribed browser; SMS a phone number, which the delivery
 * worker looks up (and skips the message without one). For transactional types at least one
 * channel that is known to reach the user is kept, falling back to email.
 */
export async function chooseChannels(
  tx: Executor,
  type: NotificationType,
  userIds: string[],
): Promise<Map<string, Channel[]>> {
  const facts = new Map(
    (await repository.findChannelFacts(tx, userIds, type)).map((user) => [user.userId, user]),
  );
  const transactional = isTransactional(type);
  const chosen = new Map<string, Channel[]>();
  for (const userId of userIds) {
    const user = facts.get(userId);
    const wants: Switches = { ...DEFAULT_CHANNELS, ...(user?.switches as Partial<Switches> | undefined) };
    const subscribed = user?.pushSubscribed ?? false;
    // What is known of the phone counts for transactional types (the delivery worker looks the
    // number up for the others): a contact confirmed without one cannot get SMS.
    const noPhone = transactional && (user?.noPhone ?? false);
    const phoneKnown = transactional && (user?.phoneKnown ?? false);
    const channels: Channel[] = [];
    if (wants.email) channels.push('email');
    if (wants.sms && !noPhone) channels.push('sms');
    if (wants.push && subscribed) channels.push('push');
    if (transactional && !wants.email) {
      const reachable = (wants.push && subscribed) || (wants.sms && phoneKnown);
      if (!reachable) channels.unshift('email');
    }
    chosen.set(userId, channels);
  }
  return chosen;
}
