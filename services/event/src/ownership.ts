// Who may see and manage an event: everyone sees what was published; drafts only their
// organizer and admins; only the organizer and admins change an event.
import type { Identity } from '@ticketing/platform';
import { EventNotFoundError, NotEventOwnerError } from './errors.js';

export interface Owned {
  organizerId: string;
  /** Set once the event was published; a cancelled event stays visible if it had been. */
  publishedAt: string | Date | null;
}

export const isAdmin = (actor: Identity | undefined): boolean => actor?.roles.includes('ADMIN') ?? false;

export function canManage(actor: Identity | undefined, event: Owned): boolean {
  return isAdmin(actor) || (actor !== undefined && actor.userId === event.organizerId);
}

export function canView(actor: Identity | undefined, event: Owned): boolean {
  return event.publishedAt !== null || canManage(actor, event);
}

/** A draft someone may not see does not exist for them (404); a published one they may not change is 403. */
export function assertCanManage(actor: Identity | undefined, event: Owned): void {
  if (!canView(actor, event)) throw new EventNotFoundError();
  if (!canManage(actor, event)) throw new NotEventOwnerError();
}
