// A section edited seat by seat: the grid becomes the event service's explicit seat list, and
// the stored seats become the same grid again when the draft is opened; seats this grid cannot
// show (another pitch, their own price, accessibility flags) leave the section as it is.
import { describe, expect, test } from 'vitest';
import { gridKey, gridSeats, previewVenue, seatCount, seatGridFromSeats } from '../src/admin/venue-preview';

const grid = {
  rows: 2,
  seatsPerRow: 4,
  removed: [gridKey(1, 1), gridKey(1, 2)],
  categories: { [gridKey(0, 0)]: 'VIP' },
};

/** The seats as the service stores them: placed at the section's origin, positions rounded. */
const stored = (origin: { x: number; y: number }) =>
  gridSeats(grid).map((seat) => ({
    ...seat,
    x: Math.round((origin.x + seat.x) * 100) / 100,
    y: Math.round((origin.y + seat.y) * 100) / 100,
    category: seat.category ?? 'STANDARD',
    price: 4500,
    accessibility: [] as string[],
  }));

describe('a section edited seat by seat', () => {
  test('is sent as its seats: rows lettered, seats numbered by position, gaps skip a number', () => {
    expect(
      gridSeats(grid).map((seat) => `${seat.row}${seat.number}${seat.category ? `:${seat.category}` : ''}`),
    ).toEqual(['A1:VIP', 'A2', 'A3', 'A4', 'B1', 'B4']);
    expect(gridSeats(grid)[0]).toMatchObject({ x: 5, y: 5 });
    expect(gridSeats(grid)[5]).toMatchObject({ x: 35, y: 17 });
  });

  test('previews its seats where they are, each in its category', () => {
    const drafts = [
      { name: 'Stalls', category: 'STANDARD', rows: 2, seatsPerRow: 4, seats: gridSeats(grid) },
    ];
    expect(seatCount(drafts)).toBe(6);
    const preview = previewVenue(drafts);
    expect(preview.seats.map((seat) => seat.category)).toEqual(['VIP', ...Array(5).fill('STANDARD')]);
    expect(preview.width).toBe(40);
  });

  test('comes back as the same grid from the stored seats, wherever the section sits', () => {
    const section = { x: 12.35, y: 140, category: 'STANDARD', price: 4500 };
    expect(seatGridFromSeats(section, stored(section))).toEqual(grid);
  });

  test('is left alone when its seats are not this grid’s', () => {
    const section = { x: 0, y: 0, category: 'STANDARD', price: 4500 };
    const seats = stored(section);
    expect(seatGridFromSeats(section, [{ ...seats[0]!, x: 7 }, ...seats.slice(1)])).toBeUndefined();
    expect(seatGridFromSeats(section, [{ ...seats[0]!, price: 9900 }, ...seats.slice(1)])).toBeUndefined();
    expect(
      seatGridFromSeats(section, [{ ...seats[0]!, accessibility: ['WHEELCHAIR'] }, ...seats.slice(1)]),
    ).toBeUndefined();
    expect(seatGridFromSeats(section, [{ ...seats[0]!, number: '101' }, ...seats.slice(1)])).toBeUndefined();
    expect(seatGridFromSeats(section, [])).toBeUndefined();
  });
});
