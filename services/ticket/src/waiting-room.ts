// The waiting room of a hot on-sale (ADR 0021): buyers take one place per event; those who
// came before the on-sale are put in order by lottery at the on-sale moment, later ones in
// arrival order behind them; the admission step lets them in at the room's rate, gives the
// slots of admitted-but-idle places to the next in line, and the hold route asks for the
// admission token. Everything is in PostgreSQL, so a restart loses no place in line.
import { randomBytes } from 'node:crypto';
import type {
  ConfigureWaitingRoomBody,
  QueuePlaceView,
  VerifiedAdmission,
  WaitingRoomView,
} from '@ticketing/contracts';
import {
  type Clock,
  type Database,
  type Executor,
  type Logger,
  newId,
  PeriodicTask,
} from '@ticketing/platform';
import type { QueueSettings } from './config.js';
import {
  EventCancelledError,
  EventNotOnSaleError,
  NoWaitingRoomError,
  QueueAdmissionError,
  QueuePlaceNotFoundError,
  queueAdmissionRequired,
  SalesClosedError,
} from './errors.js';
import type { QueueAdmissionTokens } from './queue-tokens.js';
import * as repository from './repository.js';
import { withRetryOnDeadlock } from './repository.js';
import type { QueuePlaceRow, WaitingRoomRow, WaitingRoomSource } from './tables.js';

/** Says that a room's line moved, after commit (the streams of its places pick it up). */
export interface QueueAnnouncer {
  lineMoved(eventId: string): void;
}

export interface WaitingRoomDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
  queue: QueueSettings;
  admissions: QueueAdmissionTokens;
  queueUpdates?: QueueAnnouncer;
  /** The lottery number of an early place; random 63 bits unless a test says otherwise. */
  lotteryNumber?: () => bigint;
  /** Open rooms read in the last second, so a rush of joins reads its room once per instance and second. */
  openRooms?: Map<string, { readAt: number; room: WaitingRoomRow }>;
}

/** How long an open room read for joining is reused (real time; every write re-checks in SQL). */
const OPEN_ROOM_CACHE_MS = 1_000;

const randomLotteryNumber = () => randomBytes(8).readBigInt64BE() & 0x7fff_ffff_ffff_ffffn;

const iso = (date: Date | null) => date?.toISOString() ?? null;

export function toWaitingRoomView(room: WaitingRoomRow): WaitingRoomView {
  return {
    eventId: room.eventId,
    enabled: room.enabled,
    admitPerMinute: room.admitPerMinute,
    source: room.source,
    onSaleAt: iso(room.onSaleAt),
    drawnAt: iso(room.drawnAt),
  };
}

// ---------------------------------------------------------------- the room's settings

/**
 * Creates or changes an event's room (from the event service, or the automatic switch-on).
 * The change is recorded with who made it; a call that changes nothing records nothing.
 */
export async function configureWaitingRoom(
  deps: Pick<WaitingRoomDeps, 'db' | 'clock' | 'logger'>,
  eventId: string,
  settings: ConfigureWaitingRoomBody,
  source: WaitingRoomSource = 'event',
  reason = 'set by the organizer',
  tx?: Executor,
): Promise<WaitingRoomView> {
  const run = async (executor: Executor) => {
    const inventory = await repository.findInventory(executor, eventId);
    if (!inventory) throw new EventNotOnSaleError();
    const now = deps.clock.now();
    const { before, after } = await repository.upsertWaitingRoom(
      executor,
      {
        eventId,
        enabled: settings.enabled,
        admitPerMinute: settings.admitPerMinute,
        source,
        onSaleAt: settings.onSaleAt ? new Date(settings.onSaleAt) : null,
      },
      now,
    );
    const changed =
      !before ||
      before.enabled !== after.enabled ||
      before.admitPerMinute !== after.admitPerMinute ||
      before.onSaleAt?.getTime() !== after.onSaleAt?.getTime();
    if (changed)
      await repository.insertWaitingRoomChange(executor, {
        id: newId(),
        eventId,
        enabled: after.enabled,
        admitPerMinute: after.admitPerMinute,
        source,
        reason,
        changedAt: now,
      });
    return { view: toWaitingRoomView(after), changed };
  };
  const { view, changed } = tx ? await run(tx) : await deps.db.transaction(run);
  if (changed) deps.logger.info({ ...view, reason }, 'waiting room set');
  return view;
}

