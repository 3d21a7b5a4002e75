// The waiting room of a busy on-sale (ADR 0021): the page takes a place in line (after a
// proof-of-work the browser solves by itself), shows the live position, the estimated wait and
// the status from the place's stream, and once admitted keeps the admission token and takes
// the buyer back to the event's tickets. Every change is announced in a polite live region.
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../api/client';
import { ApiProblem } from '../api/problem';
import type { QueuePlaceView } from '../api/types';
import { useSession } from '../auth/session';
import { Alert, PageTitle, problemText } from '../ui/components';
import { formatEventTime } from '../ui/format';
import { forgetPlace, storedPlace, storePlace } from './admissions';
import { type FollowMode, followPlace } from './place-stream';
import { solveInBackground } from './proof-of-work';

type Phase =
  | { kind: 'starting' }
  | { kind: 'solving'; progress: number }
  | { kind: 'waiting'; place: QueuePlaceView; receivedAt: number }
  | { kind: 'admitted'; place: QueuePlaceView }
  | { kind: 'expired'; place: QueuePlaceView }
  | { kind: 'failed'; error: unknown };

/** Challenge answers that a fresh challenge fixes (it expired, or was spent by a double join). */
const STALE_CHALLENGE = new Set(['challenge_expired', 'challenge_already_used', 'invalid_challenge']);

