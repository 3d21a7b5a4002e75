// What the platform sent me, and on which channels I want each kind of message.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import type { NotificationChannel, PreferenceItem } from '../api/types';
import { Alert, PageTitle, problemText, QueryState, StatusBadge } from '../ui/components';
import { formatTime } from '../ui/format';

const CHANNELS: NotificationChannel[] = ['email', 'sms', 'push'];
const TYPE_NAMES: Record<string, string> = {
  welcome: 'Welcome',
  'order-confirmed': 'Order confirmed',
  'order-cancelled': 'Order cancelled',
  'order-failed': 'Order failed',
  'payment-refunded': 'Refunds',
  'event-cancelled': 'Event cancelled',
  'event-reminder': 'Event reminders',
};

function Preferences() {
  const queryClient = useQueryClient();
  const preferences = useQuery({ queryKey: ['preferences'], queryFn: () => api.preferences() });
  const update = useMutation({
    mutationFn: (change: { type: string; channel: NotificationChannel; on: boolean }) =>
      api.updatePreferences({ [change.type]: { [change.channel]: change.on } }),
    onSuccess: (answer) => queryClient.setQueryData(['preferences'], answer),
  });
  return (
    <section aria-labelledby="preferences-heading">
      <h2 id="preferences-heading">Preferences</h2>
      <QueryState
        loading={preferences.isPending}
        error={preferences.error}
        retry={() => preferences.refetch()}
      >
        <div className="table-scroll">
          <table className="preferences">
            <thead>
              <tr>
                <th scope="col">Message</th>
                {CHANNELS.map((channel) => (
                  <th key={channel} scope="col">
                    {channel === 'sms' ? 'SMS' : channel[0]!.toUpperCase() + channel.slice(1)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {preferences.data?.items.map((item: PreferenceItem) => (
                <tr key={item.type}>
                  <th scope="row">
                    {TYPE_NAMES[item.type] ?? item.type}
                    {item.transactional && <span className="muted small"> (always sent)</span>}
                  </th>
                  {CHANNELS.map((channel) => (
                    <td key={channel}>
                      <input
                        type="checkbox"
                        aria-label={`${TYPE_NAMES[item.type] ?? item.type} by ${channel}`}
                        checked={item.channels[channel]}
                        disabled={update.isPending}
                        onChange={(event) =>
                          update.mutate({ type: item.type, channel, on: event.target.checked })
                        }
                      />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </QueryState>
      {update.error && <Alert>{problemText(update.error)}</Alert>}
    </section>
  );
}

export function NotificationsPage() {
  const notifications = useQuery({ queryKey: ['notifications'], queryFn: () => api.notifications() });
  const items = notifications.data?.items ?? [];
  return (
    <section className="page">
      <PageTitle>Notifications</PageTitle>
      <Preferences />
      <section aria-labelledby="history-heading">
        <h2 id="history-heading">Sent to you</h2>
        <QueryState
          loading={notifications.isPending}
          error={notifications.error}
          empty={items.length === 0}
          emptyText="Nothing sent yet."
        >
          <ul className="notification-list">
            {items.map((item) => (
              <li key={item.id}>
                <div>
                  <strong>{item.subject ?? TYPE_NAMES[item.type] ?? item.type}</strong>
                  <p className="muted">
                    {item.channel} · {formatTime(item.createdAt)}
                    {item.recipient && ` · ${item.recipient}`}
                  </p>
                </div>
                <StatusBadge status={item.status} />
              </li>
            ))}
          </ul>
        </QueryState>
      </section>
    </section>
  );
}
