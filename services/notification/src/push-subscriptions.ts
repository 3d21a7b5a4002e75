// Push subscriptions: the browsers that accepted Web Push for a user (what PushManager.subscribe
// returned, sent by the web app), and the VAPID public key the web app subscribes with.
import { type Clock, type Database, newId } from '@ticketing/platform';
import { PushSubscriptionNotFoundError } from './errors.js';
import * as repository from './repository.js';
import type { PushSubscriptionBody } from './schema.js';

export interface PushSubscriptionDeps {
  db: Database;
  clock: Clock;
}

export async function subscribeBrowser(
  deps: PushSubscriptionDeps,
  userId: string,
  body: PushSubscriptionBody,
) {
  // One endpoint is one browser: subscribing it again (or as another user) replaces the old entry.
  const row = await repository.upsertPushSubscription(deps.db.orm, {
    id: newId(),
    userId,
    endpoint: body.endpoint,
    p256dh: body.keys.p256dh,
    auth: body.keys.auth,
    createdAt: deps.clock.now(),
  });
  return { id: row.id, endpoint: row.endpoint, createdAt: row.createdAt.toISOString() };
}

export async function unsubscribeBrowser(
  deps: PushSubscriptionDeps,
  userId: string,
  id: string,
): Promise<void> {
  if (!(await repository.deletePushSubscription(deps.db.orm, id, userId)))
    throw new PushSubscriptionNotFoundError();
}