/** "About 3 minutes", "Less than a minute", rounded the way people say it. */
export function formatWait(seconds: number): string {
  if (seconds < 60) return 'Less than a minute';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `About ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return `About ${hours} h ${rest} min`;
}

/** What the live region says: the position, not the ticking estimate (that would never stop talking). */
function announcement(phase: Phase): string {
  switch (phase.kind) {
    case 'starting':
      return 'Getting you a place in line.';
    case 'solving':
      return phase.progress < 0.5
        ? 'Getting you a place in line. This needs nothing from you and takes a few seconds.'
        : 'Still getting your place in line, almost there.';
    case 'waiting':
      if (phase.place.position === null)
        return 'You are in the line. Places are drawn at random when the sale opens.';
      return phase.place.position <= 1
        ? 'You are next in line.'
        : `You are number ${phase.place.position} in line.`;
    case 'admitted':
      return 'It is your turn. Taking you to the tickets.';
    case 'expired':
      return 'Your turn has passed. You can join the line again.';
    case 'failed':
      return '';
  }
}

/** Seconds of the estimate left, counted down locally between the server's messages. */
function useCountdown(seconds: number | null, since: number): number | null {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  if (seconds === null) return null;
  return Math.max(0, seconds - (now - since) / 1000);
}

function WaitingView({
  place,
  receivedAt,
  mode,
}: {
  place: QueuePlaceView;
  receivedAt: number;
  mode: FollowMode;
}) {
  const wait = useCountdown(place.estimatedWaitSeconds, receivedAt);
  const beforeDraw = place.position === null;
  return (
    <div className="queue-card">
      <p className="queue-label">{beforeDraw ? 'Your place' : 'Your place in line'}</p>
      <p className="queue-position">{beforeDraw ? '—' : place.position}</p>
      {beforeDraw ? (
        <p>
          Not drawn yet: everyone who joins before the sale opens
          {place.onSaleAt && (
            <>
              {' '}
              at <time dateTime={place.onSaleAt}>{formatEventTime(place.onSaleAt)}</time>
            </>
          )}{' '}
          gets a place in a random draw at that moment, so there is no need to hurry or to reload.
        </p>
      ) : (
        <p>
          {place.position !== null && place.position <= 1
            ? 'You are next.'
            : `${(place.position ?? 1) - 1} ${place.position === 2 ? 'person is' : 'people are'} ahead of you.`}
        </p>
      )}
      <dl className="queue-facts">
        <div>
          <dt>{beforeDraw ? 'Sale opens in' : 'Estimated wait'}</dt>
          <dd aria-live="off">{wait === null ? 'Unknown' : formatWait(wait)}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>Waiting</dd>
        </div>
      </dl>
      <p className="muted">
        Keep this page open: when it is your turn it takes you to the tickets by itself. If you leave, your
        place is kept.{' '}
        <span className={`live-dot live-${mode === 'stream' ? 'live' : 'reconnecting'}`}>
          {mode === 'stream' ? 'Live' : 'Checking every few seconds'}
        </span>
      </p>
    </div>
  );
}

export function WaitingRoomPage() {
  const { id: eventId = '' } = useParams();
  const session = useSession();
  const userId = session?.user.id;
  const navigate = useNavigate();
  const event = useQuery({ queryKey: ['event', eventId], queryFn: () => api.event(eventId) });
  const [phase, setPhase] = useState<Phase>({ kind: 'starting' });
  const [mode, setMode] = useState<FollowMode>('stream');
  /** Bumped by "Try again" and "Join the line again"; rejoin skips the stored place. */
  const [attempt, setAttempt] = useState({ count: 0, rejoin: false });

  useEffect(() => {
    if (!userId || !eventId) return;
    const controller = new AbortController();
    const { signal } = controller;

    const show = (place: QueuePlaceView) => {
      if (signal.aborted) return;
      if (place.status === 'ADMITTED') {
        storePlace(userId, eventId, {
          placeId: place.id,
          ...(place.admissionToken && { admissionToken: place.admissionToken }),
          ...(place.admissionExpiresAt && { admissionExpiresAt: place.admissionExpiresAt }),
        });
        setPhase({ kind: 'admitted', place });
      } else if (place.status === 'EXPIRED') {
        storePlace(userId, eventId, { placeId: place.id });
        setPhase({ kind: 'expired', place });
      } else {
        storePlace(userId, eventId, { placeId: place.id });
        setPhase({ kind: 'waiting', place, receivedAt: Date.now() });
      }
    };

    /** A new place: solve a fresh challenge and join with it (once more if the challenge went stale). */
    const joinWithChallenge = async (): Promise<QueuePlaceView> => {
      for (let tries = 1; ; tries++) {
        setPhase({ kind: 'solving', progress: 0 });
        const { challenge, difficulty } = await api.queueChallenge(eventId);
        const nonce = await solveInBackground(challenge, difficulty, {
          signal,
          onProgress: ({ tries: done, expected }) =>
            setPhase({ kind: 'solving', progress: Math.min(0.95, done / expected) }),
        });
        try {
          return await api.joinQueue(eventId, { challenge, nonce });
        } catch (error) {
          if (!(error instanceof ApiProblem && STALE_CHALLENGE.has(error.code)) || tries >= 3) throw error;
        }
      }
    };

    const findOrJoin = async (): Promise<QueuePlaceView> => {
      const stored = attempt.rejoin ? undefined : storedPlace(userId, eventId);
      if (stored) {
        try {
          return await api.queuePlace(stored.placeId);
        } catch (error) {
          if (!(error instanceof ApiProblem && error.status === 404)) throw error;
          forgetPlace(userId, eventId);
        }
      }
      // A live place (another tab, another device) comes back without any work.
      try {
        return await api.joinQueue(eventId);
      } catch (error) {
        if (!(error instanceof ApiProblem && error.code === 'challenge_required')) throw error;
      }
      return joinWithChallenge();
    };

    (async () => {
      const place = await findOrJoin();
      show(place);
      if (place.status === 'WAITING')
        await followPlace(api, place.id, { onPlace: show, onMode: setMode }, signal);
    })().catch((error: unknown) => {
      if (signal.aborted) return;
      // No waiting room (any more): the tickets are bought directly.
      if (error instanceof ApiProblem && error.code === 'no_waiting_room') {
        navigate(`/events/${eventId}`, { replace: true });
        return;
      }
      setPhase({ kind: 'failed', error });
    });
    return () => controller.abort();
  }, [userId, eventId, attempt, navigate]);

  // Admitted: on to the tickets, with the token kept for the hold.
  useEffect(() => {
    if (phase.kind !== 'admitted') return;
    const timer = setTimeout(() => navigate(`/events/${eventId}`, { replace: true }), 1200);
    return () => clearTimeout(timer);
  }, [phase.kind, eventId, navigate]);

  const title = event.data?.title;

  return (
    <section
      className="page waiting-room-page"
      aria-busy={phase.kind === 'starting' || phase.kind === 'solving'}
    >
      <p className="breadcrumbs">
        <Link to={`/events/${eventId}`}>← {title ?? 'The event'}</Link>
      </p>
      <PageTitle>Waiting room</PageTitle>
      {title && <p className="event-when">{title}</p>}
      <p className="visually-hidden" role="status" aria-live="polite">
        {announcement(phase)}
      </p>
      {(phase.kind === 'starting' || phase.kind === 'solving') && (
        <div className="queue-card">
          <p className="queue-label">Getting you a place in line…</p>
          <progress
            className="queue-progress"
            aria-label="Getting a place in line"
            max={1}
            value={phase.kind === 'solving' ? phase.progress : undefined}
          />
          <p className="muted">
            Your browser does a short check that keeps ticket bots out of the line. It needs nothing from you
            and takes a few seconds.
          </p>
        </div>
      )}
      {phase.kind === 'waiting' && (
        <WaitingView place={phase.place} receivedAt={phase.receivedAt} mode={mode} />
      )}
      {phase.kind === 'admitted' && (
        <Alert kind="success">
          <p>
            <strong>It’s your turn!</strong> Taking you to the tickets…
          </p>
          <Link className="button primary" to={`/events/${eventId}`} replace>
            Choose tickets
          </Link>
        </Alert>
      )}
      {phase.kind === 'expired' && (
        <Alert kind="info">
          <p>
            {phase.place.expiryReason === 'admission_ended'
              ? 'Your time to buy has ended.'
              : 'It was your turn, but no tickets were held in time, so your turn went to the next in line.'}
          </p>
          <button
            type="button"
            className="button primary"
            onClick={() => setAttempt((current) => ({ count: current.count + 1, rejoin: true }))}
          >
            Join the line again
          </button>
        </Alert>
      )}
      {phase.kind === 'failed' && (
        <Alert>
          <p>{problemText(phase.error)}</p>
          <button
            type="button"
            className="button secondary"
            onClick={() => setAttempt((current) => ({ count: current.count + 1, rejoin: false }))}
          >
            Try again
          </button>
        </Alert>
      )}
    </section>
  );
}
