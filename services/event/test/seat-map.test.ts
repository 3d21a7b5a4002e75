// The seat-map generator and the venue layout, as pure functions: an organizer describes
// sections by rows and seats per row and gets every seat placed, labelled and in bounds.
import { describe, expect, it } from 'vitest';
import { SeatMapError } from '../src/errors.js';
import {
  generateSection,
  MARGIN,
  MAX_SEATS_PER_EVENT,
  planVenue,
  ROW_PITCH,
  rowLabel,
  SEAT_PITCH,
  SECTION_GAP,
} from '../src/seat-map.js';

function expectInBounds(layout: ReturnType<typeof generateSection>) {
  const outside = layout.seats.filter(
    (seat) => seat.x < 0 || seat.y < 0 || seat.x > layout.width || seat.y > layout.height,
  );
  expect(outside).toEqual([]);
}

describe('the section generator', () => {
  const shapes = [
    { rows: 1, seatsPerRow: 1 },
    { rows: 1, seatsPerRow: 40 },
    { rows: 26, seatsPerRow: 30 },
    { rows: 30, seatsPerRow: 12, curve: 0.5 },
    { rows: 12, seatsPerRow: 50, curve: 1 },
    { rows: 200, seatsPerRow: 500, curve: 0.25 },
  ];

  it.each(shapes)(
    'lays out $rows x $seatsPerRow (curve $curve): every seat once, labelled once, in bounds',
    (shape) => {
      const layout = generateSection(shape);
      expect(layout.seats).toHaveLength(shape.rows * shape.seatsPerRow);
      const labels = new Set(layout.seats.map((seat) => `${seat.row}-${seat.number}`));
      expect(labels.size).toBe(layout.seats.length);
      const positions = new Set(layout.seats.map((seat) => `${seat.x},${seat.y}`));
      expect(positions.size).toBe(layout.seats.length);
      expectInBounds(layout);
      expect(Math.min(...layout.seats.slice(0, 1000).map((seat) => seat.x))).toBeGreaterThanOrEqual(
        MARGIN - 0.01,
      );
    },
  );

  it('names rows A to Z, then AA, AB…, or by number, and numbers seats from 1 on the left', () => {
    expect([0, 1, 25, 26, 27, 51, 52, 701, 702].map((index) => rowLabel(index))).toEqual([
      'A',
      'B',
      'Z',
      'AA',
      'AB',
      'AZ',
      'BA',
      'ZZ',
      'AAA',
    ]);
    const layout = generateSection({ rows: 28, seatsPerRow: 3, rowLabels: 'letters' });
    expect([...new Set(layout.seats.map((seat) => seat.row))].slice(-3)).toEqual(['Z', 'AA', 'AB']);
    const numbered = generateSection({ rows: 3, seatsPerRow: 2, rowLabels: 'numbers' });
    expect(numbered.seats.map((seat) => `${seat.row}/${seat.number}`)).toEqual([
      '1/1',
      '1/2',
      '2/1',
      '2/2',
      '3/1',
      '3/2',
    ]);
    const firstRow = layout.seats.filter((seat) => seat.row === 'A');
    expect(firstRow.map((seat) => seat.number)).toEqual(['1', '2', '3']);
    expect(firstRow[0]!.x).toBeLessThan(firstRow[2]!.x);
  });

  it('keeps straight rows on a grid: one seat pitch apart, one row pitch behind each other', () => {
    const layout = generateSection({ rows: 3, seatsPerRow: 4 });
    expect(layout.width).toBe(2 * MARGIN + 3 * SEAT_PITCH);
    expect(layout.height).toBe(2 * MARGIN + 2 * ROW_PITCH);
    expect(layout.seats[0]).toEqual({ row: 'A', number: '1', x: MARGIN, y: MARGIN });
    expect(layout.seats[11]).toEqual({
      row: 'C',
      number: '4',
      x: MARGIN + 3 * SEAT_PITCH,
      y: MARGIN + 2 * ROW_PITCH,
    });
  });

  it('bends curved rows around the stage: the ends of a row come forward, rows stay apart and symmetric', () => {
    const layout = generateSection({ rows: 5, seatsPerRow: 21, curve: 0.8 });
    const row = (label: string) => layout.seats.filter((seat) => seat.row === label);
    for (const label of ['A', 'C', 'E']) {
      const seats = row(label);
      const middle = seats[10]!;
      expect(seats[0]!.y).toBeLessThan(middle.y);
      expect(seats[20]!.y).toBeLessThan(middle.y);
      expect(seats[0]!.y).toBeCloseTo(seats[20]!.y, 1);
      expect(middle.x - seats[0]!.x).toBeCloseTo(seats[20]!.x - middle.x, 1);
    }
    expect(row('B')[10]!.y - row('A')[10]!.y).toBeCloseTo(ROW_PITCH, 1);
    // Neighbours in the front row stay one seat pitch apart along the arc.
    const front = row('A');
    const gap = Math.hypot(front[1]!.x - front[0]!.x, front[1]!.y - front[0]!.y);
    expect(gap).toBeGreaterThan(SEAT_PITCH * 0.95);
    expect(gap).toBeLessThan(SEAT_PITCH * 1.05);
  });

  it('refuses a section without rows or seats', () => {
    expect(() => generateSection({ rows: 0, seatsPerRow: 10 })).toThrow(RangeError);
    expect(() => generateSection({ rows: 2, seatsPerRow: 1.5 })).toThrow(RangeError);
  });
});

