// My orders, newest first, with cancel-and-refund for confirmed ones (the refund policy is the
// order service's: its answer says why a cancellation is refused).
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../api/client';
import type { OrderView } from '../api/types';
import { Alert, PageTitle, problemText, QueryState, StatusBadge } from '../ui/components';
import { formatEventTime, formatMoney, formatTime } from '../ui/format';

export function OrderRow({ order, onCancel }: { order: OrderView; onCancel?: () => void }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const cancel = useMutation({
    mutationFn: () => api.cancelOrder(order.id, 'Cancelled by the buyer in the web app'),
    onSuccess: (updated) => {
      queryClient.setQueryData(['order', order.id], updated);
      void queryClient.invalidateQueries({ queryKey: ['orders'] });
      void queryClient.invalidateQueries({ queryKey: ['tickets'] });
      onCancel?.();
    },
  });
  return (
    <li className="order-row">
      <div>
        <Link to={`/orders/${order.id}`}>
          <strong>{order.event.title ?? 'Event'}</strong>
        </Link>
        <p className="muted">
          {order.event.startsAt && formatEventTime(order.event.startsAt)} · {order.quantity} ticket
          {order.quantity === 1 ? '' : 's'} · {formatMoney(order.total, order.currency)}
        </p>
        <p className="muted">Ordered {formatTime(order.orderDate)}</p>
      </div>
      <div className="order-actions">
        <StatusBadge
          status={order.cancellation && order.status === 'CONFIRMED' ? 'CANCELLING' : order.status}
        />
        {order.status === 'CONFIRMED' &&
          !order.cancellation &&
          (confirming ? (
            <>
              <button
                type="button"
                className="button danger small"
                disabled={cancel.isPending}
                onClick={() => cancel.mutate()}
              >
                {cancel.isPending
                  ? 'Cancelling…'
                  : `Refund ${formatMoney(order.total - order.refundedAmount, order.currency)}`}
              </button>
              <button type="button" className="button secondary small" onClick={() => setConfirming(false)}>
                Keep
              </button>
            </>
          ) : (
            <button type="button" className="button secondary small" onClick={() => setConfirming(true)}>
              Cancel order
            </button>
          ))}
      </div>
      {cancel.error && <Alert>{problemText(cancel.error)}</Alert>}
    </li>
  );
}

export function OrdersPage() {
  const orders = useInfiniteQuery({
    queryKey: ['orders', 'mine'],
    queryFn: ({ pageParam }) => api.myOrders(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
  const items = orders.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <section className="page">
      <PageTitle>My orders</PageTitle>
      <QueryState
        loading={orders.isPending}
        error={orders.error}
        retry={() => orders.refetch()}
        empty={items.length === 0}
        emptyText={
          <>
            You have no orders yet. <Link to="/">Find an event</Link>
          </>
        }
      >
        <ul className="order-list">
          {items.map((order) => (
            <OrderRow key={order.id} order={order} />
          ))}
        </ul>
        {orders.hasNextPage && (
          <button type="button" className="button secondary" onClick={() => orders.fetchNextPage()}>
            Older orders
          </button>
        )}
      </QueryState>
    </section>
  );
}