/** The event's room as the public sees it: an event on sale without one answers `enabled: false`. */
export async function getWaitingRoom(deps: { db: Database }, eventId: string): Promise<WaitingRoomView> {
  const found = await repository.findRoomToJoin(deps.db.orm, eventId);
  if (!found) throw new EventNotOnSaleError();
  if (!found.room)
    return { eventId, enabled: false, admitPerMinute: 0, source: 'event', onSaleAt: null, drawnAt: null };
  return toWaitingRoomView(found.room);
}

/** Refuses, before any work, an event one cannot queue for (none, room off, cancelled, over). */
export async function requireJoinableRoom(
  deps: { db: Database; clock: Clock },
  eventId: string,
): Promise<void> {
  await requireOpenRoom(deps.db.orm, eventId, deps.clock.now());
}

// ---------------------------------------------------------------- joining

async function requireOpenRoom(db: Executor, eventId: string, now: Date): Promise<WaitingRoomRow> {
  const found = await repository.findRoomToJoin(db, eventId);
  if (!found) throw new EventNotOnSaleError();
  if (found.inventoryStatus === 'CANCELLED') throw new EventCancelledError();
  if (found.salesEndAt && now >= found.salesEndAt) throw new SalesClosedError(found.salesEndAt);
  if (!found.room?.enabled) throw new NoWaitingRoomError();
  return found.room;
}

/**
 * The room as joining sees it, from a cache of a second: the early insert re-checks the room in
 * its own statement and a late join locks the row, so a stale copy costs at most a retry. Only
 * open rooms are kept: a refusal is always read fresh.
 */
async function openRoomForJoining(deps: WaitingRoomDeps, eventId: string): Promise<WaitingRoomRow> {
  const cached = deps.openRooms?.get(eventId);
  if (cached && Math.abs(Date.now() - cached.readAt) < OPEN_ROOM_CACHE_MS) return cached.room;
  const room = await requireOpenRoom(deps.db.orm, eventId, deps.clock.now());
  deps.openRooms?.set(eventId, { readAt: Date.now(), room });
  return room;
}

const isBeforeOnSale = (room: WaitingRoomRow, now: Date) =>
  room.drawnAt === null && room.onSaleAt !== null && now < room.onSaleAt;

/**
 * Takes the user's place in the event's line, or finds the one they have (`created` false).
 * Before the on-sale the place gets a lottery number and no position yet; after it, the next
 * number in line. Two simultaneous joins of one user make one place (a unique index).
 */
export async function joinQueue(
  deps: WaitingRoomDeps,
  userId: string,
  eventId: string,
): Promise<{ place: QueuePlaceView; created: boolean }> {
  const room = await openRoomForJoining(deps, eventId);
  // Before the on-sale nobody's place can have expired: the insert alone finds an existing one.
  const early = isBeforeOnSale(room, deps.clock.now());
  if (!early) {
    const existing = await repository.findQueuePlaceOfUser(deps.db.orm, eventId, userId);
    if (existing && effectiveStatus(existing, deps.queue, deps.clock.now()).status !== 'EXPIRED')
      return { place: await viewOfPlace(deps, existing, room), created: false };
  }
  if (early) {
    const outcome = await joinEarly(deps, room, userId);
    if (outcome)
      return { place: await viewOfPlace(deps, outcome.place, outcome.room), created: outcome.created };
  }
  const outcome = await withRetryOnDeadlock(() =>
    deps.db.transaction((tx) => joinLate(deps, tx, userId, eventId)),
  );
  if (outcome.drawn) deps.queueUpdates?.lineMoved(eventId);
  return { place: await viewOfPlace(deps, outcome.place, outcome.room), created: outcome.created };
}

