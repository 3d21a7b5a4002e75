// Seat maps: the generator that lays a section out from rows x seats per row (straight, or
// bent around the stage by `curve`), and the venue layout that places sections one below the
// other and turns explicit seat lists into the same shape. Pure functions: no ids, no I/O.
import { PriceRequiredError, SeatMapError } from './errors.js';
import type { ExplicitSeatInput, SectionInput } from './schema.js';

/** Centre-to-centre distance of two seats in a row, in drawing units. */
export const SEAT_PITCH = 10;
/** Distance between two rows. */
export const ROW_PITCH = 12;
/** Free space around the seats of a section. */
export const MARGIN = 5;
/** Vertical space between two sections placed automatically. */
export const SECTION_GAP = 20;
/** A curve of 1 bends each row through this angle (120°), like an amphitheatre. */
export const MAX_ARC = (2 * Math.PI) / 3;
/** The most seats one event may have (the ticket service's inventory limit is higher). */
export const MAX_SEATS_PER_EVENT = 100_000;

export const ACCESSIBILITY_FLAGS = ['WHEELCHAIR', 'COMPANION', 'STEP_FREE', 'HEARING_LOOP'] as const;
export type AccessibilityFlag = (typeof ACCESSIBILITY_FLAGS)[number];
export type RowLabelStyle = 'letters' | 'numbers';

export interface LaidOutSeat {
  row: string;
  number: string;
  /** Relative to the section's top-left corner; 0 ≤ x ≤ width, 0 ≤ y ≤ height. */
  x: number;
  y: number;
}

export interface SectionLayout {
  seats: LaidOutSeat[];
  width: number;
  height: number;
}

export interface GeneratorSpec {
  rows: number;
  seatsPerRow: number;
  /** 0 (straight rows, the default) to 1 (rows bent through 120° around the stage). */
  curve?: number;
  rowLabels?: RowLabelStyle;
}

/** Row names as venues print them: A…Z, AA, AB… (or 1, 2, 3…). */
export function rowLabel(index: number, style: RowLabelStyle = 'letters'): string {
  if (style === 'numbers') return String(index + 1);
  let label = '';
  for (let rest = index + 1; rest > 0; rest = Math.floor((rest - 1) / 26)) {
    label = String.fromCharCode(65 + ((rest - 1) % 26)) + label;
  }
  return label;
}

const round = (value: number) => Math.round(value * 100) / 100;

/** Smallest and largest of a long list (spreading 100 000 values into Math.min overflows the stack). */
function extent(values: number[]): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const value of values) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return { min, max };
}

/**
 * Lays out rows x seatsPerRow seats, numbered 1… from the left, row A nearest the stage (top).
 * With a curve, rows are concentric arcs around a point beyond the stage: the front row keeps
 * the straight row's length and every row behind it is one ROW_PITCH further out.
 */
export function generateSection(spec: GeneratorSpec): SectionLayout {
  const { rows, seatsPerRow } = spec;
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(seatsPerRow) || seatsPerRow < 1) {
    throw new RangeError('rows and seatsPerRow must be positive integers');
  }
  const curve = Math.min(1, Math.max(0, spec.curve ?? 0));
  const arc = curve * MAX_ARC;
  const raw: LaidOutSeat[] = [];
  for (let rowIndex = 0; rowIndex < rows; rowIndex++) {
    const row = rowLabel(rowIndex, spec.rowLabels);
    for (let seatIndex = 0; seatIndex < seatsPerRow; seatIndex++) {
      let x: number;
      let y: number;
      if (arc === 0 || seatsPerRow === 1) {
        x = seatIndex * SEAT_PITCH;
        y = rowIndex * ROW_PITCH;
      } else {
        const frontRadius = ((seatsPerRow - 1) * SEAT_PITCH) / arc;
        const radius = frontRadius + rowIndex * ROW_PITCH;
        const angle = -arc / 2 + (seatIndex * arc) / (seatsPerRow - 1);
        x = radius * Math.sin(angle);
        y = radius * Math.cos(angle);
      }
      raw.push({ row, number: String(seatIndex + 1), x, y });
    }
  }
  return normalise(raw);
}

