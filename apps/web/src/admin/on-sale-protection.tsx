// An event's on-sale protection for admins: its waiting room, switched off or on during the
// sale, and the buyers the purchase caps refused (an account, a network, a payment card — never
// a card number), each with the allowance that lifts the block. The ticket service keeps the
// accounts, the order service the ranges, the payment service the cards; all answer one shape.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  PurchaseAllowanceView,
  PurchaseBlockList,
  PurchaseBlockView,
  WaitingRoomSwitched,
} from '@ticketing/contracts';
import { useState } from 'react';
import { api } from '../api/client';
import { Alert, problemText, QueryState } from '../ui/components';

const BLOCK_SOURCES = {
  account: '/api/v1/tickets/purchase-blocks',
  ip_range: '/api/v1/orders/purchase-blocks',
  card: '/api/v1/payments/purchase-blocks',
};
const KIND_NAMES = { account: 'Account', ip_range: 'Network', card: 'Card' };

function WaitingRoomSwitch({ eventId }: { eventId: string }) {
  const queryClient = useQueryClient();
  const room = useQuery({ queryKey: ['waiting-room', eventId], queryFn: () => api.waitingRoom(eventId) });
  const [reason, setReason] = useState('');
  const [done, setDone] = useState<string>();
  const flip = useMutation({
    mutationFn: (enabled: boolean) =>
      api.request<WaitingRoomSwitched>('PUT', `/api/v1/events/${encodeURIComponent(eventId)}/waiting-room`, {
        body: { enabled, reason: reason.trim() },
      }),
    onSuccess: (answer) => {
      queryClient.setQueryData(['waiting-room', eventId], answer.room);
      setReason('');
      setDone(
        answer.room.enabled
          ? 'The waiting room is on: newcomers queue in arrival order.'
          : `The waiting room is off: ${answer.admittedAtOnce} waiting ${answer.admittedAtOnce === 1 ? 'buyer was' : 'buyers were'} let through at once.`,
      );
    },
  });
  return (
    <section aria-labelledby="room-heading">
      <h3 id="room-heading">Waiting room</h3>
      <QueryState loading={room.isPending} error={room.error}>
        {room.data && (
          <>
            <p>
              {room.data.enabled
                ? `On, admitting ${room.data.admitPerMinute} a minute (set by ${room.data.source === 'auto' ? 'the hold threshold' : room.data.source === 'admin' ? 'an admin' : 'the organizer'}).`
                : 'Off: buyers hold tickets directly.'}
            </p>
            <label>
              Reason (recorded)
              <input value={reason} onChange={(change) => setReason(change.target.value)} />
            </label>
            <button
              type="button"
              className={room.data.enabled ? 'button danger' : 'button secondary'}
              disabled={flip.isPending || reason.trim() === ''}
              onClick={() => flip.mutate(!room.data.enabled)}
            >
              {room.data.enabled ? 'Switch off and let everyone waiting in' : 'Switch on'}
            </button>
          </>
        )}
      </QueryState>
      {done && <Alert kind="success">{done}</Alert>}
      {flip.error && <Alert>{problemText(flip.error)}</Alert>}
    </section>
  );
}

function BlockItem({ block }: { block: PurchaseBlockView }) {
  const queryClient = useQueryClient();
  const [extra, setExtra] = useState(String(Math.max(1, block.limit)));
  const [reason, setReason] = useState('');
  const lift = useMutation({
    mutationFn: () =>
      api.request<PurchaseAllowanceView>('POST', `${BLOCK_SOURCES[block.kind]}/lift`, {
        body: { eventId: block.eventId, key: block.key, extraTickets: Number(extra), reason: reason.trim() },
      }),
    onSuccess: () => {
      setReason('');
      return queryClient.invalidateQueries({ queryKey: ['purchase-blocks', block.eventId] });
    },
  });
  const cap = block.limit + block.extraAllowed;
  return (
    <li className="purchase-block" aria-label={`${KIND_NAMES[block.kind]} ${block.label}`}>
      <h4>
        {KIND_NAMES[block.kind]} {block.label}
      </h4>
      <dl className="figures">
        <div>
          <dt>Bought / cap</dt>
          <dd>
            {block.ticketsBought} / {cap}
          </dd>
        </div>
        <div>
          <dt>Refusals</dt>
          <dd>{block.refusals}</dd>
        </div>
      </dl>
      <p className="hint">Last refused {new Date(block.lastRefusedAt).toLocaleString('en-GB')}</p>
      <div className="actions">
        <label>
          More tickets{' '}
          <input
            type="number"
            min={1}
            inputMode="numeric"
            size={4}
            value={extra}
            onChange={(change) => setExtra(change.target.value)}
          />
        </label>
        <label>
          Reason <input value={reason} onChange={(change) => setReason(change.target.value)} />
        </label>
        <button
          type="button"
          className="button secondary"
          disabled={lift.isPending || reason.trim() === ''}
          onClick={() => lift.mutate()}
        >
          Lift
        </button>
      </div>
      {lift.error && <Alert>{problemText(lift.error)}</Alert>}
    </li>
  );
}

function PurchaseBlocks({ eventId }: { eventId: string }) {
  const blocks = useQuery({
    queryKey: ['purchase-blocks', eventId],
    queryFn: async () => {
      const lists = await Promise.all(
        Object.values(BLOCK_SOURCES).map((path) =>
          api.request<PurchaseBlockList>('GET', path, { query: { eventId } }),
        ),
      );
      return lists
        .flatMap((list) => list.items)
        .sort((a, b) => b.lastRefusedAt.localeCompare(a.lastRefusedAt));
    },
  });
  return (
    <section aria-labelledby="blocks-heading">
      <h3 id="blocks-heading">Purchase caps: refused buyers</h3>
      <QueryState
        loading={blocks.isPending}
        error={blocks.error}
        empty={blocks.data?.length === 0}
        emptyText="Nobody has reached a cap for this event."
      >
        <ul className="order-list">
          {blocks.data?.map((block) => (
            <BlockItem key={`${block.kind}:${block.key}`} block={block} />
          ))}
        </ul>
      </QueryState>
    </section>
  );
}

export function OnSaleProtection({ eventId }: { eventId: string }) {
  return (
    <section aria-labelledby="protection-heading" className="on-sale-protection">
      <h2 id="protection-heading">On-sale protection</h2>
      <WaitingRoomSwitch eventId={eventId} />
      <PurchaseBlocks eventId={eventId} />
    </section>
  );
}
