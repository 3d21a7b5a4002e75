// TypeBox schemas of the ticket service's requests and answers: one schema gives validation,
// handler types and the OpenAPI document. Shapes other services share live in contracts.
import { Availability, HoldView, SoldTicket } from '@ticketing/contracts';
import { Type } from 'typebox';

export {
  Availability,
  CheckinBody,
  CheckinResult,
  ConfigureWaitingRoomBody,
  CreateHoldBody,
  CreateInventoryBody,
  HoldView,
  InventoryCreated,
  InventoryDoor,
  JoinQueueBody,
  QueueChallenge,
  QueuePlaceView,
  ReleasedSold,
  ReleaseHoldBody,
  ReleaseSoldBody,
  SeatMap,
  SellHoldBody,
  SoldHold,
  SoldTicket,
  SwitchWaitingRoomBody,
  VerifiedAdmission,
  VerifyAdmissionBody,
  WaitingRoomSwitched,
  WaitingRoomView,
} from '@ticketing/contracts';

const Id = Type.String({ format: 'uuid' });

export const IdParams = Type.Object({ id: Id });
export const EventIdParams = Type.Object({ eventId: Id });
export const OrderIdParams = Type.Object({ orderId: Id });

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';

export const AvailabilityQuery = Type.Object(
  {
    eventIds: Type.String({
      pattern: `^${UUID}(,${UUID}){0,99}$`,
      description: 'Up to 100 event ids, comma-separated',
    }),
  },
  { additionalProperties: false },
);

export const AvailabilityList = Type.Object({ items: Type.Array(Availability) });

export const EventFilterQuery = Type.Object({ eventId: Type.Optional(Id) }, { additionalProperties: false });

export const HoldList = Type.Object({ items: Type.Array(HoldView) });
export const TicketList = Type.Object({ items: Type.Array(SoldTicket) });

export const PublicKeys = Type.Object({ keys: Type.Array(Type.Object({}, { additionalProperties: true })) });

/** Large venues: 200,000 seats of JSON are some 60 MB. */
export const INVENTORY_BODY_LIMIT_BYTES = 128 * 1024 * 1024;

export const StaffIdParams = Type.Object({ staffId: Id });

export const DoorStaffQuery = Type.Object(
  {
    organizerId: Type.Optional(
      Type.String({ format: 'uuid', description: 'Admins: the organizer account (default: your own)' }),
    ),
  },
  { additionalProperties: false },
);

export const DoorStaffView = Type.Object({
  organizerId: Id,
  staffId: Id,
  assignedBy: Id,
  assignedAt: Type.String({ format: 'date-time' }),
});

export const DoorStaffList = Type.Object({ organizerId: Id, items: Type.Array(DoorStaffView) });
