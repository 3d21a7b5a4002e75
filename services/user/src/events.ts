// What the user service publishes (through its outbox) and consumes.
import { Topics } from '@ticketing/contracts';

/** Published in the same transaction as the account it announces. */
export const PUBLISHES = [Topics.userRegistered] as const;

/** The user service reacts to no other service's events. */
export const CONSUMES = [] as const;
