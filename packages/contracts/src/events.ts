// Domain events shared between services: topic names and payload schemas.
// A producer and its consumers agree on these and nothing else.
import { type Static, Type } from 'typebox';

export const Topics = {
  userRegistered: 'user-registered',
  eventPublished: 'event-published',
  eventCancelled: 'event-cancelled',
  ticketLocked: 'ticket-locked',
  ticketReleased: 'ticket-released',
  ticketSold: 'ticket-sold',
  ticketCancelled: 'ticket-cancelled',
} as const;

export type Topic = (typeof Topics)[keyof typeof Topics];

export const UserRegisteredPayload = Type.Object({
  userId: Type.String({ format: 'uuid' }),
  username: Type.String(),
  email: Type.String(),
  firstName: Type.String(),
  lastName: Type.String(),
  locale: Type.String(),
  registeredAt: Type.String({ format: 'date-time' }),
});
export type UserRegisteredPayload = Static<typeof UserRegisteredPayload>;

const Id = Type.String({ format: 'uuid' });
const Instant = Type.String({ format: 'date-time' });

/** Key: eventId. The event's inventory exists when this is announced. */
export const EventPublishedPayload = Type.Object({
  eventId: Id,
  organizerId: Id,
  title: Type.String(),
  startsAt: Instant,
  endsAt: Instant,
  timeZone: Type.String(),
  currency: Type.String(),
  capacity: Type.Integer(),
  publishedAt: Instant,
});
export type EventPublishedPayload = Static<typeof EventPublishedPayload>;

/** Key: eventId. The order service refunds every confirmed order; the ticket service withdraws unsold tickets. */
export const EventCancelledPayload = Type.Object({
  eventId: Id,
  title: Type.String(),
  startsAt: Instant,
  reason: Type.String(),
  cancelledAt: Instant,
});
export type EventCancelledPayload = Static<typeof EventCancelledPayload>;

const TicketRef = Type.Object({
  ticketId: Id,
  /** The seat of a reserved-seat ticket (the event service's seat id); optional, null for general admission. */
  seatId: Type.Optional(Type.Union([Id, Type.Null()])),
  category: Type.Union([Type.String(), Type.Null()]),
  ticketTypeId: Type.Union([Id, Type.Null()]),
  price: Type.Integer(),
});

/** Key: eventId (so one event's seat changes stay in order). */
export const TicketLockedPayload = Type.Object({
  eventId: Id,
  holdId: Id,
  userId: Id,
  tickets: Type.Array(TicketRef),
  expiresAt: Instant,
});
export type TicketLockedPayload = Static<typeof TicketLockedPayload>;

export const TicketReleasedPayload = Type.Object({
  eventId: Id,
  holdId: Id,
  tickets: Type.Array(TicketRef),
  reason: Type.Union([Type.Literal('released'), Type.Literal('expired'), Type.Literal('payment_failed')]),
});
export type TicketReleasedPayload = Static<typeof TicketReleasedPayload>;

export const TicketSoldPayload = Type.Object({
  eventId: Id,
  holdId: Id,
  orderId: Id,
  userId: Id,
  tickets: Type.Array(TicketRef),
  soldAt: Instant,
});
export type TicketSoldPayload = Static<typeof TicketSoldPayload>;

export const TicketCancelledPayload = Type.Object({
  eventId: Id,
  tickets: Type.Array(TicketRef),
  /** refunded: back on sale (AVAILABLE); event_cancelled: withdrawn (CANCELLED). */
  reason: Type.Union([Type.Literal('refunded'), Type.Literal('event_cancelled')]),
});
export type TicketCancelledPayload = Static<typeof TicketCancelledPayload>;
