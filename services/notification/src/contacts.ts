// Contacts: the email, phone number, locale and name of each user, kept locally so a message
// needs no call to the user service. user-registered fills them in (without a phone number: the
// event carries none); the user service (GET /api/v1/users/{id}) completes a contact that lacks
// a field a message needs, and refreshes one older than the TTL, since profile edits are not
// announced as events.
import type { UserRegisteredPayload, UserView } from '@ticketing/contracts';
import type { Clock, Database, Executor, Logger, ServiceClient } from '@ticketing/platform';
import * as repository from './repository.js';
import type { ContactRow } from './tables.js';

export interface ContactDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
  userService: () => ServiceClient;
  contactTtlHours: number;
}

/** The user service could not be asked and nothing usable is known locally: try again later. */
export class ContactUnavailableError extends Error {}

export async function recordRegisteredContact(tx: Executor, payload: UserRegisteredPayload, now: Date) {
  await repository.upsertRegisteredContact(
    tx,
    {
      userId: payload.userId,
      email: payload.email,
      locale: payload.locale,
      firstName: payload.firstName,
      lastName: payload.lastName,
    },
    now,
  );
}

function isStale(contact: ContactRow, now: Date, ttlHours: number): boolean {
  const confirmedAt = contact.fetchedAt ?? contact.updatedAt;
  return now.getTime() - confirmedAt.getTime() >= ttlHours * 3_600_000;
}

async function fetchFromUserService(deps: ContactDeps, userId: string): Promise<ContactRow | null> {
  const response = await deps
    .userService()
    .call<UserView>({ method: 'GET', path: `/api/v1/users/${userId}` });
  if (response.status === 404) return null;
  if (response.status !== 200) throw new Error(`the user service answered ${response.status}`);
  const user = response.body;
  const now = deps.clock.now();
  return repository.saveFetchedContact(
    deps.db.orm,
    {
      userId: user.id,
      email: user.email,
      phoneNumber: user.phoneNumber,
      locale: user.locale,
      firstName: user.firstName,
      lastName: user.lastName,
      fetchedAt: now,
    },
    now,
  );
}

/**
 * The contact to send to: the local copy while it is fresh and has what the message needs,
 * otherwise the user service's. Null when the user does not exist (any more).
 */
export async function resolveContact(
  deps: ContactDeps,
  userId: string,
  needs: { phoneNumber: boolean },
): Promise<ContactRow | null> {
  const local = await repository.findContact(deps.db.orm, userId);
  const now = deps.clock.now();
  const complete = local && (!needs.phoneNumber || local.phoneNumber !== null || local.fetchedAt !== null);
  if (local && complete && !isStale(local, now, deps.contactTtlHours)) return local;
  try {
    return await fetchFromUserService(deps, userId);
  } catch (error) {
    if (local && complete) {
      deps.logger.warn(
        { err: error, userId },
        'could not refresh a contact from the user service; using the local copy',
      );
      return local;
    }
    throw new ContactUnavailableError(
      `the user service could not be asked for the contact: ${(error as Error).message}`,
    );
  }
}

/** Makes sure the local contact knows the phone number; a failure only means it is looked up at send time. */
export async function refreshContact(deps: ContactDeps, userId: string): Promise<void> {
  try {
    await resolveContact(deps, userId, { phoneNumber: true });
  } catch (error) {
    deps.logger.warn({ err: error, userId }, 'could not read a contact from the user service');
  }
}
