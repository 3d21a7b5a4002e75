// The order confirmation: its status (polled while the purchase is still being settled), the
// e-tickets with their QR codes, add-to-calendar and a printable page.
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api } from '../api/client';
import type { EventDetail, OrderView } from '../api/types';
import { Alert, PageTitle, QueryState, StatusBadge } from '../ui/components';
import { formatEventTime, formatMoney } from '../ui/format';
import { calendarFile } from './calendar';
import { QrCode } from './qr-code';

function calendarHref(order: OrderView, event: EventDetail): string {
  const file = calendarFile({
    uid: `order-${order.id}@ticketing`,
    title: event.title,
    location: [event.venue.name ?? event.location, event.city].filter(Boolean).join(', '),
    description: `${order.quantity} ticket(s): ${order.tickets.map((ticket) => ticket.label).join('; ')}`,
    startsAt: event.startsAt,
    endsAt: event.endsAt,
    url: `${window.location.origin}/orders/${order.id}`,
  });
  return `data:text/calendar;charset=utf-8,${encodeURIComponent(file)}`;
}

export function TicketCard({ label, code, detail }: { label: string; code: string | null; detail?: string }) {
  return (
    <li className="e-ticket">
      {code ? <QrCode code={code} label={label} /> : <div className="qr qr-placeholder" aria-hidden="true" />}
      <div>
        <strong>{label}</strong>
        {detail && <p className="muted">{detail}</p>}
        {!code && <p className="muted">No valid e-ticket</p>}
      </div>
    </li>
  );
}

export function OrderPage() {
  const { id = '' } = useParams();
  const order = useQuery({
    queryKey: ['order', id],
    queryFn: () => api.order(id),
    refetchInterval: (query) => (query.state.data?.status === 'PENDING' ? 1000 : false),
  });
  const event = useQuery({
    queryKey: ['event', order.data?.eventId],
    queryFn: () => api.event(order.data!.eventId),
    enabled: Boolean(order.data),
  });
  const data = order.data;

  return (
    <section className="page order-page">
      <QueryState loading={order.isPending} error={order.error} retry={() => order.refetch()}>
        {data && (
          <>
            <PageTitle>{data.status === 'CONFIRMED' ? 'Your tickets' : 'Your order'}</PageTitle>
            <p>
              <StatusBadge status={data.status} /> {data.event.title ?? event.data?.title}
              {data.event.startsAt && <> · {formatEventTime(data.event.startsAt, event.data?.timeZone)}</>}
            </p>
            {data.status === 'PENDING' && <Alert kind="info">Your payment is being processed…</Alert>}
            {data.status === 'FAILED' && (
              <Alert>{data.failureReason ?? 'The purchase failed; nothing was charged.'}</Alert>
            )}
            {data.status === 'CANCELLED' && (
              <Alert kind="info">
                This order was cancelled; {formatMoney(data.refundedAmount, data.currency)} was refunded.
              </Alert>
            )}
            {data.status === 'CONFIRMED' && (
              <Alert kind="success">
                Paid {formatMoney(data.total, data.currency)}. Show these codes at the door.
              </Alert>
            )}
            <ul className="e-tickets" aria-label="E-tickets">
              {data.tickets.map((ticket) => (
                <TicketCard
                  key={ticket.id}
                  label={ticket.label}
                  code={data.status === 'CONFIRMED' ? ticket.code : null}
                  detail={[ticket.category, formatMoney(ticket.total, data.currency)]
                    .filter(Boolean)
                    .join(' · ')}
                />
              ))}
            </ul>
            {data.status === 'CONFIRMED' && (
              <div className="actions no-print">
                {event.data && (
                  <a
                    className="button secondary"
                    href={calendarHref(data, event.data)}
                    download={`${event.data.title}.ics`}
                  >
                    Add to calendar
                  </a>
                )}
                <button type="button" className="button secondary" onClick={() => window.print()}>
                  Print tickets
                </button>
                <Link className="button secondary" to="/account/orders">
                  My orders
                </Link>
              </div>
            )}
          </>
        )}
      </QueryState>
    </section>
  );
}
