// The event service's domain errors, each with a stable code and, for bad input, the field.
import {
  AppError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ServiceUnavailableError,
  UnauthorizedError,
  ValidationError,
} from '@ticketing/platform';

export class EventNotFoundError extends NotFoundError {
  constructor() {
    super('The event', 'event_not_found');
  }
}

export class NotEventOwnerError extends ForbiddenError {
  constructor() {
    super('Only the organizer of this event or an admin may do this', 'not_event_owner');
  }
}

/** Listing drafts, cancelled or past events is for their organizers and admins. */
export class RestrictedListingError extends AppError {
  constructor(status: string, signedIn: boolean) {
    const message = `Listing ${status} events is for organizers (their own events) and admins`;
    if (signedIn) super(403, 'restricted_listing', message, { field: 'status' });
    else super(401, 'unauthorized', message, { field: 'status' });
  }
}

export class MineNeedsSignInError extends UnauthorizedError {
  constructor() {
    super('mine=true lists your own events: sign in first');
  }
}

export class EventCancelledError extends ConflictError {
  constructor() {
    super('The event is cancelled and can no longer be changed', 'event_cancelled');
  }
}

export class EndsBeforeStartError extends ValidationError {
  constructor() {
    super('endsAt', 'endsAt must be after startsAt', 'ends_before_start');
  }
}

export class SalesWindowError extends ValidationError {
  constructor(field: 'salesStartAt' | 'salesEndAt', reason: string) {
    super(field, `${field} ${reason}`, 'sales_window_outside_event');
  }
}

export class EmptySalesWindowError extends ValidationError {
  constructor() {
    super('salesEndAt', 'salesEndAt must be after salesStartAt', 'sales_window_empty');
  }
}

export class UnknownCurrencyError extends ValidationError {
  constructor(currency: string) {
    super('currency', `currency ${currency} is not an ISO 4217 currency in use`, 'unknown_currency');
  }
}

export class UnknownTimeZoneError extends ValidationError {
  constructor(timeZone: string) {
    super(
      'timeZone',
      `timeZone ${timeZone} is not an IANA time zone (like Europe/Berlin)`,
      'unknown_time_zone',
    );
  }
}

export class CapacityMismatchError extends ValidationError {
  constructor(declared: number, seats: number, generalAdmission: number) {
    super(
      'capacity',
      `capacity ${declared} does not match the seat map (${seats} seats) and ticket types (${generalAdmission} tickets): ${seats + generalAdmission}`,
      'capacity_mismatch',
    );
  }
}

export class PriceRequiredError extends ValidationError {
  constructor(field: string) {
    super(field, `${field} is required when the event has no basePrice`, 'price_required');
  }
}

export class DuplicateTicketTypeError extends ValidationError {
  constructor(field: string, name: string) {
    super(field, `${field} "${name}" is used by another ticket type`, 'duplicate_ticket_type');
  }
}

export class UnknownTicketTypeError extends ValidationError {
  constructor(field: string) {
    super(field, `${field} is not a ticket type of this event`, 'unknown_ticket_type');
  }
}

export class SeatMapError extends ValidationError {
  constructor(field: string, message: string, code = 'invalid_seat_map') {
    super(field, message, code);
  }
}

export class CapacityBelowSoldError extends ConflictError {
  constructor(field: string, detail: string, sold: number) {
    super(`${field}: ${detail}`, 'capacity_below_sold', { field, sold });
  }
}

export class SeatSoldError extends ConflictError {
  constructor(label: string, count: number) {
    super(
      `venue.sections would change or remove sold seats (${label}${count > 1 ? ` and ${count - 1} more` : ''})`,
      'seat_sold',
      { field: 'venue.sections' },
    );
  }
}

/** After publishing, the ticket service owns the inventory; it has no way yet to change it. */
export class WaitingRoomLockedError extends ConflictError {
  constructor(salesStartAt: Date | null) {
    super(
      salesStartAt
        ? `waitingRoom cannot change once the on-sale has begun (${salesStartAt.toISOString()})`
        : 'waitingRoom cannot change once the event is on sale (it has no later sales start)',
      'waiting_room_locked',
      { field: 'waitingRoom' },
    );
  }
}

export class InventoryLockedError extends ConflictError {
  constructor(field: string) {
    super(
      `${field} cannot change once the event is published: its tickets are on sale in the ticket service`,
      'inventory_locked',
      { field },
    );
  }
}

export class NotPublishableError extends ConflictError {
  constructor(reason: string, field?: string) {
    super(`The event cannot be published: ${reason}`, 'not_publishable', field ? { field } : {});
  }
}

export class NotADraftError extends ConflictError {
  constructor() {
    super('Only a draft that was never published can be deleted; cancel a published event', 'not_a_draft');
  }
}

export class EventEndedError extends ConflictError {
  constructor() {
    super('The event is over and can no longer be cancelled', 'event_ended');
  }
}

export class TicketServiceUnavailableError extends ServiceUnavailableError {
  constructor(detail: string) {
    super(
      `The ticket service could not create the event's inventory; the event stays a draft: ${detail}`,
      'ticket_service_unavailable',
    );
  }
}

export class InventoryConflictError extends ConflictError {
  constructor(detail: string) {
    super(
      `The ticket service already holds a different inventory for this event: ${detail}`,
      'inventory_conflict',
    );
  }
}

export class InvalidCursorError extends ValidationError {
  constructor() {
    super(
      'cursor',
      'cursor is not a cursor this listing handed out (sort and filters must stay the same)',
      'invalid_cursor',
    );
  }
}

export class InvalidFilterError extends ValidationError {
  constructor(field: string, message: string) {
    super(field, message, 'invalid_filter');
  }
}

/** The ticket service refused the inventory for a reason that is a bug on one side: logged as such. */
export class TicketServiceRejectedError extends AppError {
  constructor(status: number, detail: string) {
    super(502, 'ticket_service_error', `The ticket service answered ${status}: ${detail}`, {}, false);
  }
}