/**
 * The user's live place in the event's line, if they have one (joining again answers it
 * without a new challenge); refuses an event whose room is off or missing.
 */
export async function findLivePlace(
  deps: WaitingRoomDeps,
  userId: string,
  eventId: string,
): Promise<QueuePlaceView | undefined> {
  const room = await requireOpenRoom(deps.db.orm, eventId, deps.clock.now());
  const existing = await repository.findQueuePlaceOfUser(deps.db.orm, eventId, userId);
  if (!existing || effectiveStatus(existing, deps.queue, deps.clock.now()).status === 'EXPIRED')
    return undefined;
  return viewOfPlace(deps, existing, room);
}

interface JoinOutcome {
  place: QueuePlaceRow;
  room: WaitingRoomRow;
  created: boolean;
  drawn: boolean;
}

/**
 * Before the on-sale: one statement, no lock, so thousands join at once; each place gets a
 * random lottery number. Undefined when the room left its early phase meanwhile.
 */
async function joinEarly(
  deps: WaitingRoomDeps,
  room: WaitingRoomRow,
  userId: string,
): Promise<Omit<JoinOutcome, 'drawn'> | undefined> {
  const now = deps.clock.now();
  const place = await repository.insertEarlyPlace(
    deps.db.orm,
    {
      id: newId(),
      eventId: room.eventId,
      userId,
      status: 'WAITING',
      lottery: (deps.lotteryNumber ?? randomLotteryNumber)(),
      position: null,
      joinedAt: now,
      admittedAt: null,
      admissionEndsAt: null,
      firstHoldAt: null,
      expiredAt: null,
      expiryReason: null,
    },
    now,
  );
  if (place) return { place, room, created: true };
  // Either the user joined before (or at the same moment), or the room left its early phase.
  const theirs = await repository.findQueuePlaceOfUser(deps.db.orm, room.eventId, userId);
  if (theirs && theirs.position === null) return { place: theirs, room, created: false };
  return undefined;
}

/** At or after the on-sale: one at a time per event (the room's row), in arrival order. */
async function joinLate(
  deps: WaitingRoomDeps,
  tx: Executor,
  userId: string,
  eventId: string,
): Promise<JoinOutcome> {
  let room = await repository.lockWaitingRoom(tx, eventId);
  const now = deps.clock.now();
  if (!room?.enabled) throw new NoWaitingRoomError();
  const existing = await repository.findQueuePlaceOfUser(tx, eventId, userId);
  if (existing && effectiveStatus(existing, deps.queue, now).status !== 'EXPIRED')
    return { place: existing, room, created: false, drawn: false };
  let drawn = false;
  if (room.drawnAt === null) {
    await drawTheLottery(deps, tx, room, now);
    drawn = true;
  }
  const position = await repository.takeNextPosition(tx, eventId, now);
  room = (await repository.findWaitingRoom(tx, eventId))!;
  if (existing)
    return {
      place: await repository.requeuePlace(tx, existing.id, position, now),
      room,
      created: false,
      drawn,
    };
  const place = await repository.insertQueuePlace(tx, {
    id: newId(),
    eventId,
    userId,
    status: 'WAITING',
    lottery: null,
    position,
    joinedAt: now,
    admittedAt: null,
    admissionEndsAt: null,
    firstHoldAt: null,
    expiredAt: null,
    expiryReason: null,
  });
  return { place: place!, room, created: true, drawn };
}

async function drawTheLottery(deps: WaitingRoomDeps, tx: Executor, room: WaitingRoomRow, now: Date) {
  const numbered = await repository.drawLottery(tx, room, now);
  if (!room.drawnAt)
    deps.logger.info({ eventId: room.eventId, places: numbered }, 'waiting room lottery drawn');
  return numbered;
}

// ---------------------------------------------------------------- where a place stands

