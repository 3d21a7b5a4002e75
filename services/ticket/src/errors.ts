// The ticket service's domain errors, each with a stable code. Conflicts say what is left.
import { AppError, ConflictError, NotFoundError, ValidationError } from '@ticketing/platform';

export class InventoryConflictError extends ConflictError {
  constructor() {
    super('This event already has an inventory created from a different body', 'inventory_conflict');
  }
}

export class InvalidInventoryError extends ValidationError {
  constructor(field: string, message: string) {
    super(field, message, 'invalid_inventory');
  }
}

export class EventNotOnSaleError extends NotFoundError {
  constructor() {
    super('The event has no tickets: it', 'event_not_found');
  }
}

export class EventCancelledError extends ConflictError {
  constructor() {
    super('The event was cancelled; its tickets are withdrawn', 'event_cancelled', { field: 'eventId' });
  }
}

export class SalesNotOpenError extends ConflictError {
  constructor(salesStartAt: Date) {
    super(`Sales open at ${salesStartAt.toISOString()}`, 'sales_not_open', {
      field: 'eventId',
      salesStartAt: salesStartAt.toISOString(),
    });
  }
}

export class SalesClosedError extends ConflictError {
  constructor(salesEndAt: Date) {
    super(`Sales closed at ${salesEndAt.toISOString()}`, 'sales_closed', {
      field: 'eventId',
      salesEndAt: salesEndAt.toISOString(),
    });
  }
}

export class InvalidHoldRequestError extends ValidationError {
  constructor(field: string, message: string) {
    super(field, message, 'invalid_hold_request');
  }
}

export interface UnknownSeat {
  seatId: string;
  reason: 'not_found' | 'other_event';
}

export class UnknownSeatsError extends AppError {
  constructor(readonly seats: UnknownSeat[]) {
    const other = seats.filter((seat) => seat.reason === 'other_event').length;
    super(
      400,
      'unknown_seats',
      `${seats.length} of the seats ${other > 0 ? 'are not seats of this event' : 'do not exist'}: ${seats
        .map((seat) => seat.seatId)
        .join(', ')}`,
      { field: 'seatIds', seats },
    );
  }
}

export interface UnavailableSeat {
  seatId: string;
  label: string;
  status: 'LOCKED' | 'SOLD' | 'CANCELLED';
}

export class SeatsUnavailableError extends ConflictError {
  constructor(unavailable: UnavailableSeat[], available: number) {
    super(
      `${unavailable.length === 1 ? 'A seat is' : `${unavailable.length} seats are`} no longer available (${unavailable
        .map((seat) => `${seat.label}: ${seat.status === 'LOCKED' ? 'held' : seat.status.toLowerCase()}`)
        .join('; ')}); nothing was held. ${available} seats are still available`,
      'seats_unavailable',
      { field: 'seatIds', unavailable, available },
    );
  }
}

export class UnknownTicketTypeError extends ValidationError {
  constructor(index: number, ticketTypeId: string) {
    super(
      `items.${index}.ticketTypeId`,
      `items.${index}.ticketTypeId ${ticketTypeId} is not a ticket type of this event`,
      'unknown_ticket_type',
    );
  }
}

export interface ShortItem {
  ticketTypeId: string;
  name: string;
  requested: number;
  available: number;
}

export class NotEnoughTicketsError extends ConflictError {
  constructor(index: number, short: ShortItem) {
    super(
      `Only ${short.available} ${short.name} tickets are left, ${short.requested} were requested; nothing was held`,
      'not_enough_tickets',
      { field: `items.${index}.quantity`, ...short },
    );
  }
}

export class NoAdjacentSeatsError extends ConflictError {
  constructor(requested: number, available: number, largestBlock: number, category: string | undefined) {
    super(
      `No ${requested} adjacent seats are left${category ? ` in ${category}` : ''}: ${available} seats are available, the largest block together is ${largestBlock}`,
      'no_adjacent_seats',
      { field: 'best.quantity', requested, available, largestBlock },
    );
  }
}

export class UnknownCategoryError extends ValidationError {
  constructor(category: string, categories: string[]) {
    super(
      'best.category',
      `best.category "${category}" is not a seat category of this event (${categories.join(', ') || 'it has no seats'})`,
      'unknown_category',
    );
  }
}

export class TicketLimitError extends AppError {
  constructor(field: string, limit: number, alreadyHeld: number, requested: number) {
    const remaining = Math.max(0, limit - alreadyHeld);
    const overLimitAlone = requested > limit;
    super(
      overLimitAlone ? 400 : 409,
      overLimitAlone ? 'ticket_limit_exceeded' : 'ticket_limit_reached',
      overLimitAlone
        ? `At most ${limit} tickets per person for this event; ${requested} were requested`
        : `At most ${limit} tickets per person for this event: you already hold or own ${alreadyHeld}, so ${remaining} more are possible`,
      // reason: which cap refused (per account today; per card or IP range may follow).
      { field, limit, alreadyHeld, remaining, reason: 'per_account_limit' },
    );
  }
}

export class HoldNotFoundError extends NotFoundError {
  constructor() {
    super('The hold', 'hold_not_found');
  }
}

export class HoldNotOwnedError extends ConflictError {
  constructor() {
    super('The hold belongs to another user', 'hold_not_owned', { field: 'userId' });
  }
}

export class HoldExpiredError extends ConflictError {
  constructor(expiresAt: Date) {
    super(`The hold expired at ${expiresAt.toISOString()}; its tickets were released`, 'hold_expired', {
      expiresAt: expiresAt.toISOString(),
    });
  }
}