/** Moves seats so the top-left one is MARGIN from the corner and measures the section. */
function normalise(seats: LaidOutSeat[]): SectionLayout {
  const minX = extent(seats.map((seat) => seat.x)).min;
  const minY = extent(seats.map((seat) => seat.y)).min;
  const placed = seats.map((seat) => ({
    ...seat,
    x: round(seat.x - minX + MARGIN),
    y: round(seat.y - minY + MARGIN),
  }));
  return measure(placed);
}

export interface PlannedSection {
  name: string;
  category: string;
  price: number;
  layout: 'GENERATED' | 'EXPLICIT';
  rowCount: number | null;
  seatsPerRow: number | null;
  curve: number | null;
  rowLabels: RowLabelStyle | null;
  originX: number;
  originY: number;
  width: number;
  height: number;
}

export interface PlannedSeat {
  sectionIndex: number;
  row: string;
  number: string;
  label: string;
  category: string;
  price: number;
  /** In venue coordinates (the section's origin added). */
  x: number;
  y: number;
  accessibility: AccessibilityFlag[];
}

export interface PlannedVenue {
  sections: PlannedSection[];
  seats: PlannedSeat[];
}

export const DEFAULT_CATEGORY = 'STANDARD';

export const seatLabel = (section: string, row: string, number: string) =>
  `${section} · Row ${row} · Seat ${number}`;

/** Identifies a seat across edits of the venue, so an unchanged seat keeps its id. */
export const seatKey = (section: string, row: string, number: string) =>
  `${section}\u0000${row}\u0000${number}`;

/**
 * Turns the organizer's sections into placed sections and seats. Prices fall back to the
 * event's base price; sections without coordinates are stacked top to bottom and centred.
 * Throws SeatMapError naming the field (`venue.sections.2.seats.14.number`) on bad input.
 */
export function planVenue(inputs: SectionInput[], basePrice: number | undefined): PlannedVenue {
  // Counted before anything is laid out, so an oversized request costs nothing.
  const total = inputs.reduce(
    (sum, input) => sum + (input.seats?.length ?? (input.rows ?? 0) * (input.seatsPerRow ?? 0)),
    0,
  );
  if (total > MAX_SEATS_PER_EVENT)
    throw new SeatMapError(
      'venue.sections',
      `venue.sections hold ${total} seats; an event may have at most ${MAX_SEATS_PER_EVENT}`,
      'too_many_seats',
    );
  const names = new Set<string>();
  const laidOut = inputs.map((input, index) => {
    const field = `venue.sections.${index}`;
    const name = input.name.trim();
    if (names.has(name.toLowerCase()))
      throw new SeatMapError(`${field}.name`, `${field}.name "${name}" is used by another section`);
    names.add(name.toLowerCase());
    const price = input.price ?? basePrice;
    if (price === undefined) throw new PriceRequiredError(`${field}.price`);
    const generated = input.rows !== undefined || input.seatsPerRow !== undefined;
    if (generated && input.seats !== undefined)
      throw new SeatMapError(
        field,
        `${field} must give either rows and seatsPerRow or a seats list, not both`,
      );
    if (!generated && input.seats === undefined)
      throw new SeatMapError(field, `${field} needs rows and seatsPerRow, or a seats list`);
    if (generated && (input.rows === undefined || input.seatsPerRow === undefined)) {
      const missing = input.rows === undefined ? 'rows' : 'seatsPerRow';
      throw new SeatMapError(
        `${field}.${missing}`,
        `${field}.${missing} is required to generate the section`,
      );
    }
    const category = input.category?.trim() || DEFAULT_CATEGORY;
    const layout = generated
      ? generateSection({
          rows: input.rows!,
          seatsPerRow: input.seatsPerRow!,
          curve: input.curve,
          rowLabels: input.rowLabels,
        })
      : explicitLayout(input.seats!, field);
    const flags = generated ? accessibilityOf(input, layout, field) : undefined;
    const seats = layout.seats.map((seat, seatIndex) => {
      const explicit = generated ? undefined : input.seats![seatIndex]!;
      return {
        ...seat,
        category: explicit?.category?.trim() || category,
        price: explicit?.price ?? price,
        accessibility: distinct(explicit?.accessibility ?? flags?.get(`${seat.row}/${seat.number}`)),
        label: explicit?.label?.trim() || seatLabel(name, seat.row, seat.number),
      };
    });
    return { input, name, category, price, generated, layout, seats };
  });

  const widest = Math.max(0, ...laidOut.map((section) => section.layout.width));
  let nextY = 0;
  const sections: PlannedSection[] = [];
  const seats: PlannedSeat[] = [];
  for (const [sectionIndex, section] of laidOut.entries()) {
    const originX = section.input.x ?? round((widest - section.layout.width) / 2);
    const originY = section.input.y ?? nextY;
    nextY = Math.max(nextY, originY + section.layout.height + SECTION_GAP);
    sections.push({
      name: section.name,
      category: section.category,
      price: section.price,
      layout: section.generated ? 'GENERATED' : 'EXPLICIT',
      rowCount: section.generated ? section.input.rows! : null,
      seatsPerRow: section.generated ? section.input.seatsPerRow! : null,
      curve: section.generated ? (section.input.curve ?? 0) : null,
      rowLabels: section.generated ? (section.input.rowLabels ?? 'letters') : null,
      originX,
      originY,
      width: section.layout.width,
      height: section.layout.height,
    });
    for (const seat of section.seats) {
      seats.push({
        sectionIndex,
        row: seat.row,
        number: seat.number,
        label: seat.label,
        category: seat.category,
        price: seat.price,
        x: round(originX + seat.x),
        y: round(originY + seat.y),
        accessibility: seat.accessibility,
      });
    }
  }
  return { sections, seats };
}

