// What the platform sent me, on which channels I want each kind of message, and push on this device.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { api } from '../api/client';
import type { NotificationChannel, PreferenceItem } from '../api/types';
import { useSession } from '../auth/session';
import { Alert, PageTitle, problemText, QueryState, StatusBadge } from '../ui/components';
import { formatTime } from '../ui/format';
import { isPushOn, pushSupport, turnPushOff, turnPushOn } from './push-device';

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

/** Web Push on this phone or computer: one clear switch, and why it cannot be used when it cannot. */
function PushOnThisDevice() {
  const userId = useSession()!.user.id;
  const queryClient = useQueryClient();
  const supported = pushSupport() === 'supported';
  const publicKey = useQuery({
    queryKey: ['push-public-key'],
    queryFn: () => api.pushPublicKey(),
    enabled: supported,
    staleTime: Number.POSITIVE_INFINITY,
  });
  const state = useQuery({
    queryKey: ['push-on', userId],
    queryFn: () => isPushOn(userId),
    enabled: supported,
  });
  const toggle = useMutation({
    mutationFn: (on: boolean) => (on ? turnPushOn(userId, publicKey.data!.publicKey!) : turnPushOff(userId)),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['push-on', userId] }),
  });
  const blocked = supported && Notification.permission === 'denied';

  let body: ReactNode;
  if (!supported)
    body = (
      <Alert kind="info">
        This browser can’t receive push notifications. On an iPhone, add the app to your home screen first;
        otherwise use a current Chrome, Edge, Firefox or Safari.
      </Alert>
    );
  else if (publicKey.isPending || state.isPending)
    body = (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  else if (publicKey.error) body = <Alert>{problemText(publicKey.error)}</Alert>;
  else if (!publicKey.data?.publicKey)
    body = <Alert kind="info">Push notifications are not set up on this platform yet.</Alert>;
  else {
    const on = state.data === true;
    body = (
      <>
        <p role="status">
          {on ? (
            <>
              <strong>On</strong> — this device shows the messages ticked under Push below.
            </>
          ) : (
            <>
              <strong>Off</strong> — this device gets no push notifications.
            </>
          )}
        </p>
        {blocked && !on && (
          <Alert>
            Notifications are blocked for this site. Allow them in your browser’s site settings, then try
            again.
          </Alert>
        )}
        <button
          type="button"
          className={on ? 'button secondary' : 'button primary'}
          disabled={toggle.isPending}
          onClick={() => toggle.mutate(!on)}
        >
          {toggle.isPending
            ? 'Working…'
            : on
              ? 'Turn off notifications on this device'
              : 'Turn on notifications on this device'}
        </button>
        {toggle.error && !(blocked && !on) && <Alert>{problemText(toggle.error)}</Alert>}
      </>
    );
  }
  return (
    <section aria-labelledby="push-heading" className="push-device">
      <h2 id="push-heading">This device</h2>
      {body}
    </section>
  );
}

export function NotificationsPage() {
  const notifications = useQuery({ queryKey: ['notifications'], queryFn: () => api.notifications() });
  const items = notifications.data?.items ?? [];
  return (
    <section className="page">
      <PageTitle>Notifications</PageTitle>
      <PushOnThisDevice />
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
