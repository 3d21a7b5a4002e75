// Push subscriptions: the browsers that accepted Web Push for a user (what PushManager.subscribe
// returned, sent by the web app), and the VAPID public key the web app subscribes with.
import { type Clock, type Database, newId, ValidationError } from '@ticketing/platform';
import { PushSubscriptionNotFoundError, PushSubscriptionTakenError } from './errors.js';
import { pushEndpointProblem } from './push-endpoints.js';
import * as repository from './repository.js';
import type { PushSubscriptionBody } from './schema.js';

export interface PushSubscriptionDeps {
  db: Database;
  clock: Clock;
  pushServiceHosts: readonly string[];
}

export async function subscribeBrowser(
  deps: PushSubscriptionDeps,
  userId: string,
  body: PushSubscriptionBody,
) {
  const problem = pushEndpointProblem(body.endpoint, deps.pushServiceHosts);
  if (problem) throw new ValidationError('endpoint', `endpoint ${problem}`);
  // One endpoint is one browser's subscription, and it belongs to the account that made it:
  // subscribing it again renews its keys, but another account gets 409 instead of silently
  // taking over someone's pushes. A browser passed to another account unsubscribes first (the
  // web app does at logout) and so gets a fresh endpoint from its push service.
  const row = await repository.upsertPushSubscriptionOfUser(deps.db.orm, {
    id: newId(),
    userId,
    endpoint: body.endpoint,
    p256dh: body.keys.p256dh,
    auth: body.keys.auth,
    createdAt: deps.clock.now(),
  });
  if (!row) throw new PushSubscriptionTakenError();
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