/** The place as it is at the clock's now: an admission past its idle limit or its end is over. */
function effectiveStatus(
  place: QueuePlaceRow,
  settings: QueueSettings,
  now: Date,
): { status: QueuePlaceRow['status']; expiryReason: QueuePlaceRow['expiryReason'] } {
  if (place.status !== 'ADMITTED') return { status: place.status, expiryReason: place.expiryReason };
  if (place.admissionEndsAt && now >= place.admissionEndsAt)
    return { status: 'EXPIRED', expiryReason: 'admission_ended' };
  if (
    !place.firstHoldAt &&
    place.admittedAt &&
    now.getTime() >= place.admittedAt.getTime() + settings.idleSeconds * 1000
  )
    return { status: 'EXPIRED', expiryReason: 'idle' };
  return { status: 'ADMITTED', expiryReason: null };
}

export async function viewOfPlace(
  deps: Pick<WaitingRoomDeps, 'clock' | 'queue' | 'admissions'>,
  place: QueuePlaceRow,
  room: WaitingRoomRow,
): Promise<QueuePlaceView> {
  const now = deps.clock.now();
  const { status, expiryReason } = effectiveStatus(place, deps.queue, now);
  const base = {
    id: place.id,
    eventId: place.eventId,
    status,
    number: place.position,
    onSaleAt: iso(room.onSaleAt),
    joinedAt: place.joinedAt.toISOString(),
  };
  if (status === 'ADMITTED') {
    const admissionToken = await deps.admissions.issue({
      id: place.id,
      userId: place.userId,
      eventId: place.eventId,
      admittedAt: place.admittedAt!,
      admissionEndsAt: place.admissionEndsAt!,
    });
    return {
      ...base,
      position: 0,
      estimatedWaitSeconds: 0,
      admissionToken,
      admissionExpiresAt: place.admissionEndsAt!.toISOString(),
    };
  }
  if (status === 'EXPIRED')
    return { ...base, position: null, estimatedWaitSeconds: null, expiryReason: expiryReason ?? 'idle' };
  if (place.position === null) {
    // Before the lottery nobody has a position; the wait is at least until the on-sale.
    const untilOnSale = room.onSaleAt
      ? Math.max(0, Math.ceil((room.onSaleAt.getTime() - now.getTime()) / 1000))
      : 0;
    return { ...base, position: null, estimatedWaitSeconds: untilOnSale };
  }
  const position = Math.max(1, place.position - room.admittedThrough);
  const untilOnSale = room.onSaleAt ? Math.max(0, (room.onSaleAt.getTime() - now.getTime()) / 1000) : 0;
  return {
    ...base,
    position,
    estimatedWaitSeconds: Math.ceil(untilOnSale + (position * 60) / room.admitPerMinute),
  };
}

/** The place as its owner sees it; someone else's place does not exist for them. */
export async function getQueuePlace(
  deps: WaitingRoomDeps,
  placeId: string,
  userId: string,
): Promise<QueuePlaceView> {
  const place = await repository.findQueuePlace(deps.db.orm, placeId);
  if (!place || place.userId !== userId) throw new QueuePlaceNotFoundError();
  const room = await repository.findWaitingRoom(deps.db.orm, place.eventId);
  return viewOfPlace(deps, place, room!);
}

// ---------------------------------------------------------------- admission

export interface AdmissionStep {
  eventId: string;
  drawn: number | undefined;
  admitted: number;
  expiredIdle: number;
  expiredEnded: number;
}

/**
 * One admission step of one room: draws the lottery at the on-sale, expires admitted places
 * that are over (an idle one gives its slot back), and admits as many as the clock has earned
 * at admitPerMinute since the last step (at most a minute's worth at once). Safe with several
 * instances: the step locks the room's row, and an instance finding another one at it skips.
 */
