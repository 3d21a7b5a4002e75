// The events an organizer manages (admins: by status across organizers).
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../api/client';
import type { EventSearch } from '../api/types';
import { PageTitle, QueryState, StatusBadge } from '../ui/components';
import { formatEventTime } from '../ui/format';

const SCOPES: Record<string, { label: string; search: EventSearch }> = {
  mine: { label: 'My events', search: { mine: true } },
  DRAFT: { label: 'Drafts', search: { status: 'DRAFT' } },
  PUBLISHED: { label: 'Published', search: { status: 'PUBLISHED' } },
  CANCELLED: { label: 'Cancelled', search: { status: 'CANCELLED' } },
};

export function AdminEvents() {
  const [scope, setScope] = useState('mine');
  const events = useQuery({
    queryKey: ['admin-events', scope],
    queryFn: () => api.events({ ...SCOPES[scope]!.search, sort: 'date' }),
  });
  const items = events.data?.items ?? [];
  return (
    <section>
      <PageTitle>Events</PageTitle>
      <div className="toolbar">
        <Link className="button primary" to="/admin/events/new">
          New event
        </Link>
        <label>
          Show{' '}
          <select value={scope} onChange={(event) => setScope(event.target.value)}>
            {Object.entries(SCOPES).map(([key, { label }]) => (
              <option key={key} value={key}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <QueryState
        loading={events.isPending}
        error={events.error}
        retry={() => events.refetch()}
        empty={items.length === 0}
        emptyText="No events yet."
      >
        <ul className="order-list">
          {items.map((event) => (
            <li key={event.id} className="order-row">
              <div>
                <Link to={`/admin/events/${event.id}`}>
                  <strong>{event.title}</strong>
                </Link>
                <p className="muted">
                  {formatEventTime(event.startsAt, event.timeZone)} · {event.capacity} places
                  {event.availableSeats !== null && ` · ${event.availableSeats} left`}
                </p>
              </div>
              <StatusBadge status={event.lifecycle} />
            </li>
          ))}
        </ul>
      </QueryState>
    </section>
  );
}
