// One event: what, where and when, then the seat map (seated venues) or quantity pickers
// (general admission), kept live from the availability stream, and the hold that starts checkout.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../api/client';
import { ApiProblem } from '../api/problem';
import type { CreateHoldBody, SeatMap } from '../api/types';
import { useSession } from '../auth/session';
import { admissionToken, isQueueRefusal, storedPlace, storePlace } from '../queue/admissions';
import { Alert, PageTitle, problemText, QueryState } from '../ui/components';
import { formatClock, formatEventTime, formatMoney } from '../ui/format';
import { seatsKey, useAvailabilityStream } from './availability-stream';
import { SeatMapView } from './seat-map';
import { type PlacedSeat, placedSeats } from './seat-map-layout';

/** The most seats one hold may take (the ticket service allows more; a buyer rarely needs them). */
const MAX_SEATS = 10;

function QuantityPicker({
  map,
  quantities,
  onChange,
}: {
  map: SeatMap;
  quantities: Record<string, number>;
  onChange: (ticketTypeId: string, quantity: number) => void;
}) {
  return (
    <ul className="ticket-types" aria-label="Tickets">
      {map.ticketTypes.map((type) => {
        const quantity = quantities[type.id] ?? 0;
        const most = Math.min(MAX_SEATS, type.available);
        return (
          <li key={type.id} className="ticket-type">
            <div>
              <strong>{type.name}</strong>
              <p className="muted">
                {formatMoney(type.price, map.currency)} ·{' '}
                {type.available > 0 ? `${type.available} left` : 'sold out'}
              </p>
            </div>
            <fieldset className="stepper">
              <legend className="visually-hidden">{type.name} quantity</legend>
              <button
                type="button"
                className="icon-button"
                aria-label={`One ${type.name} ticket fewer`}
                disabled={quantity === 0}
                onClick={() => onChange(type.id, quantity - 1)}
              >
                −
              </button>
              <output aria-live="polite" aria-label={`${type.name} tickets`}>
                {quantity}
              </output>
              <button
                type="button"
                className="icon-button"
                aria-label={`One ${type.name} ticket more`}
                disabled={quantity >= most}
                onClick={() => onChange(type.id, quantity + 1)}
              >
                +
              </button>
            </fieldset>
          </li>
        );
      })}
    </ul>
  );
}