export async function admitFromQueue(
  deps: WaitingRoomDeps,
  eventId: string,
): Promise<AdmissionStep | undefined> {
  const step = await deps.db.transaction(async (tx) => {
    if (!(await repository.tryLockAdmissionOf(tx, eventId))) return undefined;
    let room = await repository.lockWaitingRoom(tx, eventId);
    const now = deps.clock.now();
    if (!room?.enabled) return undefined;
    if (room.onSaleAt && now < room.onSaleAt && room.drawnAt === null) return undefined;
    // The lottery at the on-sale; afterwards it numbers the odd join that raced it (usually none).
    const wasDrawn = room.drawnAt !== null;
    const numbered = await drawTheLottery(deps, tx, room, now);
    const drawn = wasDrawn ? undefined : numbered;
    if (numbered > 0 || !wasDrawn) room = (await repository.lockWaitingRoom(tx, eventId))!;
    const idleBefore = new Date(now.getTime() - deps.queue.idleSeconds * 1000);
    const expired = await repository.expireAdmittedPlaces(tx, eventId, idleBefore, now);
    const expiredIdle = expired.filter((reason) => reason === 'idle').length;

    const since = room.allowanceAt ?? now;
    // Multiplied before divided: a whole number of admissions stays whole (no 29.999… for 30).
    const earned = (Math.max(0, now.getTime() - since.getTime()) * room.admitPerMinute) / 60_000;
    // A pause (no instance running, a clock jump) is not made up for with a flood: one minute's worth at most.
    const allowance = Math.min(room.allowance + earned, room.admitPerMinute) + expiredIdle;
    const due = Math.floor(allowance);
    const positions =
      due > 0
        ? await repository.admitNextPlaces(
            tx,
            eventId,
            due,
            now,
            new Date(now.getTime() + deps.queue.admissionSeconds * 1000),
          )
        : [];
    await repository.updateAdmissionState(
      tx,
      eventId,
      {
        // Slots nobody was waiting for are not kept beyond the cap.
        allowance: Math.min(allowance - positions.length, room.admitPerMinute),
        allowanceAt: now,
        admittedThrough: Math.max(room.admittedThrough, ...positions),
      },
      now,
    );
    return {
      eventId,
      drawn,
      admitted: positions.length,
      expiredIdle,
      expiredEnded: expired.length - expiredIdle,
    };
  });
  if (step && (step.drawn !== undefined || step.admitted > 0 || step.expiredIdle + step.expiredEnded > 0))
    deps.queueUpdates?.lineMoved(eventId);
  return step;
}

/** One admission step of every room that is admitting. */
export async function admitFromAllQueues(deps: WaitingRoomDeps): Promise<AdmissionStep[]> {
  const steps: AdmissionStep[] = [];
  for (const eventId of await repository.findAdmittingRooms(deps.db.orm, deps.clock.now())) {
    const step = await admitFromQueue(deps, eventId);
    if (step) steps.push(step);
  }
  return steps;
}

/**
 * Switches the room of every event with at least `autoEnableHolds` live holds on, at the
 * automatic rate, recording and logging the switch. Holds already made stay valid; new ones
 * need an admission.
 */
export async function autoEnableWaitingRooms(deps: WaitingRoomDeps): Promise<string[]> {
  const threshold = deps.queue.autoEnableHolds;
  if (threshold <= 0) return [];
  const busy = await repository.findBusyEventsWithoutRoom(deps.db.orm, threshold);
  for (const { eventId, activeHolds } of busy) {
    const reason = `${activeHolds} live holds reached the threshold of ${threshold}`;
    await configureWaitingRoom(
      deps,
      eventId,
      { enabled: true, admitPerMinute: deps.queue.autoAdmitPerMinute, onSaleAt: null },
      'auto',
      reason,
    );
    deps.logger.warn({ eventId, activeHolds, threshold }, 'waiting room switched on automatically');
  }
  return busy.map((event) => event.eventId);
}

// ---------------------------------------------------------------- switching a running room

/**
 * Switches an event's room off or on during a sale (an admin, or the end of an automatic
 * rush). Off: everyone still waiting is admitted at once, so their pages move on to the seat
 * map, and holds stop asking for a Queue-Token (holds made with one stay bought with it).
 * On: new arrivals queue in arrival order at `admitPerMinute`. Recorded with who and why.
 */
