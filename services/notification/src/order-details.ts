// The e-tickets of a confirmed order, read from the ticket service when their mail is sent:
// order-confirmed carries only ticket ids, while the ticket service's internal
// GET /api/v1/internal/orders/{id}/tickets has each ticket's label and signed code.
import type { SoldTicket } from '@ticketing/contracts';
import type { Logger, ServiceClient } from '@ticketing/platform';
import type { Facts } from './notification-types.js';

export interface OrderDetailsDeps {
  ticketService: () => ServiceClient;
  logger: Logger;
}

/** The ticket service could not be asked: the mail waits for its next attempt. */
export class OrderDetailsUnavailableError extends Error {}

/** The facts completed with the order's tickets (labels and codes). */
export async function withETickets(deps: OrderDetailsDeps, facts: Facts): Promise<Facts> {
  if (facts.tickets !== undefined || !facts.orderId) return facts;
  let response: Awaited<ReturnType<ServiceClient['call']>>;
  try {
    response = await deps.ticketService().call<{ items: SoldTicket[] }>({
      method: 'GET',
      path: `/api/v1/internal/orders/${facts.orderId}/tickets`,
    });
  } catch (error) {
    throw new OrderDetailsUnavailableError(
      `the ticket service could not be asked for the tickets: ${(error as Error).message}`,
    );
  }
  if (response.status !== 200 && response.status !== 404) {
    throw new OrderDetailsUnavailableError(`the ticket service answered ${response.status} for the tickets`);
  }
  const sold = response.status === 200 ? (response.body as { items: SoldTicket[] }).items : [];
  if (sold.length === 0) {
    // Not sold to this order as far as the ticket service knows (it would be a bug): mail what
    // is known, without QR codes.
    deps.logger.warn(
      { orderId: facts.orderId },
      'the tickets of an order-confirmed event were not found; mailing without e-tickets',
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
  return {
    ...facts,
    tickets: sold.map((ticket) => ({ ticketId: ticket.id, label: ticket.label, code: ticket.code })),
  };
}
