// The shapes the web app reads and sends. Shared ones come from @ticketing/contracts (types
// only, nothing of it is bundled); the event service's own answers are written out here as
// services/event/src/schema.ts defines them.
import type {
  AvailabilityUpdate,
  CheckinResult,
  CreateHoldBody,
  HoldView,
  OrderView,
  QueueChallenge,
  QueuePlaceView,
  SeatMap,
  SoldTicket,
  TokenPair,
  UserView,
  WaitingRoomView,
} from '@ticketing/contracts';

export type {
  AvailabilityUpdate,
  CheckinResult,
  CreateHoldBody,
  HoldView,
  OrderView,
  QueueChallenge,
  QueuePlaceView,
  SeatMap,
  SoldTicket,
  TokenPair,
  UserView,
  WaitingRoomView,
};

export type Role = UserView['roles'][number];
export type SeatMapSeat = SeatMap['sections'][number]['rows'][number]['seats'][number];
export type TicketStatus = SeatMapSeat['status'];

export const EVENT_TYPES = [
  'CONCERT',
  'SPORTS',
  'THEATER',
  'COMEDY',
  'CONFERENCE',
  'FESTIVAL',
  'OTHER',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface EventSummary {
  id: string;
  organizerId: string;
  title: string;
  description: string;
  location: string;
  city: string | null;
  country: string | null;
  eventType: EventType;
  lifecycle: 'DRAFT' | 'PUBLISHED' | 'CANCELLED';
  status: 'ACTIVE' | 'INACTIVE' | 'CANCELLED';
  salesOpen: boolean;
  timeZone: string;
  startsAt: string;
  endsAt: string;
  salesStartAt: string | null;
  salesEndAt: string | null;
  imageUrl: string | null;
  currency: string;
  basePrice: number;
  minPrice: number;
  maxPrice: number;
  capacity: number;
  availableSeats: number | null;
  categories: string[];
  tags: string[];
  venueName: string | null;
  publishedAt: string | null;
  cancelledAt: string | null;
  cancelReason: string | null;
}

export interface SectionView {
  id: string;
  name: string;
  category: string;
  price: number;
  layout: 'GENERATED' | 'EXPLICIT';
  rows: number | null;
  seatsPerRow: number | null;
  curve: number | null;
  seatCount: number;
  /** Where the section sits on the map; its seats' x and y include it. */
  x: number;
  y: number;
}

/** A seat as the organizer's venue view has it (GET /api/v1/events/{id}/venue). */
export interface VenueSeatView {
  id: string;
  row: string;
  number: string;
  label: string;
  x: number;
  y: number;
  category: string;
  price: number;
  accessibility: string[];
}

export interface VenueView {
  eventId: string;
  sections: (SectionView & { seats: VenueSeatView[] })[];
}

export interface TicketTypeView {
  id: string;
  name: string;
  description: string | null;
  price: number;
  quantity: number;
}

export interface EventDetail extends EventSummary {
  venue: { name: string | null; sections: SectionView[] };
  ticketTypes: TicketTypeView[];
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface EventSearch {
  q?: string;
  type?: EventType[];
  from?: string;
  to?: string;
  city?: string;
  maxPrice?: number;
  sort?: 'date' | '-date' | 'price' | '-price' | 'relevance';
  mine?: boolean;
  status?: string;
  cursor?: string;
}

/** A section of rows × seats the service generates, or (`seats`) one listed seat by seat. */
export type SectionInput = {
  name: string;
  category: string;
  price: number;
} & (
  | { rows: number; seatsPerRow: number; curve?: number }
  | {
      seats: { row: string; number: string; x: number; y: number; category?: string; price?: number }[];
    }
);

export interface CreateEventInput {
  title: string;
  description?: string;
  location: string;
  city?: string;
  eventType: EventType;
  startsAt: string;
  endsAt: string;
  timeZone?: string;
  currency: string;
  basePrice?: number;
  venue?: { name?: string; sections: SectionInput[] };
  ticketTypes?: { name: string; price: number; quantity: number }[];
}

export interface SalesReport {
  eventId: string;
  currency: string;
  ticketsSold: number;
  revenue: number;
  capacity: number;
  sellThrough: number;
  ticketsCancelled: number;
  grossRevenue: number;
  refunded: number;
  byCategory: {
    category: string;
    ticketsSold: number;
    revenue: number;
    capacity: number;
    sellThrough: number;
  }[];
  byTicketType: {
    ticketTypeId: string;
    name: string;
    ticketsSold: number;
    revenue: number;
    capacity: number;
  }[];
  timeline: {
    bucketStart: string;
    sold: number;
    cancelled: number;
    revenue: number;
    cumulativeSold: number;
  }[];
}

export type NotificationChannel = 'email' | 'sms' | 'push';

export interface NotificationView {
  id: string;
  type: string;
  channel: NotificationChannel;
  status: 'PENDING' | 'SENDING' | 'SENT' | 'FAILED' | 'SKIPPED';
  recipient: string | null;
  subject: string | null;
  text: string | null;
  createdAt: string;
  sentAt: string | null;
}

export interface PreferenceItem {
  type: string;
  transactional: boolean;
  channels: Record<NotificationChannel, boolean>;
}

export interface TemplateView {
  type: string;
  channel: NotificationChannel;
  locale: 'en' | 'de';
  subject: string | null;
  text: string;
  html: string | null;
  version: number;
  origin: 'default' | 'admin';
  variables: Record<string, unknown>;
}

export interface RenderedPreview {
  subject: string | null;
  text: string;
  html: string | null;
}

export interface MailFileView {
  name: string;
  size: number;
  createdAt: string;
  recipient: string | null;
  subject: string | null;
  type: string | null;
}

export interface HealthView {
  status: string;
  [key: string]: unknown;
}

/** What PushSubscription.toJSON() gives, as the notification service stores it. */
export interface PushSubscriptionInput {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface PushSubscriptionView {
  id: string;
  endpoint: string;
  createdAt: string;
}

/**
 * How checkout takes a card (GET /api/v1/payments/config, services/payment/src/payment-config-route.ts):
 * the sandbox's own form, or Stripe Elements with this publishable key.
 */
export interface PaymentsConfig {
  provider: 'sandbox' | 'stripe';
  publishableKey: string | null;
}
