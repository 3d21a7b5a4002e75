// One event for its organizer: publish or cancel it, and its sales dashboard (sold over time,
// revenue, by category) drawn with recharts from the event service's analytics.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { api } from '../api/client';
import type { SalesReport } from '../api/types';
import { hasRole, useSession } from '../auth/session';
import { Alert, PageTitle, problemText, QueryState, StatusBadge } from '../ui/components';
import { formatEventTime, formatMoney } from '../ui/format';
import { OnSaleProtection } from './on-sale-protection';

function SalesDashboard({ report }: { report: SalesReport }) {
  const money = (value: number) => formatMoney(value, report.currency);
  const timeline = report.timeline.map((point) => ({
    when: new Date(point.bucketStart).toLocaleDateString('en-GB', { day: 'numeric', month: 'short' }),
    sold: point.cumulativeSold,
    revenue: point.revenue / 100,
  }));
  return (
    <section aria-labelledby="sales-heading">
      <h2 id="sales-heading">Sales</h2>
      <dl className="figures">
        <div>
          <dt>Sold</dt>
          <dd>
            {report.ticketsSold} / {report.capacity}
          </dd>
        </div>
        <div>
          <dt>Sell-through</dt>
          <dd>{Math.round(report.sellThrough * 100)}%</dd>
        </div>
        <div>
          <dt>Revenue</dt>
          <dd>{money(report.revenue)}</dd>
        </div>
        <div>
          <dt>Refunded</dt>
          <dd>{money(report.refunded)}</dd>
        </div>
      </dl>
      <h3>Tickets sold over time</h3>
      {timeline.length === 0 ? (
        <p className="empty">No sales yet.</p>
      ) : (
        <div className="chart" role="img" aria-label={`Tickets sold over time: ${report.ticketsSold} in all`}>
          <ResponsiveContainer width="100%" height={220}>
            <LineChart data={timeline} margin={{ top: 8, right: 8, left: -16, bottom: 0 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="when" fontSize={12} />
              <YAxis allowDecimals={false} fontSize={12} />
              <Tooltip />
              <Line type="monotone" dataKey="sold" name="Tickets sold" stroke="#1d4ed8" strokeWidth={2} />
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
      <h3>Revenue</h3>
      {timeline.length === 0 ? (
        <p className="empty">No revenue yet.</p>
      ) : (
        <div className="chart" role="img" aria-label={`Revenue per period: ${money(report.revenue)} in all`}>
          <ResponsiveContainer width="100%" height={200}>
            <BarChart data={timeline} margin={{ top: 8, right: 8, left: -8, bottom: 0 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="when" fontSize={12} />
              <YAxis fontSize={12} />
              <Tooltip formatter={(value) => `${Number(value).toFixed(2)} ${report.currency}`} />
              <Bar dataKey="revenue" name={`Revenue (${report.currency})`} fill="#1d4ed8" />
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
      <h3>By category</h3>
      {report.byCategory.length === 0 ? (
        <p className="empty">No seated categories.</p>
      ) : (
        <div
          className="chart"
          role="img"
          aria-label={report.byCategory
            .map((entry) => `${entry.category}: ${entry.ticketsSold} of ${entry.capacity}`)
            .join('; ')}
        >
          <ResponsiveContainer width="100%" height={200}>
            <BarChart data={report.byCategory} margin={{ top: 8, right: 8, left: -16, bottom: 0 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="category" fontSize={12} />
              <YAxis allowDecimals={false} fontSize={12} />
              <Tooltip />
              <Bar dataKey="ticketsSold" name="Sold" fill="#047857" />
              <Bar dataKey="capacity" name="Capacity" fill="#c4c4c4" />
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
    </section>
  );
}

export function AdminEventPage() {
  const { id = '' } = useParams();
  const queryClient = useQueryClient();
  const admin = hasRole(useSession(), 'ADMIN');
  const event = useQuery({ queryKey: ['event', id], queryFn: () => api.event(id) });
  const report = useQuery({
    queryKey: ['sales', id],
    queryFn: () => api.salesReport(id),
    enabled: event.data?.lifecycle !== 'DRAFT' && Boolean(event.data),
  });
  const [reason, setReason] = useState('');
  const [confirmCancel, setConfirmCancel] = useState(false);
  const refresh = (updated: unknown) => {
    queryClient.setQueryData(['event', id], updated);
    void queryClient.invalidateQueries({ queryKey: ['admin-events'] });
    void queryClient.invalidateQueries({ queryKey: ['events'] });
  };
  const publish = useMutation({ mutationFn: () => api.publishEvent(id), onSuccess: refresh });
  const cancel = useMutation({
    mutationFn: () => api.cancelEvent(id, reason.trim() || undefined),
    onSuccess: refresh,
  });
  const data = event.data;

  return (
    <QueryState loading={event.isPending} error={event.error} retry={() => event.refetch()}>
      {data && (
        <section>
          <p className="breadcrumbs">
            <Link to="/admin">← Events</Link>
          </p>
          <PageTitle>{data.title}</PageTitle>
          <p>
            <StatusBadge status={data.lifecycle} /> {formatEventTime(data.startsAt, data.timeZone)} ·{' '}
            {data.capacity} places
          </p>
          <div className="actions">
            <Link className="button secondary" to={`/events/${data.id}`}>
              View in the shop
            </Link>
            {data.lifecycle !== 'CANCELLED' && (
              <Link className="button secondary" to={`/admin/events/${data.id}/edit`}>
                Edit
              </Link>
            )}
            {data.lifecycle === 'DRAFT' && (
              <button
                type="button"
                className="button primary"
                disabled={publish.isPending}
                onClick={() => publish.mutate()}
              >
                {publish.isPending ? 'Publishing…' : 'Publish'}
              </button>
            )}
            {data.lifecycle !== 'CANCELLED' && !confirmCancel && (
              <button type="button" className="button danger" onClick={() => setConfirmCancel(true)}>
                Cancel event
              </button>
            )}
          </div>
          {confirmCancel && data.lifecycle !== 'CANCELLED' && (
            <div className="confirm-box">
              <label>
                Reason (sent to buyers)
                <input value={reason} onChange={(change) => setReason(change.target.value)} />
              </label>
              <p>Every order is refunded. This cannot be undone.</p>
              <div className="actions">
                <button
                  type="button"
                  className="button danger"
                  disabled={cancel.isPending}
                  onClick={() => cancel.mutate()}
                >
                  Cancel the event and refund
                </button>
                <button type="button" className="button secondary" onClick={() => setConfirmCancel(false)}>
                  Keep it
                </button>
              </div>
            </div>
          )}
          {publish.error && <Alert>{problemText(publish.error)}</Alert>}
          {cancel.error && <Alert>{problemText(cancel.error)}</Alert>}
          {data.lifecycle !== 'DRAFT' && (
            <QueryState loading={report.isPending} error={report.error} retry={() => report.refetch()}>
              {report.data && <SalesDashboard report={report.data} />}
            </QueryState>
          )}
          {admin && data.lifecycle !== 'DRAFT' && <OnSaleProtection eventId={data.id} />}
        </section>
      )}
    </QueryState>
  );
}
