// The rules an event's own fields obey whatever its seat map: a schedule that ends after it
// starts, a sales window inside the event, an ISO 4217 currency, an IANA time zone, and a
// declared capacity that matches its seats and ticket types. Pure functions; they throw
// the domain error naming the field.
import {
  CapacityMismatchError,
  EmptySalesWindowError,
  EndsBeforeStartError,
  SalesWindowError,
  UnknownCurrencyError,
  UnknownTimeZoneError,
} from './errors.js';

/** ISO 4217 codes in use, as the runtime's ICU data knows them (historic ones like DEM are not). */
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export function checkCurrency(currency: string): void {
  if (!CURRENCIES.has(currency)) throw new UnknownCurrencyError(currency);
}

export function checkTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new UnknownTimeZoneError(timeZone);
  }
}

export interface Schedule {
  startsAt: Date;
  endsAt: Date;
  salesStartAt: Date | null;
  salesEndAt: Date | null;
}

/**
 * The event ends after it starts. Tickets go on sale before the event starts and stop selling
 * by its end at the latest (late sales during a festival are fine); an unset start means
 * "from publication", an unset end "until the event ends".
 */
export function checkSchedule(schedule: Schedule): void {
  const { startsAt, endsAt, salesStartAt, salesEndAt } = schedule;
  if (endsAt.getTime() <= startsAt.getTime()) throw new EndsBeforeStartError();
  if (salesStartAt && salesStartAt.getTime() >= startsAt.getTime())
    throw new SalesWindowError('salesStartAt', 'must be before the event starts (startsAt)');
  if (salesEndAt && salesEndAt.getTime() > endsAt.getTime())
    throw new SalesWindowError('salesEndAt', 'must not be after the event ends (endsAt)');
  if (salesStartAt && salesEndAt && salesEndAt.getTime() <= salesStartAt.getTime())
    throw new EmptySalesWindowError();
}

/** A capacity the organizer states must be what the seat map and the ticket types add up to. */
export function checkCapacity(declared: number | undefined, seats: number, generalAdmission: number): number {
  const derived = seats + generalAdmission;
  if (declared !== undefined && declared !== derived)
    throw new CapacityMismatchError(declared, seats, generalAdmission);
  return derived;
}

export interface Timeline {
  lifecycle: string;
  endsAt: string | Date;
  salesStartAt: string | Date | null;
  salesEndAt: string | Date | null;
}

const time = (value: string | Date) => new Date(value).getTime();

/**
 * The brief's status, derived (docs/adr/0006): CANCELLED once cancelled; ACTIVE while a
 * published event has not ended; INACTIVE for drafts and for published events that are over.
 */
export function statusOf(event: Timeline, now: Date): 'ACTIVE' | 'INACTIVE' | 'CANCELLED' {
  if (event.lifecycle === 'CANCELLED') return 'CANCELLED';
  if (event.lifecycle === 'PUBLISHED' && time(event.endsAt) > now.getTime()) return 'ACTIVE';
  return 'INACTIVE';
}

/** Whether tickets can be bought now: published, and inside the sales window (unset ends mean open). */
export function salesOpen(event: Timeline, now: Date): boolean {
  if (event.lifecycle !== 'PUBLISHED') return false;
  if (event.salesStartAt && time(event.salesStartAt) > now.getTime()) return false;
  return now.getTime() < time(event.salesEndAt ?? event.endsAt);
}
