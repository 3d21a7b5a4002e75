// A buyer's place in an event's waiting room and, once admitted, the admission token the hold
// and order routes ask for (the Queue-Token header). Kept in sessionStorage per user and event:
// a reload finds the same place, another account on the same browser does not get it, and it
// goes with the tab.

export interface StoredPlace {
  placeId: string;
  admissionToken?: string;
  /** When the admission (and its token) ends, ISO 8601. */
  admissionExpiresAt?: string;
}

const keyOf = (userId: string, eventId: string) => `ticketing.queue.${userId}.${eventId}`;

const storage = (): Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null => {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null;
  }
};

export function storedPlace(userId: string, eventId: string): StoredPlace | undefined {
  try {
    const text = storage()?.getItem(keyOf(userId, eventId));
    return text ? (JSON.parse(text) as StoredPlace) : undefined;
  } catch {
    return undefined;
  }
}

export function storePlace(userId: string, eventId: string, place: StoredPlace): void {
  try {
    storage()?.setItem(keyOf(userId, eventId), JSON.stringify(place));
  } catch {
    // No storage (private mode): the place lives as long as the page.
  }
}

export function forgetPlace(userId: string, eventId: string): void {
  try {
    storage()?.removeItem(keyOf(userId, eventId));
  } catch {
    // Nothing stored.
  }
}

/** The admission token of this user for this event, while it lasts. */
export function admissionToken(userId: string, eventId: string, now = Date.now()): string | undefined {
  const place = storedPlace(userId, eventId);
  if (!place?.admissionToken) return undefined;
  if (place.admissionExpiresAt && Date.parse(place.admissionExpiresAt) <= now) return undefined;
  return place.admissionToken;
}

/** A refusal of the hold or order routes that means "go back to the waiting room". */
export function isQueueRefusal(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { status, code } = error as { status?: unknown; code?: unknown };
  return status === 403 && typeof code === 'string' && code.startsWith('queue_');
}
