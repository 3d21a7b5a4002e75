// Orders as buyers and admins read them: a buyer's history (newest first, paged), one order
// with its tickets and their e-ticket codes (from the ticket service), and the admin search.
import type { OrderPage, OrderTicket, OrderView } from '@ticketing/contracts';
import type { Identity } from '@ticketing/platform';
import { OrderNotFoundError } from './errors.js';
import * as repository from './repository.js';
import type { OrderDeps, SagaMemo } from './saga.js';
import type { OrderLineRow, OrderRow, OrderStatus } from './tables.js';
import type { SoldTicketView } from './ticket-service.js';
import { Unreachable } from './upstream.js';

export function toOrderView(
  order: OrderRow,
  lines: OrderLineRow[],
  sold: Map<string, SoldTicketView> = new Map(),
): OrderView {
  const tickets: OrderTicket[] = lines
    .filter((line) => line.orderId === order.id)
    .map((line) => {
      const ticket = sold.get(line.ticketId);
      const code = ticket?.status === 'SOLD' ? ticket.code : null;
      return {
        id: line.ticketId,
        seatId: line.seatId,
        ticketTypeId: line.ticketTypeId,
        ticketTypeName: line.ticketTypeName,
        label: line.label,
        section: line.section,
        row: line.rowLabel,
        seat: line.seatNumber,
        category: line.category,
        price: line.price,
        fee: line.fee,
        total: line.total,
        status: ticket?.status ?? null,
        code: code ?? null,
        qrUrl: code ? `/api/v1/tickets/${line.ticketId}/qr.svg` : null,
      };
    });
  return {
    id: order.id,
    userId: order.userId,
    eventId: order.eventId,
    holdId: order.holdId,
    status: order.status,
    currency: order.currency,
    subtotal: order.subtotalAmount,
    fees: order.feeAmount,
    total: order.totalAmount,
    quantity: order.quantity,
    paymentId: order.paymentId,
    refundedAmount: order.refundedAmount,
    failureCode: order.failureCode,
    failureReason: order.failureReason,
    cancellation:
      order.cancelRequestedAt && order.cancelledBy
        ? {
            requestedAt: order.cancelRequestedAt.toISOString(),
            by: order.cancelledBy,
            reason: order.cancelReason ?? '',
            ...(order.checkedInTicketsRefunded !== null && {
              checkedInTicketsRefunded: order.checkedInTicketsRefunded,
            }),
          }
        : null,
    event: { title: order.eventTitle, startsAt: order.eventStartsAt?.toISOString() ?? null },
    tickets,
    orderDate: order.orderDate.toISOString(),
    confirmedAt: order.confirmedAt?.toISOString() ?? null,
    cancelledAt: order.cancelledAt?.toISOString() ?? null,
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}

/**
 * The order with its e-tickets; without them (codes null) while the ticket service is unreachable.
 * The request that just bought it passes what it knows (its lines, the sale's tickets) instead.
 */
export async function detailedView(
  deps: OrderDeps,
  order: OrderRow,
  known: SagaMemo = {},
): Promise<OrderView> {
  const lines = known.lines ?? (await repository.findLinesOfOrders(deps.db.orm, [order.id]));
  const sold = new Map<string, SoldTicketView>();
  if (order.status === 'CONFIRMED') {
    try {
      const tickets = known.sold ?? (await deps.tickets.ticketsOfOrder(order.id));
      for (const ticket of tickets) sold.set(ticket.id, ticket);
    } catch (error) {
      if (!(error instanceof Unreachable)) throw error;
      deps.logger.warn(
        { orderId: order.id },
        'ticket service unreachable; answering the order without its codes',
      );
    }
  }
  return toOrderView(order, lines, sold);
}

const isAdmin = (identity: Identity) => identity.roles.includes('ADMIN');

/** One order, for its buyer or an admin; anyone else is told it does not exist. */
export async function getOrder(deps: OrderDeps, identity: Identity, orderId: string): Promise<OrderView> {
  const order = await repository.findOrder(deps.db.orm, orderId);
  if (!order || (order.userId !== identity.userId && !isAdmin(identity))) throw new OrderNotFoundError();
  return detailedView(deps, order);
}

async function page(
  deps: OrderDeps,
  filter: Omit<repository.OrderFilter, 'limit' | 'before'> & { cursor?: string; limit?: number },
): Promise<OrderPage> {
  const limit = filter.limit ?? 20;
  const rows = await repository.searchOrders(deps.db.orm, {
    ...filter,
    before: filter.cursor,
    limit: limit + 1,
  });
  const orders = rows.slice(0, limit);
  const lines = await repository.findLinesOfOrders(
    deps.db.orm,
    orders.map((order) => order.id),
  );
  return {
    items: orders.map((order) => toOrderView(order, lines)),
    nextCursor: rows.length > limit ? orders[orders.length - 1]!.id : null,
  };
}

export function listOrdersOfBuyer(
  deps: OrderDeps,
  userId: string,
  query: { status?: OrderStatus; eventId?: string; cursor?: string; limit?: number },
): Promise<OrderPage> {
  return page(deps, { ...query, userId });
}

export function searchOrders(
  deps: OrderDeps,
  query: {
    userId?: string;
    eventId?: string;
    status?: OrderStatus;
    from?: string;
    to?: string;
    cursor?: string;
    limit?: number;
  },
): Promise<OrderPage> {
  return page(deps, {
    ...query,
    from: query.from ? new Date(query.from) : undefined,
    to: query.to ? new Date(query.to) : undefined,
  });
}