export function EventPage() {
  const { id = '' } = useParams();
  const session = useSession();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const event = useQuery({ queryKey: ['event', id], queryFn: () => api.event(id) });
  const onSale = event.data?.lifecycle === 'PUBLISHED';
  const seats = useQuery({
    queryKey: seatsKey(id),
    queryFn: () => api.seats(id),
    enabled: onSale,
    staleTime: Number.POSITIVE_INFINITY, // the stream keeps it fresh
  });
  const stream = useAvailabilityStream(id, onSale);
  // An on-sale with a waiting room: tickets only with an admission (ADR 0021).
  const room = useQuery({
    queryKey: ['waiting-room', id],
    queryFn: () => api.waitingRoom(id),
    enabled: onSale,
  });
  const admitted = session ? storedPlace(session.user.id, id) : undefined;
  const admission = session && admissionToken(session.user.id, id) ? admitted : undefined;
  const mustQueue = room.data?.enabled === true && !admission;
  const queuePath = `/events/${id}/queue`;
  const [selected, setSelected] = useState<Map<string, PlacedSeat>>(new Map());
  const [quantities, setQuantities] = useState<Record<string, number>>({});
  const [notice, setNotice] = useState<string>();

  // Seats someone else took while they were in the selection leave it, with a word why.
  useEffect(() => {
    if (!seats.data || selected.size === 0) return;
    const status = new Map(placedSeats(seats.data).map((seat) => [seat.id, seat.status]));
    const gone = [...selected.values()].filter((seat) => status.get(seat.id) !== 'AVAILABLE');
    if (gone.length === 0) return;
    setSelected((current) => {
      const next = new Map(current);
      for (const seat of gone) next.delete(seat.id);
      return next;
    });
    setNotice(
      `${gone.map((seat) => `Row ${seat.row} seat ${seat.number}`).join(', ')} just went to another buyer.`,
    );
  }, [seats.data, selected]);

  const hold = useMutation({
    mutationFn: (body: CreateHoldBody) => api.hold(body),
    onSuccess: (created) => {
      queryClient.setQueryData(['hold', created.id], created);
      navigate(`/checkout/${created.id}`);
    },
    onError: (error) => {
      if (error instanceof ApiProblem && error.status === 409) void seats.refetch();
      // The admission is missing, ended or not this buyer's: back to the line (the place is kept).
      if (isQueueRefusal(error) && session) {
        const place = storedPlace(session.user.id, id);
        if (place) storePlace(session.user.id, id, { placeId: place.placeId });
        navigate(queuePath);
      }
    },
  });

  // One hold is seats or general-admission tickets, so choosing one kind clears the other.
  const toggle = (seat: PlacedSeat) => {
    setNotice(undefined);
    setQuantities({});
    setSelected((current) => {
      const next = new Map(current);
      if (next.has(seat.id)) next.delete(seat.id);
      else if (next.size < MAX_SEATS) next.set(seat.id, seat);
      else setNotice(`You can pick up to ${MAX_SEATS} seats at once.`);
      return next;
    });
  };

  const hasSeats = (seats.data?.sections.length ?? 0) > 0;
  const gaCount = Object.values(quantities).reduce((sum, quantity) => sum + quantity, 0);
  const total = useMemo(() => {
    if (!seats.data) return 0;
    const seatTotal = [...selected.values()].reduce((sum, seat) => sum + seat.price, 0);
    const gaTotal = seats.data.ticketTypes.reduce(
      (sum, type) => sum + type.price * (quantities[type.id] ?? 0),
      0,
    );
    return seatTotal + gaTotal;
  }, [seats.data, selected, quantities]);

  const startHold = () => {
    if (!session) {
      navigate(`/login?next=${encodeURIComponent(`/events/${id}`)}`);
      return;
    }
    if (selected.size > 0) hold.mutate({ eventId: id, seatIds: [...selected.keys()] });
    else
      hold.mutate({
        eventId: id,
        items: Object.entries(quantities)
          .filter(([, quantity]) => quantity > 0)
          .map(([ticketTypeId, quantity]) => ({ ticketTypeId, quantity })),
      });
  };

  const count = selected.size + gaCount;
  const data = event.data;

  return (
    <QueryState loading={event.isPending} error={event.error} retry={() => event.refetch()}>
      {data && (
        <article className="page event-page">
          <p className="breadcrumbs">
            <Link to="/">← All events</Link>
          </p>
          <PageTitle>{data.title}</PageTitle>
          <p className="event-when">
            <time dateTime={data.startsAt}>{formatEventTime(data.startsAt, data.timeZone)}</time>
          </p>
          <p className="event-where">
            {[data.venue.name ?? data.location, data.city].filter(Boolean).join(', ')}
          </p>
          {data.description && <p className="event-description">{data.description}</p>}
          {data.lifecycle === 'CANCELLED' && (
            <Alert>This event was cancelled{data.cancelReason ? `: ${data.cancelReason}` : ''}.</Alert>
          )}
          {data.lifecycle === 'DRAFT' && (
            <Alert kind="info">This event is a draft: it is not on sale yet.</Alert>
          )}
          {onSale && (
            <section aria-labelledby="tickets-heading" className="tickets-section">
              <div className="section-heading">
                <h2 id="tickets-heading">{hasSeats ? 'Pick your seats' : 'Tickets'}</h2>
                <span className={`live-dot live-${stream}`} role="status">
                  {stream === 'live' ? 'Live' : stream === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
                </span>
              </div>
              {!data.salesOpen && <Alert kind="info">Sales are not open right now.</Alert>}
              {room.isPending && (
                <p className="loading" role="status">
                  Loading…
                </p>
              )}
              {mustQueue && (
                <div className="queue-card">
                  <p>
                    <strong>This sale has a waiting room.</strong> To keep it fair, buyers take a place in
                    line and are let in to choose tickets a few at a time.
                    {room.data?.onSaleAt &&
                      Date.parse(room.data.onSaleAt) > Date.now() &&
                      ' Everyone who joins before the sale opens gets a place in a random draw at that moment.'}
                  </p>
                  <Link
                    className="button primary wide"
                    to={session ? queuePath : `/login?next=${encodeURIComponent(queuePath)}`}
                  >
                    {session ? 'Join the line' : 'Log in to join the line'}
                  </Link>
                </div>
              )}
              {admission?.admissionExpiresAt && room.data?.enabled && (
                <Alert kind="success">
                  <strong>It’s your turn.</strong> Choose your tickets before{' '}
                  <time dateTime={admission.admissionExpiresAt}>
                    {formatClock(admission.admissionExpiresAt)}
                  </time>
                  .
                </Alert>
              )}
              {!room.isPending && !mustQueue && (
                <QueryState loading={seats.isPending} error={seats.error} retry={() => seats.refetch()}>
                  {seats.data && (
                    <>
                      {hasSeats && (
                        <SeatMapView map={seats.data} selected={new Set(selected.keys())} onToggle={toggle} />
                      )}
                      {seats.data.ticketTypes.length > 0 && (
                        <QuantityPicker
                          map={seats.data}
                          quantities={quantities}
                          onChange={(ticketTypeId, quantity) => {
                            setSelected(new Map());
                            setQuantities((current) => ({ ...current, [ticketTypeId]: quantity }));
                          }}
                        />
                      )}
                    </>
                  )}
                </QueryState>
              )}
              {notice && <Alert kind="info">{notice}</Alert>}
              {hold.error && <Alert>{problemText(hold.error)}</Alert>}
              {!mustQueue && (
                <div className="buy-bar">
                  <div aria-live="polite">
                    {count > 0 ? (
                      <>
                        <strong>
                          {count} {count === 1 ? 'ticket' : 'tickets'}
                        </strong>{' '}
                        · {formatMoney(total, data.currency)}
                        {selected.size > 0 && (
                          <p className="muted selection">
                            {[...selected.values()]
                              .map((seat) => `${seat.section} ${seat.row}${seat.number}`)
                              .join(', ')}
                          </p>
                        )}
                      </>
                    ) : (
                      <span className="muted">
                        {hasSeats ? 'Tap seats to choose them' : 'Choose how many tickets'}
                      </span>
                    )}
                  </div>
                  <button
                    type="button"
                    className="button primary"
                    disabled={count === 0 || hold.isPending}
                    onClick={startHold}
                  >
                    {hold.isPending ? 'Holding…' : session ? 'Hold and check out' : 'Log in to buy'}
                  </button>
                </div>
              )}
            </section>
          )}
        </article>
      )}
    </QueryState>
  );
}