export async function switchWaitingRoom(
  deps: WaitingRoomDeps,
  eventId: string,
  change: { enabled: boolean; admitPerMinute?: number | undefined; reason: string },
  by: { source: 'admin' | 'auto'; userId?: string | undefined },
): Promise<{ room: WaitingRoomView; admittedAtOnce: number }> {
  const outcome = await deps.db.transaction(async (tx) => {
    if (!(await repository.findInventory(tx, eventId))) throw new EventNotOnSaleError();
    const before = await repository.lockWaitingRoom(tx, eventId);
    const now = deps.clock.now();
    if (!change.enabled && !before?.enabled) {
      // Nothing to switch off: answered as it is, nothing recorded.
      return { room: before, admittedAtOnce: 0, changed: false };
    }
    const admitPerMinute = change.admitPerMinute ?? before?.admitPerMinute ?? deps.queue.autoAdmitPerMinute;
    const { after } = await repository.upsertWaitingRoom(
      tx,
      {
        eventId,
        enabled: change.enabled,
        admitPerMinute,
        source: by.source,
        onSaleAt: before?.onSaleAt ?? null,
      },
      now,
    );
    let admittedAtOnce = 0;
    if (!change.enabled) {
      admittedAtOnce = await repository.admitEveryoneWaiting(
        tx,
        eventId,
        now,
        new Date(now.getTime() + deps.queue.admissionSeconds * 1000),
      );
      await repository.updateAdmissionState(
        tx,
        eventId,
        {
          allowance: 0,
          allowanceAt: now,
          admittedThrough: Math.max(after.admittedThrough, after.lastPosition),
        },
        now,
      );
    }
    const changed =
      !before || before.enabled !== after.enabled || before.admitPerMinute !== after.admitPerMinute;
    if (changed)
      await repository.insertWaitingRoomChange(tx, {
        id: newId(),
        eventId,
        enabled: change.enabled,
        admitPerMinute,
        source: by.source,
        reason: change.reason,
        changedAt: now,
        changedBy: by.userId ?? null,
      });
    return { room: (await repository.findWaitingRoom(tx, eventId))!, admittedAtOnce, changed };
  });
  deps.openRooms?.delete(eventId);
  if (outcome.changed) {
    deps.queueUpdates?.lineMoved(eventId);
    deps.logger.warn(
      {
        eventId,
        enabled: change.enabled,
        admittedAtOnce: outcome.admittedAtOnce,
        ...by,
        reason: change.reason,
      },
      change.enabled
        ? 'waiting room switched on during the sale'
        : 'waiting room switched off during the sale',
    );
  }
  const room: WaitingRoomView = outcome.room
    ? toWaitingRoomView(outcome.room)
    : { eventId, enabled: false, admitPerMinute: 0, source: 'event', onSaleAt: null, drawnAt: null };
  return { room, admittedAtOnce: outcome.admittedAtOnce };
}

/**
 * Switches off the rooms the hold threshold switched on once their rush is over: nobody in
 * line, live holds under TICKET_QUEUE_AUTO_DISABLE_HOLDS, and on for at least the idle time
 * (so a room does not flap off in the lull right after switching on).
 */
export async function autoDisableWaitingRooms(deps: WaitingRoomDeps): Promise<string[]> {
  if (deps.queue.autoEnableHolds <= 0) return [];
  const below = deps.queue.autoDisableHolds;
  const onSince = new Date(deps.clock.now().getTime() - deps.queue.idleSeconds * 1000);
  const calm = await repository.findCalmAutoRooms(deps.db.orm, below, onSince);
  for (const { eventId, activeHolds } of calm) {
    await switchWaitingRoom(
      deps,
      eventId,
      {
        enabled: false,
        reason: `the rush is over: nobody waiting and ${activeHolds} live holds (under ${below})`,
      },
      { source: 'auto' },
    );
  }
  return calm.map((room) => room.eventId);
}

