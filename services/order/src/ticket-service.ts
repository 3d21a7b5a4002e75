// The ticket service as the order service uses it: read a hold, sell it to an order, release
// it when the payment fails, give sold tickets back on a refund, and list an order's e-tickets.
// Every call here is safe to repeat (the ticket service answers the same again per order).
import type {
  HoldView,
  ReleaseHoldBody,
  ReleaseSoldBody,
  SellHoldBody,
  VerifiedAdmission,
  VerifyAdmissionBody,
} from '@ticketing/contracts';
import type { ServiceClient } from '@ticketing/platform';
import { type Problem, problemOf, reach } from './upstream.js';

export type { HoldView };

export interface SoldTicketView {
  id: string;
  status: string;
  code: string | null;
  checkedInAt?: string | null;
}

export type AdmissionCheck =
  | { kind: 'admitted'; admission: VerifiedAdmission }
  | { kind: 'refused'; problem: Problem };

export type SaleOutcome = { kind: 'sold'; tickets: SoldTicketView[] } | { kind: 'refused'; problem: Problem };

export interface TicketService {
  /** The hold, or undefined when the ticket service does not know it. */
  getHold(holdId: string, requestId?: string): Promise<HoldView | undefined>;
  sellHold(holdId: string, orderId: string, userId: string): Promise<SaleOutcome>;
  /** Releases a live hold; an ended one is left as it is. */
  releaseHold(holdId: string, userId: string): Promise<void>;
  /** Gives back every ticket sold to the order (idempotent). */
  releaseSoldTickets(orderId: string): Promise<void>;
  ticketsOfOrder(orderId: string): Promise<SoldTicketView[]>;
  /** How many of the order's tickets were checked in; throws when the ticket service cannot say. */
  countCheckedInTickets(orderId: string): Promise<number>;
  /** Whether a waiting-room admission token is good for this user and event (a hold made under a waiting room). */
  verifyAdmission(
    token: string,
    userId: string,
    eventId: string,
    requestId?: string,
  ): Promise<AdmissionCheck>;
}

export function ticketServiceOver(client: ServiceClient, timeoutMs: number): TicketService {
  return {
    async getHold(holdId, requestId) {
      const response = await reach('ticket', () =>
        client.call<HoldView>({
          method: 'GET',
          path: `/api/v1/internal/holds/${holdId}`,
          requestId,
          timeoutMs,
        }),
      );
      if (response.status === 404) return undefined;
      if (response.status !== 200)
        throw new Error(`ticket service answered ${response.status} for hold ${holdId}`);
      return response.body;
    },

    async sellHold(holdId, orderId, userId) {
      const response = await reach('ticket', () =>
        client.call<{ tickets: SoldTicketView[] }>({
          method: 'POST',
          path: `/api/v1/internal/holds/${holdId}/sell`,
          body: { orderId, userId } satisfies SellHoldBody,
          idempotent: true,
          timeoutMs,
        }),
      );
      if (response.status === 200) return { kind: 'sold', tickets: response.body.tickets };
      return { kind: 'refused', problem: problemOf(response.body) };
    },

    async releaseHold(holdId, userId) {
      const response = await reach('ticket', () =>
        client.call({
          method: 'POST',
          path: `/api/v1/internal/holds/${holdId}/release`,
          body: { userId, reason: 'payment_failed' } satisfies ReleaseHoldBody,
          idempotent: true,
          timeoutMs,
        }),
      );
      // 409: already sold or not this user's; 404: unknown. Nothing of ours to give back either way.
      if (response.status >= 400 && response.status !== 404 && response.status !== 409) {
        throw new Error(`ticket service answered ${response.status} releasing hold ${holdId}`);
      }
    },

    async releaseSoldTickets(orderId) {
      const response = await reach('ticket', () =>
        client.call({
          method: 'POST',
          path: '/api/v1/internal/tickets/release-sold',
          body: { orderId, reason: 'refunded' } satisfies ReleaseSoldBody,
          idempotent: true,
          timeoutMs,
        }),
      );
      // 404: the order never had sold tickets (nothing to give back).
      if (response.status >= 400 && response.status !== 404) {
        throw new Error(
          `ticket service answered ${response.status} releasing the tickets of order ${orderId}`,
        );
      }
    },

    async verifyAdmission(token, userId, eventId, requestId) {
      const response = await reach('ticket', () =>
        client.call<VerifiedAdmission>({
          method: 'POST',
          path: '/api/v1/internal/queue/admissions/verify',
          body: { token, userId, eventId } satisfies VerifyAdmissionBody,
          idempotent: true,
          requestId,
          timeoutMs,
        }),
      );
      if (response.status === 200) return { kind: 'admitted', admission: response.body };
      if (response.status === 400 || response.status === 403)
        return { kind: 'refused', problem: problemOf(response.body) };
      throw new Error(`ticket service answered ${response.status} verifying an admission token`);
    },

    async ticketsOfOrder(orderId) {
      const response = await reach('ticket', () =>
        client.call<{ items: SoldTicketView[] }>({
          method: 'GET',
          path: `/api/v1/internal/orders/${orderId}/tickets`,
          timeoutMs,
        }),
      );
      if (response.status !== 200) return [];
      return response.body.items;
    },

    async countCheckedInTickets(orderId) {
      const response = await reach('ticket', () =>
        client.call<{ items: SoldTicketView[] }>({
          method: 'GET',
          path: `/api/v1/internal/orders/${orderId}/tickets`,
          timeoutMs,
        }),
      );
      if (response.status !== 200)
        throw new Error(`ticket service answered ${response.status} for the tickets of order ${orderId}`);
      return response.body.items.filter((ticket) => ticket.checkedInAt).length;
    },
  };
}
