// The arithmetic of the seat map: the drawing's bounds and seat size, the zoomed and panned
// view box, seat colours and screen-reader names, and live changes applied to the map.
// Pure functions, so they are unit-tested without a browser.

import type { AvailabilityUpdate, SeatMap, SeatMapSeat, TicketStatus } from '../api/types';
import { formatMoney } from '../ui/format';

export interface ViewBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedSeat extends SeatMapSeat {
  section: string;
  row: string;
}

/** Every seat of the map with its section and row, in drawing order. */
export function placedSeats(map: SeatMap): PlacedSeat[] {
  const seats: PlacedSeat[] = [];
  for (const section of map.sections)
    for (const row of section.rows)
      for (const seat of row.seats) seats.push({ ...seat, section: section.name, row: row.name });
  return seats;
}

/** The smallest box around every seat centre, grown by `margin` on each side. */
export function boundsOf(seats: readonly { x: number; y: number }[], margin: number): ViewBox {
  if (seats.length === 0) return { x: 0, y: 0, width: 100, height: 100 };
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const seat of seats) {
    minX = Math.min(minX, seat.x);
    minY = Math.min(minY, seat.y);
    maxX = Math.max(maxX, seat.x);
    maxY = Math.max(maxY, seat.y);
  }
  return {
    x: minX - margin,
    y: minY - margin,
    width: maxX - minX + 2 * margin,
    height: maxY - minY + 2 * margin,
  };
}

/**
 * A seat's radius: a bit under half the distance between neighbours in a row (the median, so
 * one odd gap does not shrink every seat). Maps from the generator have a pitch of 10 units.
 */
export function seatRadius(rows: readonly { seats: readonly { x: number; y: number }[] }[]): number {
  const gaps: number[] = [];
  for (const row of rows)
    for (let index = 1; index < row.seats.length; index++) {
      const a = row.seats[index - 1]!;
      const b = row.seats[index]!;
      const gap = Math.hypot(b.x - a.x, b.y - a.y);
      if (gap > 0) gaps.push(gap);
    }
  if (gaps.length === 0) return 4;
  gaps.sort((a, b) => a - b);
  return Math.max(1, gaps[Math.floor(gaps.length / 2)]! * 0.42);
}

/** The most one may zoom in: this many seat pitches across the screen. */
export const MIN_VIEW_SEATS = 8;

/** Zooms by `factor` (>1 in) keeping `focus` (a drawing point) where it is on screen. */
export function zoomView(
  view: ViewBox,
  factor: number,
  focus: { x: number; y: number },
  full: ViewBox,
  minWidth: number,
): ViewBox {
  const width = clamp(view.width / factor, Math.min(minWidth, full.width), full.width);
  const scale = width / view.width;
  const height = view.height * scale;
  const x = focus.x - (focus.x - view.x) * scale;
  const y = focus.y - (focus.y - view.y) * scale;
  return clampView({ x, y, width, height }, full);
}

/** Moves the view by a drawing-unit offset, never past the drawing's edges. */
export function panView(view: ViewBox, dx: number, dy: number, full: ViewBox): ViewBox {
  return clampView({ ...view, x: view.x + dx, y: view.y + dy }, full);
}

/** Keeps a view inside the drawing (a view as large as the drawing is centred on it). */
export function clampView(view: ViewBox, full: ViewBox): ViewBox {
  const x =
    view.width >= full.width
      ? full.x + (full.width - view.width) / 2
      : clamp(view.x, full.x, full.x + full.width - view.width);
  const y =
    view.height >= full.height
      ? full.y + (full.height - view.height) / 2
      : clamp(view.y, full.y, full.y + full.height - view.height);
  return { ...view, x, y };
}

/** The drawing point under a screen point, for an SVG of `rect` showing `view` (preserveAspectRatio meet). */
export function screenToDrawing(
  view: ViewBox,
  rect: { left: number; top: number; width: number; height: number },
  clientX: number,
  clientY: number,
) {
  const scale = Math.min(rect.width / view.width, rect.height / view.height);
  const offsetX = (rect.width - view.width * scale) / 2;
  const offsetY = (rect.height - view.height * scale) / 2;
  return {
    x: view.x + (clientX - rect.left - offsetX) / scale,
    y: view.y + (clientY - rect.top - offsetY) / scale,
  };
}

