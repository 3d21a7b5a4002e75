// Keeps an event's seat map in the query cache current from the ticket service's
// Server-Sent Events: each `availability` message carries the tickets whose status changed.
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { AvailabilityUpdate, SeatMap } from '../api/types';
import { applyAvailability } from './seat-map-layout';

export type StreamState = 'connecting' | 'live' | 'reconnecting';

export const seatsKey = (eventId: string) => ['seats', eventId] as const;

export function useAvailabilityStream(eventId: string | undefined, enabled: boolean): StreamState {
  const queryClient = useQueryClient();
  const [state, setState] = useState<StreamState>('connecting');

  useEffect(() => {
    if (!eventId || !enabled || typeof EventSource === 'undefined') return;
    const source = new EventSource(`/api/v1/events/${encodeURIComponent(eventId)}/availability/stream`);
    const apply = (message: MessageEvent<string>) => {
      let update: AvailabilityUpdate;
      try {
        update = JSON.parse(message.data) as AvailabilityUpdate;
      } catch {
        return;
      }
      if (update.resync) {
        // Too many changes to list: read the whole map again.
        void queryClient.invalidateQueries({ queryKey: seatsKey(eventId) });
        return;
      }
      queryClient.setQueryData<SeatMap>(seatsKey(eventId), (map) =>
        map ? applyAvailability(map, update) : map,
      );
    };
    source.onopen = () => setState('live');
    // EventSource reconnects by itself; what changed meanwhile comes from a fresh read.
    source.onerror = () => setState('reconnecting');
    source.addEventListener('snapshot', (message) => {
      setState('live');
      apply(message as MessageEvent<string>);
      void queryClient.invalidateQueries({ queryKey: seatsKey(eventId) });
    });
    source.addEventListener('availability', (message) => apply(message as MessageEvent<string>));
    return () => source.close();
  }, [eventId, enabled, queryClient]);

  return state;
}
