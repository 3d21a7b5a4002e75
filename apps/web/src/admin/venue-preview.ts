// A preview of the seat map the event service will generate from the sections an organizer
// types, drawn while they type. It follows services/event/src/seat-map.ts (seat pitch 10,
// row pitch 12, curved rows as arcs, sections stacked and centred); the service's own layout,
// made on save, is the one buyers see. A section edited seat by seat is a grid of seat
// positions with some left out (aisles, gaps) and some in another category; it is sent as the
// service's explicit seat list, so the preview places those seats exactly where they are.

export interface SectionDraft {
  name: string;
  category: string;
  rows: number;
  seatsPerRow: number;
  curve?: number;
  /** Edited seat by seat: these seats instead of the rows × seats block. */
  seats?: ExplicitSeatDraft[];
}

/** One seat of an explicit section, as the event service takes it (coordinates within the section). */
export interface ExplicitSeatDraft {
  row: string;
  number: string;
  x: number;
  y: number;
  category?: string;
}

/** A rows × seats grid, less the positions left out, some seats in their own category. */
export interface SeatGrid {
  rows: number;
  seatsPerRow: number;
  /** Positions without a seat, as gridKey(row, seat). */
  removed: readonly string[];
  /** Seats whose category is not the section's, by gridKey. */
  categories: Readonly<Record<string, string>>;
}

/** Beyond this many positions a section is not edited seat by seat here (the grid gets unusable). */
export const SEAT_GRID_LIMIT = 2_000;

export const gridKey = (rowIndex: number, seatIndex: number) => `${rowIndex}/${seatIndex}`;

/**
 * The explicit seats of a grid: rows lettered A, B, … and seats numbered by position, so a gap
 * skips a number as an aisle does in a real hall; straight rows at the service's pitch.
 */
export function gridSeats(grid: SeatGrid): ExplicitSeatDraft[] {
  const removed = new Set(grid.removed);
  const seats: ExplicitSeatDraft[] = [];
  for (let rowIndex = 0; rowIndex < grid.rows; rowIndex++)
    for (let seatIndex = 0; seatIndex < grid.seatsPerRow; seatIndex++) {
      const key = gridKey(rowIndex, seatIndex);
      if (removed.has(key)) continue;
      const category = grid.categories[key];
      seats.push({
        row: rowName(rowIndex),
        number: String(seatIndex + 1),
        x: MARGIN + seatIndex * SEAT_PITCH,
        y: MARGIN + rowIndex * ROW_PITCH,
        ...(category && { category }),
      });
    }
  return seats;
}

export interface PreviewSeat {
  section: number;
  row: string;
  number: number;
  x: number;
  y: number;
  category: string;
}

const SEAT_PITCH = 10;
const ROW_PITCH = 12;
const MARGIN = 5;
const SECTION_GAP = 20;
const MAX_ARC = (2 * Math.PI) / 3;
/** Beyond this many seats the preview would be slower than typing; the form says so instead. */
export const PREVIEW_SEAT_LIMIT = 20_000;

export function rowName(index: number): string {
  let label = '';
  for (let rest = index + 1; rest > 0; rest = Math.floor((rest - 1) / 26))
    label = String.fromCharCode(65 + ((rest - 1) % 26)) + label;
  return label;
}

/**
 * The grid an explicit section was made from, when it is one this editor can show: seats on the
 * grid's pitch, rows lettered and seats numbered by position, the section's price throughout, no
 * accessibility flags (which the grid cannot edit). Otherwise undefined, and the section is kept.
 */
export function seatGridFromSeats(
  section: { x: number; y: number; category: string; price: number },
  seats: readonly {
    row: string;
    number: string;
    x: number;
    y: number;
    category: string;
    price: number;
    accessibility: readonly string[];
  }[],
): SeatGrid | undefined {
  if (seats.length === 0) return undefined;
  const placed: { rowIndex: number; seatIndex: number; category: string }[] = [];
  for (const seat of seats) {
    // The service rounds positions: a seat within a hundredth of a grid point is on it.
    const column = (seat.x - section.x - MARGIN) / SEAT_PITCH;
    const line = (seat.y - section.y - MARGIN) / ROW_PITCH;
    const seatIndex = Math.round(column);
    const rowIndex = Math.round(line);
    const onGrid =
      Math.abs(column - seatIndex) < 0.01 &&
      Math.abs(line - rowIndex) < 0.01 &&
      seatIndex >= 0 &&
      rowIndex >= 0 &&
      seat.row === rowName(rowIndex) &&
      seat.number === String(seatIndex + 1);
    if (!onGrid || seat.price !== section.price || seat.accessibility.length > 0) return undefined;
    placed.push({ rowIndex, seatIndex, category: seat.category });
  }
  const rows = Math.max(...placed.map((seat) => seat.rowIndex)) + 1;
  const seatsPerRow = Math.max(...placed.map((seat) => seat.seatIndex)) + 1;
  if (rows * seatsPerRow > SEAT_GRID_LIMIT) return undefined;
  const present = new Set(placed.map((seat) => gridKey(seat.rowIndex, seat.seatIndex)));
  const removed: string[] = [];
  for (let rowIndex = 0; rowIndex < rows; rowIndex++)
    for (let seatIndex = 0; seatIndex < seatsPerRow; seatIndex++)
      if (!present.has(gridKey(rowIndex, seatIndex))) removed.push(gridKey(rowIndex, seatIndex));
  const categories: Record<string, string> = {};
  for (const seat of placed)
    if (seat.category !== section.category)
      categories[gridKey(seat.rowIndex, seat.seatIndex)] = seat.category;
  return { rows, seatsPerRow, removed, categories };
}

