// Purchase caps of an on-sale (the limits that stop one buyer taking a hot sale) as the admin
// panel and tests see them: who was refused for reaching a cap (an account, a payment card, an IP
// range) and the allowances an admin grants to lift such a block. The ticket service keeps
// accounts, the order service IP ranges, the payment service cards; all answer the same shapes
// under their own paths.
import { type Static, Type } from 'typebox';

const Id = Type.String({ format: 'uuid' });
const Instant = Type.String({ format: 'date-time' });

/** `account`: a user id; `card`: a payment card's keyed fingerprint; `ip_range`: an IPv4 /24 or IPv6 /48. */
export const PurchaseLimitKind = Type.Union([
  Type.Literal('account'),
  Type.Literal('card'),
  Type.Literal('ip_range'),
]);
export type PurchaseLimitKind = Static<typeof PurchaseLimitKind>;

/** One refused key of an event: how often and when it was refused, and what it may buy now. */
export const PurchaseBlockView = Type.Object({
  eventId: Id,
  kind: PurchaseLimitKind,
  /** What to send to lift it: the user id, the range (`203.0.113.0/24`), or a card's short fingerprint (16 hex). */
  key: Type.String(),
  /** For people: the range, or `visa •••• 4242 (a1b2c3d4…)`; never a card number. */
  label: Type.String(),
  refusals: Type.Integer(),
  firstRefusedAt: Instant,
  lastRefusedAt: Instant,
  /** Tickets bought (or being paid for; for an account: held or owned) with this key for this event. */
  ticketsBought: Type.Integer(),
  /** The configured cap, and the tickets allowances add to it for this key. */
  limit: Type.Integer(),
  extraAllowed: Type.Integer(),
});
export type PurchaseBlockView = Static<typeof PurchaseBlockView>;

export const PurchaseBlockQuery = Type.Object(
  {
    eventId: Type.Optional(Id),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  { additionalProperties: false },
);
export type PurchaseBlockQuery = Static<typeof PurchaseBlockQuery>;

export const PurchaseBlockList = Type.Object({ items: Type.Array(PurchaseBlockView) });
export type PurchaseBlockList = Static<typeof PurchaseBlockList>;

/** `POST …/purchase-blocks/lift` (admin): raise one key's cap for one event by `extraTickets`. */
export const LiftPurchaseBlockBody = Type.Object(
  {
    eventId: Id,
    key: Type.String({ minLength: 1, maxLength: 64 }),
    extraTickets: Type.Integer({ minimum: 1, maximum: 10_000 }),
    reason: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);
export type LiftPurchaseBlockBody = Static<typeof LiftPurchaseBlockBody>;

/** A lift as recorded (each one is a row: who, when, why, how many more). */
export const PurchaseAllowanceView = Type.Object({
  id: Id,
  eventId: Id,
  kind: PurchaseLimitKind,
  key: Type.String(),
  extraTickets: Type.Integer(),
  reason: Type.String(),
  grantedBy: Id,
  grantedAt: Instant,
  /** The key's cap for this event after this lift. */
  effectiveLimit: Type.Integer(),
});
export type PurchaseAllowanceView = Static<typeof PurchaseAllowanceView>;
