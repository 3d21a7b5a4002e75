// The SVG seat map: seats coloured by category and status, each a focusable button with a
// spoken name. Zoom with the buttons, the mouse wheel or two fingers; pan by dragging.
import { type KeyboardEvent, type PointerEvent, useEffect, useMemo, useRef, useState } from 'react';
import type { SeatMap } from '../api/types';
import { formatMoney } from '../ui/format';
import {
  boundsOf,
  categoryColours,
  clampView,
  type Direction,
  MIN_VIEW_SEATS,
  nearestSeat,
  type PlacedSeat,
  panView,
  placedSeats,
  screenToDrawing,
  seatAccessibleName,
  seatRadius,
  UNAVAILABLE_COLOUR,
  unitsPerPixel,
  type ViewBox,
  zoomView,
} from './seat-map-layout';

interface SeatMapProps {
  map: SeatMap;
  selected: ReadonlySet<string>;
  onToggle: (seat: PlacedSeat) => void;
}

const ARROWS: Record<string, Direction> = {
  ArrowLeft: 'left',
  ArrowRight: 'right',
  ArrowUp: 'up',
  ArrowDown: 'down',
};

/** A pointer that moved less than this many pixels between down and up was a tap, not a drag. */
const TAP_SLOP_PX = 6;

export function SeatMapView({ map, selected, onToggle }: SeatMapProps) {
  const seats = useMemo(() => placedSeats(map), [map]);
  const radius = useMemo(() => seatRadius(map.sections.flatMap((section) => section.rows)), [map]);
  // Room above the seats for the stage's label. Live updates change statuses, not places: the
  // bounds keep their identity then, so the buyer's zoom survives them.
  const box = boundsOf(seats, radius * 2 + 2);
  const boundsKey = `${box.x} ${box.y - radius * 4} ${box.width} ${box.height + radius * 4}`;
  const full = useMemo(() => {
    const [x, y, width, height] = boundsKey.split(' ').map(Number) as [number, number, number, number];
    return { x, y, width, height };
  }, [boundsKey]);
  const colours = useMemo(() => categoryColours(seats), [seats]);
  const [view, setView] = useState<ViewBox>(full);
  const svgRef = useRef<SVGSVGElement>(null);
  const pointers = useRef(new Map<number, { x: number; y: number }>());
  const gesture = useRef<{ moved: number; pinch?: number }>({ moved: 0 });
  const minWidth = (radius / 0.42) * MIN_VIEW_SEATS;

  // A new drawing (another event, a reload): show all of it.
  useEffect(() => setView(full), [full]);

  // Wheel zoom needs a non-passive listener to keep the page from scrolling.
  useEffect(() => {
    const svg = svgRef.current;
    if (!svg) return;
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      const rect = svg.getBoundingClientRect();
      setView((current) =>
        zoomView(
          current,
          event.deltaY < 0 ? 1.25 : 0.8,
          screenToDrawing(current, rect, event.clientX, event.clientY),
          full,
          minWidth,
        ),
      );
    };
    svg.addEventListener('wheel', onWheel, { passive: false });
    return () => svg.removeEventListener('wheel', onWheel);
  }, [full, minWidth]);

  const zoomBy = (factor: number) =>
    setView((current) =>
      zoomView(
        current,
        factor,
        { x: current.x + current.width / 2, y: current.y + current.height / 2 },
        full,
        minWidth,
      ),
    );

  const onPointerDown = (event: PointerEvent<SVGSVGElement>) => {
    pointers.current.set(event.pointerId, { x: event.clientX, y: event.clientY });
    if (pointers.current.size === 1) gesture.current = { moved: 0 };
  };
  const onPointerMove = (event: PointerEvent<SVGSVGElement>) => {
    const previous = pointers.current.get(event.pointerId);
    const svg = svgRef.current;
    if (!previous || !svg) return;
    const rect = svg.getBoundingClientRect();
    pointers.current.set(event.pointerId, { x: event.clientX, y: event.clientY });
    if (pointers.current.size === 2) {
      const [a, b] = [...pointers.current.values()] as [{ x: number; y: number }, { x: number; y: number }];
      const distance = Math.hypot(a.x - b.x, a.y - b.y);
      const before = gesture.current.pinch;
      gesture.current = { moved: gesture.current.moved + TAP_SLOP_PX, pinch: distance };
      if (before) {
        const centre = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
        setView((current) =>
          zoomView(
            current,
            distance / before,
            screenToDrawing(current, rect, centre.x, centre.y),
            full,
            minWidth,
          ),
        );
      }
      return;
    }
    const dx = event.clientX - previous.x;
    const dy = event.clientY - previous.y;
    gesture.current.moved += Math.abs(dx) + Math.abs(dy);
    if (gesture.current.moved < TAP_SLOP_PX) return;
    // Captured only once it is a drag, so a tap still clicks the seat under the finger.
    if (!svg.hasPointerCapture(event.pointerId)) svg.setPointerCapture(event.pointerId);
    setView((current) => {
      const scale = unitsPerPixel(current, rect);
      return panView(current, -dx * scale, -dy * scale, full);
    });
  };
  const onPointerEnd = (event: PointerEvent<SVGSVGElement>) => {
    pointers.current.delete(event.pointerId);
    if (pointers.current.size < 2 && gesture.current.pinch) gesture.current = { moved: TAP_SLOP_PX };
  };

  const choose = (seat: PlacedSeat) => {
    // A drag that ends on a seat does not pick it.
    if (gesture.current.moved >= TAP_SLOP_PX) return;
    if (seat.status === 'AVAILABLE' || selected.has(seat.id)) onToggle(seat);
  };
  // One tab stop for the whole map (the last seat focused); arrow keys move between seats.
  const [activeSeatId, setActiveSeatId] = useState<string>();
  const tabStop =
    seats.find((seat) => seat.id === activeSeatId)?.id ??
    seats.find((seat) => seat.status === 'AVAILABLE')?.id ??
    seats[0]?.id;
  const onSeatKey = (event: KeyboardEvent, seat: PlacedSeat) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      if (seat.status === 'AVAILABLE' || selected.has(seat.id)) onToggle(seat);
      return;
    }
    const direction = ARROWS[event.key];
    if (!direction) return;
    event.preventDefault();
    const next = nearestSeat(seats, seat, direction);
    if (next) svgRef.current?.querySelector<SVGElement>(`[data-seat="${next.id}"]`)?.focus();
  };
  /** Keyboard users tabbing through a zoomed map: bring the focused seat into view. */
  const reveal = (seat: PlacedSeat) =>
    setView((current) => {
      const inside =
        seat.x > current.x &&
        seat.x < current.x + current.width &&
        seat.y > current.y &&
        seat.y < current.y + current.height;
      return inside
        ? current
        : clampView({ ...current, x: seat.x - current.width / 2, y: seat.y - current.height / 2 }, full);
    });

  const zoomed = view.width < full.width - 0.01;
  const stageY = full.y + radius * 3.5;

  return (
    <div className="seat-map">
      <div className="seat-map-toolbar" role="toolbar" aria-label="Seat map zoom">
        <button type="button" className="icon-button" onClick={() => zoomBy(1.5)} aria-label="Zoom in">
          +
        </button>
        <button
          type="button"
          className="icon-button"
          onClick={() => zoomBy(1 / 1.5)}
          aria-label="Zoom out"
          disabled={!zoomed}
        >
          −
        </button>
        <button
          type="button"
          className="button secondary small"
          onClick={() => setView(full)}
          disabled={!zoomed}
        >
          Show all
        </button>
      </div>
      {/* The key comes before the map, where the buy bar never covers it. */}
      <ul className="legend" aria-label="Seat categories">
        {[...colours.entries()].map(([category, colour]) => {
          const counts = map.categories.find((entry) => entry.name === category);
          const price = seats.find((seat) => seat.category === category)?.price ?? 0;
          return (
            <li key={category}>
              <span className="swatch" style={{ background: colour }} aria-hidden="true" />
              {category} · {formatMoney(price, map.currency)}
              {counts && <span className="muted"> · {counts.available} left</span>}
            </li>
          );
        })}
        <li>
          <span className="swatch" style={{ background: UNAVAILABLE_COLOUR }} aria-hidden="true" />
          Taken
        </li>
        <li>
          <span className="swatch" style={{ background: '#111827' }} aria-hidden="true" />
          Your choice
        </li>
      </ul>
      {/* biome-ignore lint/a11y/useSemanticElements: the seats are SVG shapes; a <fieldset> cannot hold them. */}
      <svg
        ref={svgRef}
        className="seat-map-svg"
        style={{ aspectRatio: `${full.width} / ${full.height}` }}
        viewBox={`${view.x} ${view.y} ${view.width} ${view.height}`}
        role="group"
        aria-label={`Seat map, ${seats.filter((seat) => seat.status === 'AVAILABLE').length} of ${seats.length} seats available`}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerEnd}
        onPointerCancel={onPointerEnd}
      >
        <text
          x={full.x + full.width / 2}
          y={stageY}
          className="stage-label"
          textAnchor="middle"
          fontSize={radius * 1.6}
        >
          STAGE
        </text>
        {seats.map((seat) => {
          const isSelected = selected.has(seat.id);
          const available = seat.status === 'AVAILABLE';
          return (
            // biome-ignore lint/a11y/useSemanticElements: an SVG shape cannot be a <button>; role and keys make it one.
            <circle
              key={seat.id}
              cx={seat.x}
              cy={seat.y}
              r={radius}
              role="button"
              tabIndex={seat.id === tabStop ? 0 : -1}
              data-seat={seat.id}
              aria-label={seatAccessibleName(seat, map.currency, isSelected)}
              aria-pressed={isSelected}
              aria-disabled={!available && !isSelected}
              data-status={isSelected ? 'SELECTED' : seat.status}
              className={`seat${isSelected ? ' seat-selected' : ''}${available ? '' : ' seat-unavailable'}`}
              fill={isSelected ? '#111827' : available ? colours.get(seat.category) : UNAVAILABLE_COLOUR}
              onClick={() => choose(seat)}
              onKeyDown={(event) => onSeatKey(event, seat)}
              onFocus={() => {
                setActiveSeatId(seat.id);
                reveal(seat);
              }}
            />
          );
        })}
      </svg>
    </div>
  );
}