function layoutSection(draft: SectionDraft): {
  seats: (Omit<PreviewSeat, 'section' | 'category'> & { category?: string })[];
  width: number;
  height: number;
} {
  if (draft.seats) {
    // As the service places explicit seats: where they are, the section as wide as its last seat.
    if (draft.seats.length === 0) return { seats: [], width: 0, height: 0 };
    const seats = draft.seats.map((seat) => ({
      row: seat.row,
      number: Number(seat.number),
      x: seat.x,
      y: seat.y,
      ...(seat.category && { category: seat.category }),
    }));
    return {
      seats,
      width: Math.max(...seats.map((seat) => seat.x)) + MARGIN,
      height: Math.max(...seats.map((seat) => seat.y)) + MARGIN,
    };
  }
  const arc = Math.min(1, Math.max(0, draft.curve ?? 0)) * MAX_ARC;
  const raw: Omit<PreviewSeat, 'section' | 'category'>[] = [];
  for (let rowIndex = 0; rowIndex < draft.rows; rowIndex++)
    for (let seatIndex = 0; seatIndex < draft.seatsPerRow; seatIndex++) {
      let x = seatIndex * SEAT_PITCH;
      let y = rowIndex * ROW_PITCH;
      if (arc > 0 && draft.seatsPerRow > 1) {
        const radius = ((draft.seatsPerRow - 1) * SEAT_PITCH) / arc + rowIndex * ROW_PITCH;
        const angle = -arc / 2 + (seatIndex * arc) / (draft.seatsPerRow - 1);
        x = radius * Math.sin(angle);
        y = radius * Math.cos(angle);
      }
      raw.push({ row: rowName(rowIndex), number: seatIndex + 1, x, y });
    }
  const minX = Math.min(...raw.map((seat) => seat.x));
  const minY = Math.min(...raw.map((seat) => seat.y));
  const seats = raw.map((seat) => ({ ...seat, x: seat.x - minX + MARGIN, y: seat.y - minY + MARGIN }));
  return {
    seats,
    width: Math.max(...seats.map((seat) => seat.x)) + MARGIN,
    height: Math.max(...seats.map((seat) => seat.y)) + MARGIN,
  };
}

const isComplete = (draft: SectionDraft) =>
  (draft.seats !== undefined && draft.seats.length > 0) ||
  (draft.seats === undefined &&
    Number.isInteger(draft.rows) &&
    draft.rows >= 1 &&
    Number.isInteger(draft.seatsPerRow) &&
    draft.seatsPerRow >= 1);

/** Seats of every complete section, stacked top to bottom and centred on the widest. */
export function previewVenue(drafts: readonly SectionDraft[]): {
  seats: PreviewSeat[];
  width: number;
  height: number;
} {
  const laidOut = drafts
    .map((draft, index) => ({ draft, index }))
    .filter(({ draft }) => isComplete(draft))
    .map(({ draft, index }) => ({ draft, index, layout: layoutSection(draft) }));
  const widest = Math.max(0, ...laidOut.map((section) => section.layout.width));
  const seats: PreviewSeat[] = [];
  let nextY = 0;
  for (const { draft, index, layout } of laidOut) {
    const originX = (widest - layout.width) / 2;
    for (const seat of layout.seats)
      seats.push({
        ...seat,
        section: index,
        category: seat.category || draft.category || 'STANDARD',
        x: originX + seat.x,
        y: nextY + seat.y,
      });
    nextY += layout.height + SECTION_GAP;
  }
  return { seats, width: widest, height: Math.max(0, nextY - SECTION_GAP) };
}

export function seatCount(drafts: readonly SectionDraft[]): number {
  return drafts
    .filter(isComplete)
    .reduce((sum, draft) => sum + (draft.seats?.length ?? draft.rows * draft.seatsPerRow), 0);
}
