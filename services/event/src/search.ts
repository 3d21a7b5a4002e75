// Finding events: full-text search with typo tolerance, filters, sorting and cursor pages.
// The public sees published events; organizers also list their own drafts and cancelled
// events, admins everyone's. Public results are cached (cache-aside) and shown with live counts.
import { createHash } from 'node:crypto';
import type { Executor, Identity } from '@ticketing/platform';
import { availabilityOf } from './availability.js';
import type { CatalogueDeps } from './catalogue.js';
import {
  InvalidCursorError,
  InvalidFilterError,
  MineNeedsSignInError,
  RestrictedListingError,
} from './errors.js';
import { present, type SummaryRecord, toSummaryRecord } from './event-views.js';
import { isAdmin } from './ownership.js';
import * as repository from './repository.js';
import type { EventPage, EventSearchQuery, EventSort } from './schema.js';

export interface SearchDeps extends CatalogueDeps {
  search: {
    /** Where pg_trgm is installed; null turns typo tolerance off. */
    trigramSchema: string | null;
    /** Word similarity (0–1) above which a word counts as a typo of another. */
    similarity: number;
  };
}

interface Scope {
  lifecycles?: string[];
  endsAfter?: Date;
  inactiveAt?: Date;
  organizerId?: string;
  /** Whether the answer is the same for everyone, and so may be cached. */
  shared: boolean;
}

const RESTRICTED = new Set(['DRAFT', 'CANCELLED', 'INACTIVE']);

/**
 * Who sees what: without `status` the public sees ACTIVE events (published, not over);
 * PUBLISHED includes past ones. Drafts, cancelled and inactive events are listed for their
 * organizer (or, for admins, anyone's); `mine=true` lists all of the caller's own events.
 */
function scopeOf(actor: Identity | undefined, query: EventSearchQuery, now: Date): Scope {
  const status = query.status;
  const restricted = status !== undefined && RESTRICTED.has(status);
  let organizerId = query.organizerId;
  if (query.mine) {
    if (!actor) throw new MineNeedsSignInError();
    organizerId = actor.userId;
  } else if (restricted) {
    if (!actor) throw new RestrictedListingError(status, false);
    if (!isAdmin(actor) && !actor.roles.includes('ORGANIZER')) throw new RestrictedListingError(status, true);
    if (!isAdmin(actor)) organizerId = actor.userId;
  }
  const shared = !query.mine && !restricted;
  switch (status) {
    case undefined:
      return query.mine
        ? { organizerId, shared }
        : { lifecycles: ['PUBLISHED'], endsAfter: now, organizerId, shared };
    case 'ACTIVE':
      return { lifecycles: ['PUBLISHED'], endsAfter: now, organizerId, shared };
    case 'INACTIVE':
      return { inactiveAt: now, organizerId, shared };
    default:
      return { lifecycles: [status], organizerId, shared };
  }
}

const DAY_MS = 86_400_000;
const isDateOnly = (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value);

/** `from` and `to` are inclusive; a date without a time means that whole day (UTC). */
function startRange(query: EventSearchQuery): { startsFrom?: Date; startsBefore?: Date } {
  const startsFrom = query.from ? new Date(query.from) : undefined;
  const startsBefore = query.to
    ? new Date(new Date(query.to).getTime() + (isDateOnly(query.to) ? DAY_MS : 1))
    : undefined;
  if (startsFrom && startsBefore && startsBefore.getTime() <= startsFrom.getTime())
    throw new InvalidFilterError('to', 'to must not be before from');
  return { startsFrom, startsBefore };
}

interface Cursor {
  /** Fingerprint of the sort and filters the cursor belongs to. */
  f: string;
  v: string | number;
  s?: string;
  i: string;
}

const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url');

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A cursor this listing handed out: same fingerprint, and values of the sort's types (never fed raw to SQL). */
function decodeCursor(raw: string, fingerprint: string, sort: EventSort): Cursor {
  let cursor: Cursor | undefined;
  try {
    cursor = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Cursor;
  } catch {
    // not base64 JSON: the same answer as a cursor of another listing
  }
  const valueFits =
    sort === 'relevance'
      ? typeof cursor?.v === 'string' &&
        /^-?\d{1,6}(\.\d{1,6})?$/.test(cursor.v) &&
        ISO_INSTANT.test(cursor.s ?? '')
      : sort.endsWith('price')
        ? Number.isSafeInteger(cursor?.v)
        : typeof cursor?.v === 'string' && ISO_INSTANT.test(cursor.v);
  if (cursor?.f === fingerprint && typeof cursor.i === 'string' && UUID.test(cursor.i) && valueFits)
    return cursor;
  throw new InvalidCursorError();
}

export async function searchEvents(
  deps: SearchDeps,
  actor: Identity | undefined,
  query: EventSearchQuery,
): Promise<EventPage> {
  const now = deps.clock.now();
  const scope = scopeOf(actor, query, now);
  const range = startRange(query);
  if (query.minPrice !== undefined && query.maxPrice !== undefined && query.minPrice > query.maxPrice)
    throw new InvalidFilterError('maxPrice', 'maxPrice must not be below minPrice');
  const text = query.q?.trim() || undefined;
  const sort: EventSort =
    query.sort === 'relevance' && !text ? 'date' : (query.sort ?? (text ? 'relevance' : 'date'));
  const limit = query.limit ?? 20;
  const { cursor: rawCursor, limit: _limit, ...shape } = query;
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ ...shape, sort, organizerId: scope.organizerId }))
    .digest('base64url')
    .slice(0, 16);
  const after = rawCursor ? decodeCursor(rawCursor, fingerprint, sort) : undefined;

  // Shared listings may be read on the replica once it has replayed `position` (the WAL position
  // of the listings' last change); an organizer's own listing reads the primary, so a change
  // they just made is always in it.
  const load = async (position?: string): Promise<{ items: SummaryRecord[]; nextCursor: string | null }> => {
    const search = (orm: Executor) =>
      repository.searchEvents(orm, {
        text,
        trigramSchema: deps.search.trigramSchema,
        similarity: deps.search.similarity,
        types: query.type,
        category: query.category,
        tag: query.tag,
        city: query.city?.trim(),
        ...range,
        minPrice: query.minPrice,
        maxPrice: query.maxPrice,
        currency: query.currency,
        lifecycles: scope.lifecycles,
        endsAfter: scope.endsAfter,
        inactiveAt: scope.inactiveAt,
        organizerId: scope.organizerId,
        sort,
        after: after && { value: after.v, startsAt: after.s, id: after.i },
        limit: limit + 1,
      });
    const rows =
      position === undefined ? await search(deps.db.orm) : await deps.db.reads.read(search, position);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    let nextCursor: string | null = null;
    if (rows.length > limit && last) {
      const value =
        sort === 'relevance'
          ? last.relevance
          : sort.endsWith('price')
            ? last.minPrice
            : last.startsAt.toISOString();
      nextCursor = encodeCursor({
        f: fingerprint,
        v: value,
        ...(sort === 'relevance' && { s: last.startsAt.toISOString() }),
        i: last.id,
      });
    }
    return { items: page.map(toSummaryRecord), nextCursor };
  };

  const result = scope.shared ? await deps.cache.listing({ ...query, sort, limit }, load) : await load();
  const published = result.items.filter((item) => item.lifecycle === 'PUBLISHED').map((item) => item.id);
  const availability = await availabilityOf(deps, published);
  return {
    items: result.items.map((item) => present(item, now, availability.get(item.id))),
    nextCursor: result.nextCursor,
  };
}