const distinct = (flags: AccessibilityFlag[] | undefined): AccessibilityFlag[] =>
  flags && flags.length > 0 ? [...new Set(flags)] : [];

/** An explicit seat list, its coordinates relative to the section; duplicates are refused. */
function explicitLayout(seats: ExplicitSeatInput[], field: string): SectionLayout {
  const seen = new Set<string>();
  for (const [index, seat] of seats.entries()) {
    const key = `${seat.row.trim()}/${seat.number.trim()}`;
    if (seen.has(key.toLowerCase()))
      throw new SeatMapError(
        `${field}.seats.${index}`,
        `${field}.seats.${index} repeats row ${seat.row.trim()} seat ${seat.number.trim()}`,
        'duplicate_seat',
      );
    seen.add(key.toLowerCase());
  }
  const placed = seats.map((seat) => ({
    row: seat.row.trim(),
    number: seat.number.trim(),
    x: seat.x,
    y: seat.y,
  }));
  return measure(placed);
}

/** A section's size: its seats plus the margin on the right and below. */
function measure(seats: LaidOutSeat[]): SectionLayout {
  return {
    seats,
    width: round(extent(seats.map((seat) => seat.x)).max + MARGIN),
    height: round(extent(seats.map((seat) => seat.y)).max + MARGIN),
  };
}

/** Which generated seats carry which accessibility flags, keyed `row/number`. */
function accessibilityOf(input: SectionInput, layout: SectionLayout, field: string) {
  const flags = new Map<string, AccessibilityFlag[]>();
  const rows = new Map<string, LaidOutSeat[]>();
  for (const seat of layout.seats) {
    const row = rows.get(seat.row);
    if (row) row.push(seat);
    else rows.set(seat.row, [seat]);
  }
  for (const [index, rule] of (input.accessibility ?? []).entries()) {
    const rowSeats = rows.get(rule.row.trim());
    if (!rowSeats)
      throw new SeatMapError(
        `${field}.accessibility.${index}.row`,
        `${field}.accessibility.${index}.row "${rule.row}" is not a row of this section`,
      );
    const numbers = rule.seats ?? rowSeats.map((seat) => Number(seat.number));
    for (const number of numbers) {
      if (number > rowSeats.length)
        throw new SeatMapError(
          `${field}.accessibility.${index}.seats`,
          `${field}.accessibility.${index}.seats: row ${rule.row} has no seat ${number}`,
        );
      const key = `${rule.row.trim()}/${number}`;
      flags.set(key, [...(flags.get(key) ?? []), ...rule.flags]);
    }
  }
  return flags;
}
