// The e-tickets of a confirmed order, read from the order service when their mail is sent:
// order-confirmed carries only ticket ids, while GET /api/v1/orders/{id} (asked on behalf of the
// buyer, who may read their own order) has each ticket's label and signed code, and the event.
import type { OrderView } from '@ticketing/contracts';
import type { Logger, ServiceClient } from '@ticketing/platform';
import type { Facts } from './notification-types.js';

export interface OrderDetailsDeps {
  orderService: () => ServiceClient;
  logger: Logger;
}

/** The order service could not be asked: the mail waits for its next attempt. */
export class OrderDetailsUnavailableError extends Error {}

/** The facts completed with the order's tickets (labels and codes) and what the order knows of its event. */
export async function withETickets(deps: OrderDetailsDeps, userId: string, facts: Facts): Promise<Facts> {
  if (facts.tickets !== undefined || !facts.orderId) return facts;
  let response: Awaited<ReturnType<ServiceClient['call']>>;
  try {
    response = await deps.orderService().call<OrderView>({
      method: 'GET',
      path: `/api/v1/orders/${facts.orderId}`,
      user: { userId, roles: ['USER'] },
    });
  } catch (error) {
    throw new OrderDetailsUnavailableError(
      `the order service could not be asked for the tickets: ${(error as Error).message}`,
    );
  }
  if (response.status === 404) {
    // Not seen by the order service (it would be a bug): mail what is known, without QR codes.
    deps.logger.warn(
      { orderId: facts.orderId },
      'the order of an order-confirmed event was not found; mailing without e-tickets',
    );
    return {
      ...facts,
      tickets: (facts.ticketIds ?? []).map((ticketId, index) => ({
        ticketId,
        label: `Ticket ${index + 1}`,
        code: null,
      })),
    };
  }
  if (response.status !== 200) {
    throw new OrderDetailsUnavailableError(`the order service answered ${response.status} for the tickets`);
  }
  const order = response.body as OrderView;
  return {
    ...facts,
    eventTitle: facts.eventTitle ?? order.event.title,
    startsAt: facts.startsAt ?? order.event.startsAt,
    tickets: order.tickets.map((ticket) => ({ ticketId: ticket.id, label: ticket.label, code: ticket.code })),
  };
}
