// The waiting room of a hot on-sale (ADR 0021) as the web app, the event and order services
// and tests see it: an event's room settings, a buyer's place in line, the proof-of-work
// challenge solved before joining, and the admission token sent as the `Queue-Token` header.
import { type Static, type TSchema, Type } from 'typebox';

const Id = Type.String({ format: 'uuid' });
const Instant = Type.String({ format: 'date-time' });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** The header carrying an admission token on `POST /api/v1/holds` and `POST /api/v1/orders`. */
export const QUEUE_TOKEN_HEADER = 'queue-token';

/** An event's waiting room as its organizer sets it (`waitingRoom` on the event). */
export const WaitingRoomSettings = Type.Object(
  {
    enabled: Type.Boolean(),
    admitPerMinute: Type.Integer({
      minimum: 1,
      maximum: 100_000,
      description: 'Buyers let through to the seat map per minute',
    }),
  },
  { additionalProperties: false },
);
export type WaitingRoomSettings = Static<typeof WaitingRoomSettings>;

/**
 * `PUT /api/v1/internal/waiting-rooms/{eventId}` (the event service, on publish and on edits
 * until the on-sale). `onSaleAt`: places taken before it are ordered by lottery at that moment.
 */
export const ConfigureWaitingRoomBody = Type.Object(
  { ...WaitingRoomSettings.properties, onSaleAt: Nullable(Instant) },
  { additionalProperties: false },
);
export type ConfigureWaitingRoomBody = Static<typeof ConfigureWaitingRoomBody>;

export const WaitingRoomView = Type.Object({
  eventId: Id,
  enabled: Type.Boolean(),
  admitPerMinute: Type.Integer(),
  /** Who set it last: the organizer (`event`), the hold threshold (`auto`), or an admin mid-sale (`admin`). */
  source: Type.Union([Type.Literal('event'), Type.Literal('auto'), Type.Literal('admin')]),
  onSaleAt: Nullable(Instant),
  drawnAt: Nullable(Instant),
  waiting: Type.Optional(Type.Integer()),
});
export type WaitingRoomView = Static<typeof WaitingRoomView>;

/**
 * `PUT /api/v1/events/{id}/waiting-room` (admin): switch a room off or on during a running
 * sale. Switching off admits everyone still waiting at once (their pages move on to the seat
 * map) and holds stop asking for a Queue-Token; switching on queues new arrivals in order.
 */
export const SwitchWaitingRoomBody = Type.Object(
  {
    enabled: Type.Boolean(),
    admitPerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    reason: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);
export type SwitchWaitingRoomBody = Static<typeof SwitchWaitingRoomBody>;

export const WaitingRoomSwitched = Type.Object({
  room: WaitingRoomView,
  /** Places that were waiting and were admitted by switching the room off. */
  admittedAtOnce: Type.Integer(),
});
export type WaitingRoomSwitched = Static<typeof WaitingRoomSwitched>;

export const QueuePlaceStatus = Type.Union([
  Type.Literal('WAITING'),
  Type.Literal('ADMITTED'),
  Type.Literal('EXPIRED'),
]);
export type QueuePlaceStatus = Static<typeof QueuePlaceStatus>;

/** `GET /api/v1/queue/{id}`, the stream's `status` messages, and the answer to joining. */
export const QueuePlaceView = Type.Object({
  id: Id,
  eventId: Id,
  status: QueuePlaceStatus,
  position: Nullable(
    Type.Integer({
      description:
        'Places to go, counting this one (1 = next in); null before the on-sale lottery and once admitted or expired',
    }),
  ),
  number: Nullable(
    Type.Integer({ description: 'The fixed number of the place in line; null before the lottery' }),
  ),
  estimatedWaitSeconds: Nullable(
    Type.Integer({ description: 'At the current admission rate; 0 once admitted' }),
  ),
  onSaleAt: Nullable(Instant),
  joinedAt: Instant,
  admissionToken: Type.Optional(Type.String({ description: 'Send it as the Queue-Token header' })),
  admissionExpiresAt: Type.Optional(Instant),
  expiryReason: Type.Optional(Type.Union([Type.Literal('idle'), Type.Literal('admission_ended')])),
});
export type QueuePlaceView = Static<typeof QueuePlaceView>;

/** `GET /api/v1/events/{id}/queue/challenge`: find a nonce so that sha256(challenge + nonce) starts with `difficulty` zero bits. */
export const QueueChallenge = Type.Object({
  challenge: Type.String(),
  difficulty: Type.Integer({ minimum: 0, maximum: 32 }),
  algorithm: Type.Literal('sha256-leading-zero-bits'),
  expiresAt: Instant,
});
export type QueueChallenge = Static<typeof QueueChallenge>;

/** `POST /api/v1/events/{id}/queue`: the solved challenge. */
export const JoinQueueBody = Type.Object(
  {
    challenge: Type.Optional(Type.String({ minLength: 1, maxLength: 1_000 })),
    nonce: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        pattern: '^[A-Za-z0-9_-]+$',
        description: 'Letters, digits, - or _',
      }),
    ),
  },
  { additionalProperties: false },
);
export type JoinQueueBody = Static<typeof JoinQueueBody>;

/** `POST /api/v1/internal/queue/admissions/verify` (the order service): is this token good for this user and event? */
export const VerifyAdmissionBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 4_000 }), userId: Id, eventId: Id },
  { additionalProperties: false },
);
export type VerifyAdmissionBody = Static<typeof VerifyAdmissionBody>;

export const VerifiedAdmission = Type.Object({ placeId: Id, userId: Id, eventId: Id, expiresAt: Instant });
export type VerifiedAdmission = Static<typeof VerifiedAdmission>;