// ---------------------------------------------------------------- the Queue-Token

/**
 * Whether a hold of this event needs an admission, and if so whose: checks the token's
 * signature, expiry, user, event and that its place's admission still holds. Returns the
 * place and the end of its admission, or undefined when the event has no enabled waiting room.
 */
export async function requireAdmission(
  deps: Pick<WaitingRoomDeps, 'db' | 'clock' | 'queue' | 'admissions'>,
  userId: string,
  eventId: string,
  token: string | undefined,
): Promise<{ placeId: string; admissionEndsAt: Date } | undefined> {
  const room = await repository.findWaitingRoom(deps.db.orm, eventId);
  if (!room?.enabled) return undefined;
  const admission = await verifyAdmission(deps, userId, eventId, token);
  return { placeId: admission.placeId, admissionEndsAt: new Date(admission.expiresAt) };
}

/** The admission a token proves for this user and event; 403 with a code saying why not. */
export async function verifyAdmission(
  deps: Pick<WaitingRoomDeps, 'db' | 'clock' | 'queue' | 'admissions'>,
  userId: string,
  eventId: string,
  token: string | undefined,
): Promise<VerifiedAdmission> {
  if (!token?.trim()) throw queueAdmissionRequired(eventId);
  const claims = await deps.admissions.verify(token.trim());
  if (claims.userId !== userId)
    throw new QueueAdmissionError('queue_token_other_user', 'The admission token was issued to another user');
  if (claims.eventId !== eventId)
    throw new QueueAdmissionError('queue_token_other_event', 'The admission token is for another event', {
      tokenEventId: claims.eventId,
    });
  const place = await repository.findQueuePlace(deps.db.orm, claims.placeId);
  const now = deps.clock.now();
  if (
    !place ||
    effectiveStatus(place, deps.queue, now).status !== 'ADMITTED' ||
    // A token of an earlier admission of the same place (it expired and queued again).
    Math.floor(place.admittedAt!.getTime() / 1000) !== claims.admittedAt.getTime() / 1000
  )
    throw new QueueAdmissionError(
      'queue_place_expired',
      'The queue place of this token has expired (no hold was made in time, or the admission ended); join the queue again',
    );
  return { placeId: place.id, userId, eventId, expiresAt: claims.expiresAt.toISOString() };
}

/** Inside the hold's transaction: the place is in use from now on (no longer idle). */
export async function markAdmissionUsed(
  deps: Pick<WaitingRoomDeps, 'clock' | 'queue'>,
  tx: Executor,
  placeId: string,
  now: Date,
): Promise<void> {
  const idleBefore = new Date(now.getTime() - deps.queue.idleSeconds * 1000);
  if (!(await repository.markPlaceHolding(tx, placeId, idleBefore, now)))
    throw new QueueAdmissionError(
      'queue_place_expired',
      'The queue place of this token has expired (no hold was made in time, or the admission ended); join the queue again',
    );
}

// ---------------------------------------------------------------- the worker

/** Spent challenges are cleared at most this often. */
const CHALLENGE_CLEANUP_MS = 60_000;

/**
 * Every interval: switches rooms on where holds pile up, runs an admission step of every
 * admitting room, and now and then forgets spent challenges that have expired anyway.
 */
export function waitingRoomWorker(
  deps: WaitingRoomDeps,
  intervalMs: number,
  logger: Logger,
  onStep: (step: AdmissionStep) => void = () => undefined,
): PeriodicTask {
  let cleanedAt = 0;
  return new PeriodicTask('waiting-room admission', intervalMs, logger, async () => {
    await autoEnableWaitingRooms(deps);
    await autoDisableWaitingRooms(deps);
    for (const step of await admitFromAllQueues(deps)) onStep(step);
    const now = deps.clock.now();
    if (Math.abs(now.getTime() - cleanedAt) >= CHALLENGE_CLEANUP_MS) {
      await repository.deleteExpiredChallenges(deps.db.orm, now);
      cleanedAt = now.getTime();
    }
  });
}