/** Drawing units per screen pixel. */
export function unitsPerPixel(view: ViewBox, rect: { width: number; height: number }): number {
  return 1 / Math.min(rect.width / view.width, rect.height / view.height);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

export type Direction = 'left' | 'right' | 'up' | 'down';

/**
 * The seat an arrow key moves to: the nearest one in that direction, preferring seats in line
 * (the same row for left/right) over ones off to the side. Undefined at the edge of the map.
 */
export function nearestSeat<T extends { id: string; x: number; y: number }>(
  seats: readonly T[],
  from: { x: number; y: number },
  direction: Direction,
): T | undefined {
  const horizontal = direction === 'left' || direction === 'right';
  const sign = direction === 'right' || direction === 'down' ? 1 : -1;
  let best: T | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const seat of seats) {
    const along = sign * (horizontal ? seat.x - from.x : seat.y - from.y);
    const across = Math.abs(horizontal ? seat.y - from.y : seat.x - from.x);
    if (along <= 0.5) continue;
    const score = along + across * 3;
    if (score < bestScore) {
      bestScore = score;
      best = seat;
    }
  }
  return best;
}

/** Colours with at least 3:1 contrast against white, one per category in order of price. */
export const CATEGORY_COLOURS = [
  '#b5179e',
  '#1d4ed8',
  '#047857',
  '#b45309',
  '#6d28d9',
  '#be123c',
  '#0e7490',
  '#4d7c0f',
];
/** Grey with 3:1 contrast against the map's background: taken seats stay visible, just not inviting. */
export const UNAVAILABLE_COLOUR = '#8d939b';

/** Categories, dearest first, each with its colour. */
export function categoryColours(seats: readonly { category: string; price: number }[]): Map<string, string> {
  const top = new Map<string, number>();
  for (const seat of seats) top.set(seat.category, Math.max(top.get(seat.category) ?? 0, seat.price));
  const ordered = [...top.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return new Map(
    ordered.map(([category], index) => [category, CATEGORY_COLOURS[index % CATEGORY_COLOURS.length]!]),
  );
}

export const STATUS_WORDS: Record<TicketStatus, string> = {
  AVAILABLE: 'available',
  LOCKED: 'held by another buyer',
  SOLD: 'sold',
  CANCELLED: 'not for sale',
};

/** What a screen reader says for a seat: "Stalls, row B seat 12, VIP, 120.00 EUR, available". */
export function seatAccessibleName(seat: PlacedSeat, currency: string, selected: boolean): string {
  const status = selected ? 'selected' : STATUS_WORDS[seat.status];
  const accessible = seat.accessible ? ', wheelchair accessible' : '';
  return `${seat.section}, row ${seat.row} seat ${seat.number}, ${seat.category}, ${formatMoney(seat.price, currency)}${accessible}, ${status}`;
}

/**
 * Applies a live update to the map: each changed ticket gets its new status, and ticket-type
 * and category counts take the fresh numbers. Returns the same map when nothing changed, so
 * React skips the redraw.
 */
export function applyAvailability(
  map: SeatMap,
  update: Pick<AvailabilityUpdate, 'changes' | 'counts'>,
): SeatMap {
  const byTicket = new Map(update.changes.map((change) => [change.ticketId, change.status]));
  let changed = false;
  const sections = map.sections.map((section) => ({
    ...section,
    rows: section.rows.map((row) => ({
      ...row,
      seats: row.seats.map((seat) => {
        const status = byTicket.get(seat.ticketId);
        if (!status || status === seat.status) return seat;
        changed = true;
        return { ...seat, status };
      }),
    })),
  }));
  const counts = update.counts;
  const ticketTypes = map.ticketTypes.map((type) => {
    const count = counts?.byTicketType?.[type.id];
    if (!count || count.available === type.available) return type;
    changed = true;
    return { ...type, available: count.available };
  });
  const categories = map.categories.map((category) => {
    const count = counts?.byCategory?.[category.name];
    if (!count || count.available === category.available) return category;
    changed = true;
    return { ...category, available: count.available };
  });
  return changed ? { ...map, sections, ticketTypes, categories } : map;
}
