// The ticket service as the event service uses it: creating an event's inventory when it is
// published (an idempotent PUT, safe to retry) and reading availability counts. Turns the
// ticket service's answers into this service's domain errors.
import {
  Availability,
  type ConfigureWaitingRoomBody,
  type CreateInventoryBody,
  type InventoryDoor,
} from '@ticketing/contracts';
import { AppError, type Identity, type ServiceClient, type ServiceResponse } from '@ticketing/platform';
import { Compile } from 'typebox/compile';
import {
  InventoryConflictError,
  TicketServiceRejectedError,
  TicketServiceUnavailableError,
} from './errors.js';

export interface TicketService {
  /** Resolves once the ticket service holds exactly this inventory for the event. */
  createInventory(eventId: string, inventory: CreateInventoryBody, requestId?: string): Promise<void>;
  /** Sets the event's waiting room (after publishing, until the on-sale). */
  configureWaitingRoom(
    eventId: string,
    settings: ConfigureWaitingRoomBody,
    requestId?: string,
  ): Promise<void>;
  /** Tells the door a published event's new schedule (a reschedule). */
  setDoor(eventId: string, door: InventoryDoor, requestId?: string): Promise<void>;
  /** Lets a staff account scan the organizer's events (the demo seed; organizers call the ticket service themselves). */
  assignDoorStaff(organizer: Identity, staffId: string): Promise<void>;
  /** Counts for the events the ticket service knows; throws when it cannot answer. */
  availability(eventIds: string[]): Promise<Availability[]>;
}

const availabilityChecker = Compile(Availability);

/**
 * `client` is asked for on every call: the runtime knows the ticket service's address only once
 * it listens, which (in one process, on free ports) can be after this service was built.
 */
export function ticketServiceOver(
  client: () => ServiceClient,
  timeouts: { inventoryMs: number; availabilityMs: number },
): TicketService {
  /** An idempotent PUT to the ticket service; its answer, or a domain error when there is none. */
  const put = async (path: string, body: unknown, requestId: string | undefined) => {
    try {
      return await client().call<{ detail?: string } | undefined>({
        method: 'PUT',
        path,
        body,
        idempotent: true,
        requestId,
        timeoutMs: timeouts.inventoryMs,
      });
    } catch (error) {
      if (error instanceof AppError && error.status === 503)
        throw new TicketServiceUnavailableError(error.message);
      throw error;
    }
  };
  const refused = (response: ServiceResponse<{ detail?: string } | undefined>) =>
    new TicketServiceRejectedError(response.status, response.body?.detail ?? `status ${response.status}`);

  return {
    async createInventory(eventId, inventory, requestId) {
      const response = await put(`/api/v1/internal/inventory/${eventId}`, inventory, requestId);
      if (response.status === 200 || response.status === 201) return;
      if (response.status === 409)
        throw new InventoryConflictError(response.body?.detail ?? `status ${response.status}`);
      throw refused(response);
    },

    async configureWaitingRoom(eventId, settings, requestId) {
      const response = await put(`/api/v1/internal/waiting-rooms/${eventId}`, settings, requestId);
      if (response.status !== 200) throw refused(response);
    },

    async setDoor(eventId, door, requestId) {
      const response = await put(`/api/v1/internal/inventory/${eventId}/door`, door, requestId);
      if (response.status !== 204) throw refused(response);
    },

    async assignDoorStaff(organizer, staffId) {
      await client().expectOk({
        method: 'PUT',
        path: `/api/v1/checkin/staff/${staffId}`,
        user: organizer,
        idempotent: true,
        timeoutMs: timeouts.inventoryMs,
      });
    },

    async availability(eventIds) {
      const found: Availability[] = [];
      // The ticket service answers up to 100 events per call.
      for (let start = 0; start < eventIds.length; start += 100) {
        const body = await client().expectOk<unknown>({
          method: 'GET',
          path: '/api/v1/internal/availability',
          query: { eventIds: eventIds.slice(start, start + 100).join(',') },
          // Counts are an extra on a listing: one short attempt, never a wait for retries.
          idempotent: false,
          timeoutMs: timeouts.availabilityMs,
        });
        // `{items}` as the ticket service answers (a bare list is taken too); only valid entries count.
        const items = Array.isArray(body) ? body : ((body as { items?: unknown })?.items ?? []);
        for (const item of Array.isArray(items) ? items : []) {
          if (availabilityChecker.Check(item)) found.push(item);
        }
      }
      return found;
    },
  };
}
