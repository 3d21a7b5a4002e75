// HTTP adapters of the ticket service: parse, call a domain function, shape the answer.
import {
  LiftPurchaseBlockBody,
  Problem,
  PurchaseAllowanceView,
  PurchaseBlockList,
  PurchaseBlockQuery,
  QUEUE_TOKEN_HEADER,
} from '@ticketing/contracts';
import { type HttpApp, requireIdentity } from '@ticketing/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { liftAccountBlock, listAccountBlocks } from './account-caps.js';
import type { TicketServiceDeps } from './app.js';
import * as availability from './availability.js';
import { checkIn } from './checkin.js';
import * as doorStaff from './door-staff.js';
import * as eTickets from './e-tickets.js';
import * as holds from './holds.js';
import { createInventory } from './inventory.js';
import type { StreamClient } from './live-availability.js';
import * as sales from './sales.js';
import {
  AvailabilityList,
  AvailabilityQuery,
  CheckinBody,
  CheckinResult,
  ConfigureWaitingRoomBody,
  CreateHoldBody,
  CreateInventoryBody,
  DoorStaffList,
  DoorStaffQuery,
  DoorStaffView,
  EventFilterQuery,
  EventIdParams,
  HoldList,
  HoldView,
  IdParams,
  INVENTORY_BODY_LIMIT_BYTES,
  InventoryCreated,
  InventoryDoor,
  JoinQueueBody,
  OrderIdParams,
  PublicKeys,
  QueueChallenge,
  QueuePlaceView,
  ReleasedSold,
  ReleaseHoldBody,
  ReleaseSoldBody,
  SeatMap,
  SellHoldBody,
  SoldHold,
  SoldTicket,
  StaffIdParams,
  SwitchWaitingRoomBody,
  TicketList,
  VerifiedAdmission,
  VerifyAdmissionBody,
  WaitingRoomSwitched,
  WaitingRoomView,
} from './schema.js';
import * as waitingRoom from './waiting-room.js';

const problems = {
  400: Problem,
  401: Problem,
  403: Problem,
  404: Problem,
  409: Problem,
  422: Problem,
  429: Problem,
  503: Problem,
};
const bearer = [{ bearerAuth: [] }];
/** A stream that falls this far behind is cut off rather than buffered without end. */
const MAX_STREAM_BACKLOG_BYTES = 1024 * 1024;

