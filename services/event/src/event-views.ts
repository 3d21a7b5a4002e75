// How events look to clients. A record is what the cache keeps (rows turned into JSON); the
// view adds what depends on the moment it is shown: the derived status, whether sales are
// open, and the live availability from the ticket service.
import type { Availability } from '@ticketing/contracts';
import { salesOpen, statusOf } from './event-rules.js';
import type {
  EventDetail,
  EventSummary,
  EventType,
  Lifecycle,
  SeatMapView,
  SectionView,
  TicketTypeView,
} from './schema.js';
import type { EventRow, SeatRow, SectionRow, TicketTypeRow } from './tables.js';

type Derived = 'status' | 'salesOpen' | 'availableSeats' | 'availability';
export type SummaryRecord = Omit<EventSummary, Derived>;
export type EventRecord = Omit<EventDetail, Derived>;

const iso = (value: Date | null) => (value ? value.toISOString() : null);

export function toSummaryRecord(row: EventRow): SummaryRecord {
  return {
    id: row.id,
    organizerId: row.organizerId,
    title: row.title,
    description: row.description,
    location: row.location,
    city: row.city,
    country: row.country,
    eventType: row.eventType as EventType,
    lifecycle: row.lifecycle as Lifecycle,
    timeZone: row.timeZone,
    startsAt: row.startsAt.toISOString(),
    endsAt: row.endsAt.toISOString(),
    salesStartAt: iso(row.salesStartAt),
    salesEndAt: iso(row.salesEndAt),
    imageUrl: row.imageUrl,
    currency: row.currency,
    basePrice: row.basePrice,
    minPrice: row.minPrice,
    maxPrice: row.maxPrice,
    capacity: row.capacity,
    categories: row.categories,
    tags: row.tags,
    venueName: row.venueName,
    waitingRoom: { enabled: row.waitingRoomEnabled, admitPerMinute: row.waitingRoomAdmitPerMinute },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    publishedAt: iso(row.publishedAt),
    cancelledAt: iso(row.cancelledAt),
    cancelReason: row.cancelReason,
  };
}

export function toSectionView(row: SectionRow): SectionView {
  return {
    id: row.id,
    name: row.name,
    category: row.category,
    price: row.price,
    layout: row.layout,
    rows: row.rowCount,
    seatsPerRow: row.seatsPerRow,
    curve: row.curve,
    rowLabels: row.rowLabels,
    seatCount: row.seatCount,
    x: row.originX,
    y: row.originY,
    width: row.width,
    height: row.height,
  };
}

export function toTicketTypeView(row: TicketTypeRow): TicketTypeView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    price: row.price,
    quantity: row.quantity,
  };
}

export function toEventRecord(
  row: EventRow,
  sections: SectionRow[],
  ticketTypes: TicketTypeRow[],
): EventRecord {
  return {
    ...toSummaryRecord(row),
    venue: { name: row.venueName, sections: sections.map(toSectionView) },
    ticketTypes: ticketTypes.map(toTicketTypeView),
  };
}

/** A record as shown now: status and sales derived from the clock, counts from the ticket service. */
export function present<T extends SummaryRecord>(
  record: T,
  now: Date,
  availability: Availability | undefined,
): T & Pick<EventSummary, Derived> {
  return {
    ...record,
    status: statusOf(record, now),
    salesOpen: salesOpen(record, now),
    availableSeats: availability?.available ?? null,
    availability: availability ?? null,
  };
}

export function toSeatMapView(
  eventId: string,
  sections: SectionRow[],
  seats: SeatRow[],
  ticketTypes: TicketTypeRow[],
): SeatMapView {
  const bySection = new Map<string, SeatRow[]>();
  for (const seat of seats) {
    const list = bySection.get(seat.sectionId);
    if (list) list.push(seat);
    else bySection.set(seat.sectionId, [seat]);
  }
  const views = sections.map((section) => ({
    ...toSectionView(section),
    seats: (bySection.get(section.id) ?? []).map((seat) => ({
      id: seat.id,
      row: seat.rowLabel,
      number: seat.number,
      label: seat.label,
      x: seat.x,
      y: seat.y,
      category: seat.category,
      price: seat.price,
      accessibility: seat.accessibility,
      accessible: seat.accessibility.length > 0,
    })),
  }));
  return {
    eventId,
    width: Math.max(0, ...sections.map((section) => section.originX + section.width)),
    height: Math.max(0, ...sections.map((section) => section.originY + section.height)),
    sections: views,
    ticketTypes: ticketTypes.map(toTicketTypeView),
  };
}