export class HoldNotActiveError extends ConflictError {
  constructor(status: string, reason: string | null) {
    super(
      `The hold is ${status.toLowerCase()}${reason && reason !== 'sold' ? ` (${reason.replaceAll('_', ' ')})` : ''}`,
      status === 'SOLD' ? 'hold_sold' : 'hold_released',
      { holdStatus: status, reason },
    );
  }
}

export class HoldSoldToAnotherOrderError extends ConflictError {
  constructor() {
    super('The hold was already sold to another order', 'hold_already_sold', { field: 'orderId' });
  }
}

export class TicketNotFoundError extends NotFoundError {
  constructor() {
    super('The ticket', 'ticket_not_found');
  }
}

export class UnknownTicketsError extends ValidationError {
  constructor(ticketIds: string[]) {
    super('ticketIds', `These tickets are not sold to the order: ${ticketIds.join(', ')}`, 'unknown_tickets');
  }
}

export class MalformedTicketCodeError extends ValidationError {
  constructor() {
    super('code', 'code is not a ticket code', 'malformed_ticket_code');
  }
}

export class ForgedTicketCodeError extends AppError {
  constructor() {
    super(422, 'forged_ticket_code', 'The ticket code is not signed by this platform: do not admit', {
      field: 'code',
    });
  }
}

export class UnknownTicketCodeError extends AppError {
  constructor() {
    super(422, 'unknown_ticket_code', 'The ticket code was never issued: do not admit', { field: 'code' });
  }
}

export class AlreadyCheckedInError extends ConflictError {
  constructor(firstScannedAt: Date, firstScannedBy: string) {
    super(
      `The ticket was already scanned at ${firstScannedAt.toISOString()}: do not admit`,
      'already_checked_in',
      { field: 'code', firstScannedAt: firstScannedAt.toISOString(), firstScannedBy },
    );
  }
}

export class TicketRevokedError extends ConflictError {
  constructor(reason: 'refunded' | 'event_cancelled') {
    super(
      reason === 'refunded'
        ? 'The ticket was refunded: do not admit'
        : 'The event was cancelled: do not admit',
      reason === 'refunded' ? 'ticket_refunded' : 'ticket_cancelled',
      { field: 'code', reason },
    );
  }
}

export class WrongEventError extends ConflictError {
  constructor(ticketEventId: string) {
    super('The ticket is for another event: do not admit', 'wrong_event', {
      field: 'eventId',
      ticketEventId,
    });
  }
}

export class NotEventStaffError extends AppError {
  constructor() {
    super(
      403,
      'not_event_staff',
      "You do not work the door for this event's organizer: ask the organizer to add you as staff",
    );
  }
}

export class CheckinNotOpenError extends ConflictError {
  constructor(opensAt: Date) {
    super(`Check-in opens at ${opensAt.toISOString()}: do not admit yet`, 'checkin_not_open', {
      field: 'code',
      opensAt: opensAt.toISOString(),
    });
  }
}

export class CheckinClosedError extends ConflictError {
  constructor(endedAt: Date) {
    super(`The event ended at ${endedAt.toISOString()}: check-in is closed`, 'checkin_closed', {
      field: 'code',
      endedAt: endedAt.toISOString(),
    });
  }
}

export class DoorUnknownError extends ConflictError {
  constructor() {
    super(
      "The event's organizer and schedule have not reached the ticket service: only an admin can scan its tickets",
      'event_door_unknown',
      { field: 'code' },
    );
  }
}

export class OtherOrganizerError extends AppError {
  constructor() {
    super(
      403,
      'not_your_organizer_account',
      'Organizers manage their own door staff only; leave out organizerId',
      {
        field: 'organizerId',
      },
    );
  }
}

export class DoorStaffNotFoundError extends NotFoundError {
  constructor() {
    super('The staff assignment', 'staff_not_assigned');
  }
}

// ---------------------------------------------------------------- the waiting room

export class NoWaitingRoomError extends ConflictError {
  constructor() {
    super('This event has no waiting room: hold tickets directly', 'no_waiting_room', { field: 'eventId' });
  }
}

export class QueuePlaceNotFoundError extends NotFoundError {
  constructor() {
    super('The queue place', 'queue_place_not_found');
  }
}

/** Every refusal of the Queue-Token header is a 403 with its own code (none, forged, expired…). */
export class QueueAdmissionError extends AppError {
  constructor(
    code:
      | 'queue_admission_required'
      | 'queue_token_invalid'
      | 'queue_token_expired'
      | 'queue_token_other_user'
      | 'queue_token_other_event'
      | 'queue_place_expired',
    message: string,
    extras: Record<string, unknown> = {},
  ) {
    super(403, code, message, { field: 'Queue-Token', ...extras });
  }
}

export const queueAdmissionRequired = (eventId: string) =>
  new QueueAdmissionError(
    'queue_admission_required',
    'This on-sale has a waiting room: join it (POST /api/v1/events/{id}/queue) and send the admission token you get as the Queue-Token header',
    { eventId },
  );

export class InvalidChallengeError extends AppError {
  constructor(
    code: 'challenge_required' | 'invalid_challenge' | 'challenge_expired' | 'challenge_not_solved',
    field: 'challenge' | 'nonce',
    message: string,
  ) {
    super(400, code, message, { field });
  }
}

export class ChallengeUsedError extends ConflictError {
  constructor() {
    super('This challenge was already used; fetch a new one', 'challenge_already_used', {
      field: 'challenge',
    });
  }
}

export class AccountBlockNotFoundError extends NotFoundError {
  constructor() {
    super(
      'An account refused by the per-account cap for this event with that key',
      'purchase_block_not_found',
    );
  }
}
