// A preview of the seat map the event service will generate from the sections an organizer
// types, drawn while they type. It follows services/event/src/seat-map.ts (seat pitch 10,
// row pitch 12, curved rows as arcs, sections stacked and centred); the service's own layout,
// made on save, is the one buyers see.

export interface SectionDraft {
  name: string;
  category: string;
  rows: number;
  seatsPerRow: number;
  curve?: number;
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

function layoutSection(draft: SectionDraft): {
  seats: Omit<PreviewSeat, 'section' | 'category'>[];
  width: number;
  height: number;
} {
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
  Number.isInteger(draft.rows) &&
  draft.rows >= 1 &&
  Number.isInteger(draft.seatsPerRow) &&
  draft.seatsPerRow >= 1;

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
        category: draft.category || 'STANDARD',
        x: originX + seat.x,
        y: nextY + seat.y,
      });
    nextY += layout.height + SECTION_GAP;
  }
  return { seats, width: widest, height: Math.max(0, nextY - SECTION_GAP) };
}

export function seatCount(drafts: readonly SectionDraft[]): number {
  return drafts.filter(isComplete).reduce((sum, draft) => sum + draft.rows * draft.seatsPerRow, 0);
}