describe('the venue layout', () => {
  it('stacks sections top to bottom, centred, with prices falling back to the base price', () => {
    const venue = planVenue(
      [
        { name: 'Stalls', rows: 10, seatsPerRow: 20, category: 'STANDARD', price: 5000 },
        { name: 'Balcony', rows: 3, seatsPerRow: 10, curve: 0.5 },
      ],
      3000,
    );
    expect(venue.seats).toHaveLength(230);
    const [stalls, balcony] = venue.sections;
    expect(stalls).toMatchObject({
      name: 'Stalls',
      originX: 0,
      originY: 0,
      layout: 'GENERATED',
      price: 5000,
    });
    expect(balcony).toMatchObject({ category: 'STANDARD', price: 3000, curve: 0.5 });
    expect(balcony!.originY).toBe(stalls!.height + SECTION_GAP);
    expect(balcony!.originX).toBeCloseTo((stalls!.width - balcony!.width) / 2, 1);
    const balconySeats = venue.seats.filter((seat) => seat.sectionIndex === 1);
    expect(balconySeats.every((seat) => seat.price === 3000 && seat.y >= balcony!.originY)).toBe(true);
    expect(venue.seats[0]!.label).toBe('Stalls · Row A · Seat 1');
    expect(new Set(venue.seats.map((seat) => seat.label)).size).toBe(230);
  });

  it('takes explicit seats with their own coordinates, categories, prices and accessibility', () => {
    const venue = planVenue(
      [
        {
          name: 'Boxes',
          category: 'BOX',
          price: 9000,
          x: 500,
          y: 40,
          seats: [
            { row: 'A', number: '1', x: 0, y: 0, accessibility: ['WHEELCHAIR'] },
            { row: 'A', number: '2', x: 10, y: 0, price: 12000, category: 'ROYAL', label: 'Royal box' },
          ],
        },
      ],
      undefined,
    );
    expect(venue.seats).toEqual([
      expect.objectContaining({
        row: 'A',
        number: '1',
        x: 500,
        y: 40,
        category: 'BOX',
        price: 9000,
        accessibility: ['WHEELCHAIR'],
      }),
      expect.objectContaining({
        label: 'Royal box',
        x: 510,
        category: 'ROYAL',
        price: 12000,
        accessibility: [],
      }),
    ]);
    expect(venue.sections[0]).toMatchObject({ layout: 'EXPLICIT', width: 10 + MARGIN, rowCount: null });
  });

  it('marks accessible seats of a generated section, a whole row or some seats', () => {
    const venue = planVenue(
      [
        {
          name: 'Stalls',
          rows: 3,
          seatsPerRow: 6,
          price: 1000,
          accessibility: [
            { row: 'A', seats: [1, 6], flags: ['WHEELCHAIR', 'COMPANION'] },
            { row: 'C', flags: ['HEARING_LOOP'] },
          ],
        },
      ],
      undefined,
    );
    const flagged = venue.seats.filter((seat) => seat.accessibility.length > 0);
    expect(flagged.map((seat) => `${seat.row}${seat.number}`)).toEqual([
      'A1',
      'A6',
      'C1',
      'C2',
      'C3',
      'C4',
      'C5',
      'C6',
    ]);
    expect(flagged[0]!.accessibility).toEqual(['WHEELCHAIR', 'COMPANION']);
  });

  const refusals: [string, Parameters<typeof planVenue>[0], string][] = [
    [
      'two sections with one name',
      [
        { name: 'A', rows: 1, seatsPerRow: 1 },
        { name: 'a', rows: 1, seatsPerRow: 1 },
      ],
      'venue.sections.1.name',
    ],
    ['a section with neither rows nor seats', [{ name: 'A' }], 'venue.sections.0'],
    [
      'a section with both',
      [{ name: 'A', rows: 1, seatsPerRow: 1, seats: [{ row: 'A', number: '1', x: 0, y: 0 }] }],
      'venue.sections.0',
    ],
    ['rows without seats per row', [{ name: 'A', rows: 3 }], 'venue.sections.0.seatsPerRow'],
    [
      'a seat listed twice',
      [
        {
          name: 'A',
          seats: [
            { row: 'A', number: '1', x: 0, y: 0 },
            { row: 'A', number: '1', x: 10, y: 0 },
          ],
        },
      ],
      'venue.sections.0.seats.1',
    ],
    [
      'an accessible row that does not exist',
      [{ name: 'A', rows: 2, seatsPerRow: 2, accessibility: [{ row: 'Q', flags: ['WHEELCHAIR'] }] }],
      'venue.sections.0.accessibility.0.row',
    ],
    [
      'an accessible seat beyond the row',
      [
        {
          name: 'A',
          rows: 2,
          seatsPerRow: 2,
          accessibility: [{ row: 'A', seats: [3], flags: ['WHEELCHAIR'] }],
        },
      ],
      'venue.sections.0.accessibility.0.seats',
    ],
    [
      'more seats than an event may have',
      [
        { name: 'A', rows: 200, seatsPerRow: 500 },
        { name: 'B', rows: 1, seatsPerRow: 1 },
      ],
      'venue.sections',
    ],
  ];

  it.each(refusals)('refuses %s, naming the field', (_story, sections, field) => {
    let error: unknown;
    try {
      planVenue(sections, 1000);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SeatMapError);
    expect((error as SeatMapError).extras.field).toBe(field);
    expect((error as SeatMapError).status).toBe(400);
  });

  it('needs a price for every seat: the section’s own or the base price', () => {
    expect(() => planVenue([{ name: 'A', rows: 1, seatsPerRow: 1 }], undefined)).toThrow(
      /venue.sections.0.price/,
    );
    expect(MAX_SEATS_PER_EVENT).toBe(100_000);
  });
});
