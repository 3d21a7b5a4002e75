// The seat map's arithmetic: bounds, seat size, zoom that keeps the point under the finger,
// panning that stops at the edges, screen-to-drawing mapping, and live updates.
import { describe, expect, test } from 'vitest';
import type { SeatMap } from '../src/api/types';
import {
  applyAvailability,
  boundsOf,
  categoryColours,
  clampView,
  nearestSeat,
  panView,
  placedSeats,
  screenToDrawing,
  seatAccessibleName,
  seatRadius,
  zoomView,
} from '../src/storefront/seat-map-layout';

const EVENT = '0191d2a0-0000-7000-8000-000000000001';
const id = (n: number) => `0191d2a0-0000-7000-8000-${String(n).padStart(12, '0')}`;

function seatMap(): SeatMap {
  const row = (name: string, y: number, first: number, category: string, price: number) => ({
    name,
    seats: [0, 1, 2, 3].map((index) => ({
      id: id(first + index),
      ticketId: id(100 + first + index),
      label: `Stalls · Row ${name} · Seat ${index + 1}`,
      number: String(index + 1),
      x: 5 + index * 10,
      y,
      category,
      price,
      accessible: index === 0,
      status: 'AVAILABLE' as const,
    })),
  });
  return {
    eventId: EVENT,
    currency: 'EUR',
    status: 'ON_SALE',
    salesStartAt: null,
    salesEndAt: null,
    sections: [
      { name: 'Stalls', rows: [row('A', 5, 1, 'VIP', 12_000), row('B', 17, 11, 'STANDARD', 6_900)] },
    ],
    ticketTypes: [],
    categories: [
      { name: 'VIP', total: 4, available: 4 },
      { name: 'STANDARD', total: 4, available: 4 },
    ],
  };
}

const full = { x: 0, y: 0, width: 100, height: 50 };

describe('seat map layout', () => {
  test('bounds hold every seat centre plus the margin', () => {
    expect(boundsOf(placedSeats(seatMap()), 4)).toEqual({ x: 1, y: 1, width: 38, height: 20 });
    expect(boundsOf([], 4)).toEqual({ x: 0, y: 0, width: 100, height: 100 });
  });

  test('a seat is a bit under half the usual distance between neighbours', () => {
    expect(seatRadius(seatMap().sections[0]!.rows)).toBeCloseTo(4.2);
    // One wide aisle does not shrink every seat: the median gap counts.
    const rows = [{ seats: [0, 10, 20, 60, 70].map((x) => ({ x, y: 0 })) }];
    expect(seatRadius(rows)).toBeCloseTo(4.2);
    expect(seatRadius([{ seats: [{ x: 1, y: 1 }] }])).toBe(4);
  });

  test('zooming in keeps the focused point where it was on screen', () => {
    const focus = { x: 20, y: 10 };
    const zoomed = zoomView(full, 2, focus, full, 10);
    expect(zoomed.width).toBe(50);
    expect(zoomed.height).toBe(25);
    // The focus sits at the same fraction of the view before and after.
    expect((focus.x - zoomed.x) / zoomed.width).toBeCloseTo((focus.x - full.x) / full.width);
    expect((focus.y - zoomed.y) / zoomed.height).toBeCloseTo((focus.y - full.y) / full.height);
  });

  test('zoom stops at the closest allowed view and at the whole drawing', () => {
    expect(zoomView(full, 100, { x: 50, y: 25 }, full, 10).width).toBe(10);
    expect(zoomView({ x: 10, y: 10, width: 20, height: 10 }, 0.01, { x: 20, y: 15 }, full, 10)).toEqual(full);
  });

  test('panning stops at the edges of the drawing', () => {
    const view = { x: 10, y: 10, width: 50, height: 25 };
    expect(panView(view, -100, -100, full)).toEqual({ x: 0, y: 0, width: 50, height: 25 });
    expect(panView(view, 100, 100, full)).toEqual({ x: 50, y: 25, width: 50, height: 25 });
    expect(panView(view, 5, -5, full)).toEqual({ x: 15, y: 5, width: 50, height: 25 });
    // A view larger than the drawing is centred on it.
    expect(clampView({ x: 0, y: 0, width: 200, height: 100 }, full)).toEqual({
      x: -50,
      y: -25,
      width: 200,
      height: 100,
    });
  });

  test('screen points map to drawing points through the letterboxed view box', () => {
    // 100 × 50 drawn in a 200 × 200 box: scale 2, 50 px empty above and below.
    const rect = { left: 10, top: 20, width: 200, height: 200 };
    expect(screenToDrawing(full, rect, 10, 70)).toEqual({ x: 0, y: 0 });
    expect(screenToDrawing(full, rect, 210, 170)).toEqual({ x: 100, y: 50 });
    expect(screenToDrawing(full, rect, 110, 120)).toEqual({ x: 50, y: 25 });
  });

  test('arrow keys move to the nearest seat in line, and stop at the edges', () => {
    const seats = placedSeats(seatMap());
    const [a1, a2, , a4] = seats;
    const b1 = seats[4]!;
    expect(nearestSeat(seats, a1!, 'right')?.id).toBe(a2!.id);
    expect(nearestSeat(seats, a1!, 'down')?.id).toBe(b1.id);
    expect(nearestSeat(seats, b1, 'up')?.id).toBe(a1!.id);
    expect(nearestSeat(seats, a4!, 'right')).toBeUndefined();
    expect(nearestSeat(seats, a1!, 'up')).toBeUndefined();
  });

  test('categories get colours dearest first; seats get spoken names', () => {
    const seats = placedSeats(seatMap());
    expect([...categoryColours(seats).keys()]).toEqual(['VIP', 'STANDARD']);
    expect(seatAccessibleName(seats[0]!, 'EUR', false)).toBe(
      'Stalls, row A seat 1, VIP, 120.00 EUR, wheelchair accessible, available',
    );
    expect(seatAccessibleName(seats[5]!, 'EUR', true)).toBe(
      'Stalls, row B seat 2, STANDARD, 69.00 EUR, selected',
    );
  });

  test('a live update changes the statuses and counts it names, and nothing else', () => {
    const map = seatMap();
    const counts = {
      total: 8,
      available: 6,
      held: 0,
      sold: 2,
      byCategory: { VIP: { total: 4, available: 2 } },
      byTicketType: {},
    };
    const changes = [1, 2].map((n) => ({
      ticketId: id(100 + n),
      seatId: id(n),
      ticketTypeId: null,
      category: 'VIP',
      status: 'SOLD' as const,
    }));
    const updated = applyAvailability(map, { changes, counts });
    const statuses = placedSeats(updated).map((seat) => seat.status);
    expect(statuses.filter((status) => status === 'SOLD')).toHaveLength(2);
    expect(placedSeats(updated)[0]!.status).toBe('SOLD');
    expect(placedSeats(updated)[2]!.status).toBe('AVAILABLE');
    expect(updated.categories).toEqual([
      { name: 'VIP', total: 4, available: 2 },
      { name: 'STANDARD', total: 4, available: 4 },
    ]);
    // The same news again changes nothing, and React is told so by identity.
    expect(applyAvailability(updated, { changes, counts })).toBe(updated);
  });
});
