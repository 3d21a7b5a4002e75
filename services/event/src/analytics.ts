// Sales analytics for organizers and admins, computed from the sales facts this service keeps
// from the ticket service's `ticket-sold` and `ticket-cancelled` events: tickets sold, revenue,
// sell-through over time, by seat category and by ticket type.
import type { TicketCancelledPayload, TicketSoldPayload } from '@ticketing/contracts';
import type { Executor, Identity } from '@ticketing/platform';
import type { CatalogueDeps } from './catalogue.js';
import { EventNotFoundError } from './errors.js';
import { assertCanManage } from './ownership.js';
import * as repository from './repository.js';
import type { SalesReport } from './schema.js';

/** Records each ticket of an order as sold; a ticket's seat is its `seatId`, or its id when that is a seat's. */
export async function recordSale(tx: Executor, sale: TicketSoldPayload): Promise<void> {
  const tickets = sale.tickets;
  const seatIds = new Set(
    await repository.findSeatIdsAmong(
      tx,
      sale.eventId,
      tickets
        .filter((ticket) => ticket.ticketTypeId === null)
        .map((ticket) => ticket.seatId ?? ticket.ticketId),
    ),
  );
  await repository.insertSales(
    tx,
    tickets.map((ticket) => {
      const seatId = ticket.seatId ?? ticket.ticketId;
      return {
        orderId: sale.orderId,
        ticketId: ticket.ticketId,
        eventId: sale.eventId,
        seatId: seatIds.has(seatId) ? seatId : null,
        ticketTypeId: ticket.ticketTypeId,
        category: ticket.category,
        price: ticket.price,
        soldAt: new Date(sale.soldAt),
        cancelledAt: null,
        cancelReason: null,
      };
    }),
  );
}

export async function recordCancellation(
  tx: Executor,
  cancellation: TicketCancelledPayload,
  cancelledAt: Date,
): Promise<void> {
  await repository.cancelSales(
    tx,
    cancellation.eventId,
    cancellation.tickets.map((ticket) => ticket.ticketId),
    cancelledAt,
    cancellation.reason,
  );
}

const ratio = (sold: number, capacity: number) =>
  capacity === 0 ? 0 : Math.round((sold / capacity) * 10_000) / 10_000;

export async function salesReport(
  deps: CatalogueDeps,
  actor: Identity,
  eventId: string,
  bucket: 'hour' | 'day' | 'week',
): Promise<SalesReport> {
  const db = deps.db.orm;
  const event = await repository.findEvent(db, eventId);
  if (!event) throw new EventNotFoundError();
  assertCanManage(actor, event);
  const [totals, byCategory, byTicketType, timeline] = await Promise.all([
    repository.salesTotals(db, eventId),
    repository.salesByCategory(db, eventId),
    repository.salesByTicketType(db, eventId),
    repository.salesTimeline(db, eventId, bucket, event.timeZone),
  ]);
  let cumulativeSold = 0;
  return {
    eventId,
    currency: event.currency,
    ticketsSold: totals.sold,
    revenue: totals.revenue,
    capacity: event.capacity,
    sellThrough: ratio(totals.sold, event.capacity),
    ticketsCancelled: totals.cancelled,
    grossRevenue: totals.gross,
    refunded: totals.gross - totals.revenue,
    byCategory: byCategory.map((row) => ({
      category: row.category,
      ticketsSold: row.sold,
      revenue: row.revenue,
      capacity: row.capacity,
      sellThrough: ratio(row.sold, row.capacity),
    })),
    byTicketType: byTicketType.map((row) => ({
      ticketTypeId: row.ticketTypeId,
      name: row.name,
      price: row.price,
      ticketsSold: row.sold,
      revenue: row.revenue,
      capacity: row.capacity,
      sellThrough: ratio(row.sold, row.capacity),
    })),
    timeline: timeline.map((row) => {
      cumulativeSold += row.sold - row.cancelled;
      return {
        bucketStart: row.bucketStart.toISOString(),
        sold: row.sold,
        cancelled: row.cancelled,
        revenue: row.revenue,
        cumulativeSold,
        sellThrough: ratio(cumulativeSold, event.capacity),
      };
    }),
  };
}