export function registerRoutes(app: HttpApp, deps: TicketServiceDeps): void {
  // ------------------------------------------------------------ buyers

  app.post(
    '/api/v1/holds',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['holds'],
        summary: 'Hold seats, a quantity of a ticket type, or the best adjacent seats, all or nothing',
        security: bearer,
        body: CreateHoldBody,
        response: { 201: HoldView, ...problems },
      },
    },
    async (request, reply) => {
      const queueToken = request.headers[QUEUE_TOKEN_HEADER];
      const held = await holds.holdTickets(
        deps,
        requireIdentity(request).userId,
        request.body,
        typeof queueToken === 'string' ? queueToken : undefined,
      );
      return reply.status(201).send(held);
    },
  );

  app.get(
    '/api/v1/holds',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['holds'],
        summary: 'My live holds',
        security: bearer,
        querystring: EventFilterQuery,
        response: { 200: HoldList, ...problems },
      },
    },
    async (request) => ({
      items: await holds.listActiveHolds(deps, requireIdentity(request).userId, request.query.eventId),
    }),
  );

  app.get(
    '/api/v1/holds/:id',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['holds'],
        summary: 'One of my holds',
        security: bearer,
        params: IdParams,
        response: { 200: HoldView, ...problems },
      },
    },
    async (request) => holds.getHold(deps, request.params.id, requireIdentity(request).userId),
  );

  app.delete(
    '/api/v1/holds/:id',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['holds'],
        summary: 'Release my hold (its tickets go back on sale)',
        security: bearer,
        params: IdParams,
        response: { 204: Type.Null(), ...problems },
      },
    },
    async (request, reply) => {
      const userId = requireIdentity(request).userId;
      await holds.releaseHold(deps, request.params.id, { userId, asService: false }, 'released');
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/events/:id/seats',
    {
      config: { access: 'public' },
      schema: {
        tags: ['availability'],
        summary: "The event's seat map with each seat's status, and its ticket types with what is left",
        params: IdParams,
        response: { 200: SeatMap, ...problems },
      },
    },
    async (request) => availability.getSeatMap(deps.db.orm, request.params.id),
  );

  app.get(
    '/api/v1/events/:id/availability/stream',
    {
      config: { access: 'public' },
      schema: {
        tags: ['availability'],
        summary: 'Server-Sent Events: a snapshot of the counts, then batched seat and count changes',
        params: IdParams,
        produces: ['text/event-stream'],
      },
    },
    async (request, reply) => {
      const eventId = request.params.id;
      // Before the stream starts, so an unknown event answers 404 as problem+json.
      await availability.requireInventory(deps.db.orm, eventId);
      await openEventStream(request, reply, 'availability', (client) => deps.live.open(eventId, client));
    },
  );

  app.get(
    '/api/v1/tickets',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['tickets'],
        summary: 'My tickets, with their e-ticket codes',
        security: bearer,
        querystring: EventFilterQuery,
        response: { 200: TicketList, ...problems },
      },
    },
    async (request) => ({
      items: await eTickets.ticketsOfOwner(deps, requireIdentity(request).userId, request.query.eventId),
    }),
  );

  app.get(
    '/api/v1/tickets/:id',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['tickets'],
        summary: 'One of my tickets, with its e-ticket code',
        security: bearer,
        params: IdParams,
        response: { 200: SoldTicket, ...problems },
      },
    },
    async (request) => eTickets.ticketOfOwner(deps, request.params.id, requireIdentity(request).userId),
  );

  app.get(
    '/api/v1/tickets/:id/qr.svg',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['tickets'],
        summary: 'The QR code of one of my tickets (SVG)',
        security: bearer,
        params: IdParams,
        produces: ['image/svg+xml'],
      },
    },
    async (request, reply) => {
      const svg = await eTickets.renderTicketQr(deps, request.params.id, requireIdentity(request).userId);
      return reply.type('image/svg+xml').header('cache-control', 'private, no-store').send(svg);
    },
  );

  // ------------------------------------------------------------ the waiting room

  app.get(
    '/api/v1/events/:id/waiting-room',
    {
      config: { access: 'public' },
      schema: {
        tags: ['queue'],
        summary:
          "The event's waiting room: whether it is on (enabled false when it has none), its rate and its on-sale moment",
        params: IdParams,
        response: { 200: WaitingRoomView, ...problems },
      },
    },
    async (request) => waitingRoom.getWaitingRoom(deps, request.params.id),
  );

  // ------------------------------------------------------------ the per-account cap's blocks (admins)

  app.get(
    '/api/v1/tickets/purchase-blocks',
    {
      config: { access: { roles: ['ADMIN'] } },
      schema: {
        tags: ['holds'],
        summary: 'Accounts refused by the per-account purchase cap, most recent first (admin)',
        security: bearer,
        querystring: PurchaseBlockQuery,
        response: { 200: PurchaseBlockList, ...problems },
      },
    },
    async (request) => listAccountBlocks(deps, request.query),
  );

  app.post(
    '/api/v1/tickets/purchase-blocks/lift',
    {
      config: { access: { roles: ['ADMIN'] } },
      schema: {
        tags: ['holds'],
        summary: "Raise a refused account's cap for one event (admin; recorded with who and why)",
        security: bearer,
        body: LiftPurchaseBlockBody,
        response: { 201: PurchaseAllowanceView, ...problems },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await liftAccountBlock(deps, requireIdentity(request), request.body)),
  );

  app.put(
    '/api/v1/events/:id/waiting-room',
    {
      config: { access: { roles: ['ADMIN'] } },
      schema: {
        tags: ['queue'],
        summary:
          "Switch an event's waiting room off or on during the sale (admin): off admits everyone waiting at once",
        security: bearer,
        params: IdParams,
        body: SwitchWaitingRoomBody,
        response: { 200: WaitingRoomSwitched, ...problems },
      },
    },
    async (request) =>
      waitingRoom.switchWaitingRoom(deps, request.params.id, request.body, {
        source: 'admin',
        userId: requireIdentity(request).userId,
      }),
  );

  app.get(
    '/api/v1/events/:id/queue/challenge',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['queue'],
        summary:
          'A proof-of-work challenge to solve (in the browser, automatically) before joining the queue',
        security: bearer,
        params: IdParams,
        response: { 200: QueueChallenge, ...problems },
      },
    },
    async (request, reply) => {
      await waitingRoom.requireJoinableRoom(deps, request.params.id);
      reply.header('cache-control', 'no-store');
      return deps.proofOfWork.issue(request.params.id, requireIdentity(request).userId);
    },
  );

  app.post(
    '/api/v1/events/:id/queue',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['queue'],
        summary:
          'Join the on-sale waiting room with a solved challenge (one place per user: joining again answers the same place, 200)',
        security: bearer,
        params: IdParams,
        body: Type.Union([JoinQueueBody, Type.Null()]),
        response: { 200: QueuePlaceView, 201: QueuePlaceView, ...problems },
      },
    },
    async (request, reply) => {
      const userId = requireIdentity(request).userId;
      const eventId = request.params.id;
      const existing = await waitingRoom.findLivePlace(deps, userId, eventId);
      // Joining again is free: only a new place costs a solved challenge.
      if (existing) return reply.status(200).send(existing);
      await deps.proofOfWork.redeem(eventId, userId, request.body?.challenge, request.body?.nonce);
      const { place, created } = await waitingRoom.joinQueue(deps, userId, eventId);
      return reply.status(created ? 201 : 200).send(place);
    },
  );

  app.get(
    '/api/v1/queue/:id',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['queue'],
        summary: 'My place in line: status, position, estimated wait, and the admission token once admitted',
        security: bearer,
        params: IdParams,
        response: { 200: QueuePlaceView, ...problems },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return waitingRoom.getQueuePlace(deps, request.params.id, requireIdentity(request).userId);
    },
  );

  app.get(
    '/api/v1/queue/:id/stream',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['queue'],
        summary:
          'Server-Sent Events: `status` messages (as GET /queue/{id}) at every change, until admitted or expired',
        security: bearer,
        params: IdParams,
        produces: ['text/event-stream'],
      },
    },
    async (request, reply) => {
      // Before the stream starts, so someone else's or an unknown place answers 404 as problem+json.
      const place = await waitingRoom.getQueuePlace(deps, request.params.id, requireIdentity(request).userId);
      await openEventStream(request, reply, 'queue', (client) =>
        deps.queueUpdates.open(place.eventId, place.id, client),
      );
    },
  );

  // ------------------------------------------------------------ staff at the door

  app.get(
    '/api/v1/checkin/public-key',
    {
      config: { access: 'public' },
      schema: {
        tags: ['checkin'],
        summary: 'The public keys (JWKS) that verify ticket codes offline',
        response: { 200: PublicKeys },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return deps.signer.publicKeys();
    },
  );

  app.post(
    '/api/v1/checkin',
    {
      config: { access: { roles: ['STAFF', 'ADMIN'] } },
      schema: {
        tags: ['checkin'],
        summary: 'Admit a ticket once by its code',
        security: bearer,
        body: CheckinBody,
        response: { 200: CheckinResult, ...problems },
      },
    },
    async (request) => checkIn(deps, requireIdentity(request), request.body),
  );

  app.get(
    '/api/v1/checkin/staff',
    {
      config: { access: { roles: ['ORGANIZER', 'ADMIN'] } },
      schema: {
        tags: ['checkin'],
        summary: "The staff accounts that scan my events (organizers), or an organizer's (admins)",
        security: bearer,
        querystring: DoorStaffQuery,
        response: { 200: DoorStaffList, ...problems },
      },
    },
    async (request) => doorStaff.listDoorStaff(deps, requireIdentity(request), request.query.organizerId),
  );

  app.put(
    '/api/v1/checkin/staff/:staffId',
    {
      config: { access: { roles: ['ORGANIZER', 'ADMIN'] } },
      schema: {
        tags: ['checkin'],
        summary: "Let a STAFF account scan my events (organizers) or an organizer's (admins); idempotent",
        security: bearer,
        params: StaffIdParams,
        querystring: DoorStaffQuery,
        response: { 200: DoorStaffView, ...problems },
      },
    },
    async (request) =>
      doorStaff.assignDoorStaff(
        deps,
        requireIdentity(request),
        request.params.staffId,
        request.query.organizerId,
      ),
  );

  app.delete(
    '/api/v1/checkin/staff/:staffId',
    {
      config: { access: { roles: ['ORGANIZER', 'ADMIN'] } },
      schema: {
        tags: ['checkin'],
        summary: "Stop a staff account scanning my events (organizers) or an organizer's (admins)",
        security: bearer,
        params: StaffIdParams,
        querystring: DoorStaffQuery,
        response: { 204: Type.Null(), ...problems },
      },
    },
    async (request, reply) => {
      await doorStaff.removeDoorStaff(
        deps,
        requireIdentity(request),
        request.params.staffId,
        request.query.organizerId,
      );
      return reply.status(204).send(null);
    },
  );

  // ------------------------------------------------------------ other services

  app.put(
    '/api/v1/internal/inventory/:eventId/door',
    {
      config: { access: 'internal' },
      schema: {
        tags: ['internal'],
        summary: 'Set whose event an inventory is and when it runs (the event service, on a reschedule)',
        params: EventIdParams,
        body: InventoryDoor,
        response: { 204: Type.Null(), ...problems },
      },
    },
    async (request, reply) => {
      await doorStaff.setDoorFacts(deps, request.params.eventId, request.body);
      return reply.status(204).send(null);
    },
  );

  app.put(
    '/api/v1/internal/inventory/:eventId',
    {
      config: { access: 'internal' },
      bodyLimit: INVENTORY_BODY_LIMIT_BYTES,
      schema: {
        tags: ['internal'],
        summary: "Create an event's inventory (idempotent: the same body again answers 200, created false)",
        params: EventIdParams,
        body: CreateInventoryBody,
        response: { 200: InventoryCreated, 201: InventoryCreated, ...problems },
      },
    },
    async (request, reply) => {
      const result = await createInventory(deps, request.params.eventId, request.body);

      return reply.status(result.created ? 201 : 200).send(result);
    },
  );

  app.put(
    '/api/v1/internal/waiting-rooms/:eventId',
    {
      config: { access: 'internal' },
      schema: {
        tags: ['internal'],
        summary: "Set an event's waiting room (the event service: on publish and on edits until the on-sale)",
        params: EventIdParams,
        body: ConfigureWaitingRoomBody,
        response: { 200: WaitingRoomView, ...problems },
      },
    },
    async (request) => waitingRoom.configureWaitingRoom(deps, request.params.eventId, request.body),
  );

  app.post(
    '/api/v1/internal/queue/admissions/verify',
    {
      config: { access: 'internal' },
      schema: {
        tags: ['internal'],
        summary:
          'Check an admission token for a user and event (the order service, for a hold made under a waiting room)',
        body: VerifyAdmissionBody,
        response: { 200: VerifiedAdmission, ...problems },
      },
    },
    async (request) =>
      waitingRoom.verifyAdmission(deps, request.body.userId, request.body.eventId, request.body.token),
  );

  app.get(
    '/api/v1/internal/availability',
    {
      config: { access: 'internal' },
      schema: {
        tags: ['internal'],
        summary: 'Counts per event, seat category and ticket type',
        querystring: AvailabilityQuery,
        response: { 200: AvailabilityList, ...problems },
      },
    },
    async (request) => ({
      items: await availability.getAvailability(deps.db.orm, request.query.eventIds.toLowerCase().split(',')),
    }),
  );

  app.get(
    '/api/v1/internal/holds/:id',
    {
      config: { access: 'internal' },
      schema: {
        tags: ['internal'],
        summary: 'A hold, for the order service',
        params: IdParams,
        response: { 200: HoldView, ...problems },
      },
    },
    async (request) => holds.getHold(deps, request.params.id),
  );

  app.post(
    '/api/v1/internal/holds/:id/sell',
    {
      config: { access: 'internal' },
      schema: {
        tags: ['internal'],
        summary: "Sell a hold's tickets to an order (its owner, before expiry; idempotent per orderId)",
        params: IdParams,
        body: SellHoldBody,
        response: { 200: SoldHold, ...problems },
      },
    },
    async (request) => sales.sellHold(deps, request.params.id, request.body),
  );

  app.post(
    '/api/v1/internal/holds/:id/release',
    {
      config: { access: 'internal' },
      schema: {
        tags: ['internal'],
        summary: 'Release a hold (compensation when payment fails)',
        params: IdParams,
        body: ReleaseHoldBody,
        response: { 204: Type.Null(), ...problems },
      },
    },
    async (request, reply) => {
      const owner = request.body.userId ? { userId: request.body.userId, asService: true } : undefined;
      await holds.releaseHold(deps, request.params.id, owner, request.body.reason);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/internal/tickets/release-sold',
    {
      config: { access: 'internal' },
      schema: {
        tags: ['internal'],
        summary: "Give back an order's sold tickets on a refund (idempotent)",
        body: ReleaseSoldBody,
        response: { 200: ReleasedSold, ...problems },
      },
    },
    async (request) => sales.releaseSoldTickets(deps, request.body),
  );

  app.get(
    '/api/v1/internal/orders/:orderId/tickets',
    {
      config: { access: 'internal' },
      schema: {
        tags: ['internal'],
        summary: "An order's tickets with their e-ticket codes",
        params: OrderIdParams,
        response: { 200: TicketList, ...problems },
      },
    },
    async (request) => ({ items: await eTickets.ticketsOfOrder(deps, request.params.orderId) }),
  );
}

/**
 * Takes the response over as a Server-Sent Events stream (a reader too slow to keep up is cut off) and hands it to `open`, which
 * returns how to detach it; a client gone before `open` finished is detached at once.
 */
async function openEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  name: string,
  open: (client: StreamClient) => Promise<() => Promise<void>>,
): Promise<void> {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-request-id': request.id,
  });
  let closed = false;
  let detach: (() => Promise<void>) | undefined;
  raw.on('close', () => {
    closed = true;
    void detach?.();
  });
  const client: StreamClient = {
    write(chunk) {
      if (raw.writableLength > MAX_STREAM_BACKLOG_BYTES) raw.destroy();
      else if (!raw.destroyed) raw.write(chunk);
    },
    end() {
      raw.end();
    },
  };
  try {
    detach = await open(client);
    if (closed) await detach();
  } catch (error) {
    request.log.warn({ err: error }, `${name} stream failed to open`);
    raw.end();
  }
}
