// My tickets, grouped by event, with their QR codes. The last copy is kept on the device per
// user, so the tickets show at a venue without signal (the service worker keeps the app itself).
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../api/client';
import { ApiProblem } from '../api/problem';
import type { SoldTicket } from '../api/types';
import { useSession } from '../auth/session';
import { TicketCard } from '../storefront/order-page';
import { Alert, PageTitle, QueryState } from '../ui/components';
import { formatEventTime } from '../ui/format';

export interface TicketGroup {
  eventId: string;
  title: string;
  startsAt: string | null;
  timeZone: string | undefined;
  location: string | null;
  tickets: SoldTicket[];
}

interface StoredTickets {
  savedAt: string;
  groups: TicketGroup[];
}

const storageKey = (userId: string) => `ticketing.tickets.${userId}`;

function readStored(userId: string): StoredTickets | undefined {
  try {
    const text = localStorage.getItem(storageKey(userId));
    return text ? (JSON.parse(text) as StoredTickets) : undefined;
  } catch {
    return undefined;
  }
}

/** Valid tickets (sold, with a code) grouped by event, soonest event first. */
export function groupTickets(
  tickets: SoldTicket[],
  events: Map<string, { title: string; startsAt: string; timeZone: string; location: string }>,
): TicketGroup[] {
  const groups = new Map<string, TicketGroup>();
  for (const ticket of tickets) {
    if (ticket.status !== 'SOLD') continue;
    const event = events.get(ticket.eventId);
    const group = groups.get(ticket.eventId) ?? {
      eventId: ticket.eventId,
      title: event?.title ?? 'Event',
      startsAt: event?.startsAt ?? null,
      timeZone: event?.timeZone,
      location: event?.location ?? null,
      tickets: [],
    };
    group.tickets.push(ticket);
    groups.set(ticket.eventId, group);
  }
  return [...groups.values()].sort((a, b) => (a.startsAt ?? '').localeCompare(b.startsAt ?? ''));
}

async function loadTickets(userId: string): Promise<StoredTickets> {
  const { items } = await api.myTickets();
  // An event that cannot be read now (a dropped connection) keeps what the last copy said of it.
  const known = new Map((readStored(userId)?.groups ?? []).map((group) => [group.eventId, group]));
  const eventIds = [...new Set(items.map((ticket) => ticket.eventId))];
  const events = new Map(
    await Promise.all(
      eventIds.map(async (id) => {
        const event = await api.event(id).catch(() => undefined);
        const last = known.get(id);
        if (!event && last?.startsAt)
          return [
            id,
            {
              title: last.title,
              startsAt: last.startsAt,
              timeZone: last.timeZone ?? 'UTC',
              location: last.location ?? '',
            },
          ] as const;
        return [
          id,
          event && {
            title: event.title,
            startsAt: event.startsAt,
            timeZone: event.timeZone,
            location: event.venue.name ?? event.location,
          },
        ] as const;
      }),
    ),
  );
  const stored = {
    savedAt: new Date().toISOString(),
    groups: groupTickets(
      items,
      new Map(
        [...events].filter((entry): entry is [string, NonNullable<(typeof entry)[1]>] => Boolean(entry[1])),
      ),
    ),
  };
  try {
    localStorage.setItem(storageKey(userId), JSON.stringify(stored));
  } catch {
    // Storage full or unavailable: the tickets still show while online.
  }
  return stored;
}

export function TicketsPage() {
  const session = useSession()!;
  const userId = session.user.id;
  const tickets = useQuery({
    queryKey: ['tickets', userId],
    queryFn: () => loadTickets(userId),
    placeholderData: () => readStored(userId),
    retry: false,
  });
  // Offline (or the server is down) and a copy is on the device: show the copy.
  const offline = tickets.error instanceof ApiProblem && tickets.error.status === 0;
  const shown = tickets.data ?? (offline ? readStored(userId) : undefined);
  const groups = shown?.groups ?? [];

  return (
    <section className="page">
      <PageTitle>My tickets</PageTitle>
      {offline && shown && (
        <Alert kind="info">
          You are offline: these are your tickets as of {new Date(shown.savedAt).toLocaleString()}.
        </Alert>
      )}
      <QueryState
        loading={!shown && tickets.isPending}
        error={shown ? undefined : tickets.error}
        retry={() => tickets.refetch()}
        empty={groups.length === 0}
        emptyText={
          <>
            No tickets yet. <Link to="/">Find an event</Link>
          </>
        }
      >
        {groups.map((group) => (
          <section key={group.eventId} className="ticket-group" aria-label={group.title}>
            <h2>
              <Link to={`/events/${group.eventId}`}>{group.title}</Link>
            </h2>
            <p className="muted">
              {group.startsAt && formatEventTime(group.startsAt, group.timeZone)}
              {group.location && ` · ${group.location}`}
            </p>
            <ul className="e-tickets">
              {group.tickets.map((ticket) => (
                <TicketCard
                  key={ticket.id}
                  label={ticket.label}
                  code={ticket.code}
                  detail={
                    ticket.checkedInAt
                      ? 'Checked in'
                      : (ticket.category ?? ticket.ticketTypeName ?? undefined)
                  }
                />
              ))}
            </ul>
          </section>
        ))}
      </QueryState>
    </section>
  );
}
