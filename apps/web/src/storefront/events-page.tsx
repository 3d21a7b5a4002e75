// The storefront's front page: published events with search and filters kept in the URL,
// so a search can be shared and the back button restores it.
import { useInfiniteQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api } from '../api/client';
import { EVENT_TYPES, type EventSearch, type EventSummary, type EventType } from '../api/types';
import { PageTitle, QueryState } from '../ui/components';
import { formatEventTime, formatMoney } from '../ui/format';

const TYPE_NAMES: Record<EventType, string> = {
  CONCERT: 'Concerts',
  SPORTS: 'Sports',
  THEATER: 'Theatre',
  COMEDY: 'Comedy',
  CONFERENCE: 'Conferences',
  FESTIVAL: 'Festivals',
  OTHER: 'Other',
};

function searchFromParams(params: URLSearchParams): EventSearch {
  const type = params.get('type');
  return {
    q: params.get('q') ?? undefined,
    type: type && (EVENT_TYPES as readonly string[]).includes(type) ? [type as EventType] : undefined,
    from: params.get('from') ?? undefined,
    city: params.get('city') ?? undefined,
    sort: (params.get('sort') as EventSearch['sort']) ?? undefined,
  };
}

export function EventCard({ event }: { event: EventSummary }) {
  const soldOut = event.availableSeats === 0;
  return (
    <li className={`event-card type-${event.eventType.toLowerCase()}`}>
      <Link to={`/events/${event.id}`} className="event-card-link">
        <span className="event-type">{TYPE_NAMES[event.eventType]}</span>
        <h2>{event.title}</h2>
        <p className="event-when">
          <time dateTime={event.startsAt}>{formatEventTime(event.startsAt, event.timeZone)}</time>
        </p>
        <p className="event-where">
          {[event.venueName ?? event.location, event.city].filter(Boolean).join(', ')}
        </p>
        <p className="event-price">
          {soldOut ? (
            <strong>Sold out</strong>
          ) : (
            <>
              from <strong>{formatMoney(event.minPrice, event.currency)}</strong>
              {event.availableSeats !== null && <span className="muted"> · {event.availableSeats} left</span>}
            </>
          )}
        </p>
      </Link>
    </li>
  );
}

export function EventsPage() {
  const [params, setParams] = useSearchParams();
  const search = searchFromParams(params);
  const [query, setQuery] = useState(search.q ?? '');
  const events = useInfiniteQuery({
    queryKey: ['events', search],
    queryFn: ({ pageParam }) => api.events({ ...search, cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
  const items = events.data?.pages.flatMap((page) => page.items) ?? [];

  const update = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    setParams(next, { replace: true });
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    update({ q: query.trim() });
  };

  return (
    <section className="page">
      <PageTitle>Find events</PageTitle>
      <search>
        <form className="search" onSubmit={submit}>
          <label htmlFor="event-search" className="visually-hidden">
            Search events
          </label>
          <input
            id="event-search"
            type="search"
            value={query}
            placeholder="Artist, venue or city"
            onChange={(event) => setQuery(event.target.value)}
          />
          <button type="submit" className="button">
            Search
          </button>
        </form>
      </search>
      <div className="filters">
        <label>
          Type
          <select value={params.get('type') ?? ''} onChange={(event) => update({ type: event.target.value })}>
            <option value="">All</option>
            {EVENT_TYPES.map((type) => (
              <option key={type} value={type}>
                {TYPE_NAMES[type]}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input
            type="date"
            value={params.get('from') ?? ''}
            onChange={(event) => update({ from: event.target.value })}
          />
        </label>
        <label>
          Sort
          <select value={params.get('sort') ?? ''} onChange={(event) => update({ sort: event.target.value })}>
            <option value="">Soonest</option>
            <option value="price">Cheapest</option>
            <option value="-price">Dearest</option>
          </select>
        </label>
      </div>
      <QueryState
        loading={events.isPending}
        error={events.error}
        retry={() => events.refetch()}
        empty={items.length === 0}
        emptyText={
          <>
            No events match your search.{' '}
            {params.size > 0 && (
              <button
                type="button"
                className="link-button"
                onClick={() => {
                  setQuery('');
                  setParams({});
                }}
              >
                Clear the filters
              </button>
            )}
          </>
        }
      >
        <ul className="event-list" aria-label="Events">
          {items.map((event) => (
            <EventCard key={event.id} event={event} />
          ))}
        </ul>
        {events.hasNextPage && (
          <button
            type="button"
            className="button secondary"
            disabled={events.isFetchingNextPage}
            onClick={() => events.fetchNextPage()}
          >
            {events.isFetchingNextPage ? 'Loading…' : 'More events'}
          </button>
        )}
      </QueryState>
    </section>
  );
}
