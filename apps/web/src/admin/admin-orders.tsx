// Every order (admins), newest first, filterable by status, with refunds.
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { OrderRow } from '../account/orders-page';
import { api } from '../api/client';
import { PageTitle, QueryState } from '../ui/components';

export function AdminOrders() {
  const [status, setStatus] = useState('');
  const orders = useInfiniteQuery({
    queryKey: ['orders', 'all', status],
    queryFn: ({ pageParam }) => api.searchOrders({ status: status || undefined, cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
  const items = orders.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <section>
      <PageTitle>Orders</PageTitle>
      <label>
        Status{' '}
        <select value={status} onChange={(event) => setStatus(event.target.value)}>
          <option value="">All</option>
          {['CONFIRMED', 'PENDING', 'CANCELLED', 'FAILED'].map((value) => (
            <option key={value}>{value}</option>
          ))}
        </select>
      </label>
      <QueryState
        loading={orders.isPending}
        error={orders.error}
        empty={items.length === 0}
        emptyText="No orders."
      >
        <ul className="order-list">
          {items.map((order) => (
            <OrderRow key={order.id} order={order} />
          ))}
        </ul>
        {orders.hasNextPage && (
          <button type="button" className="button secondary" onClick={() => orders.fetchNextPage()}>
            More orders
          </button>
        )}
      </QueryState>
    </section>
  );
}
