// The card form when the platform charges through Stripe: Stripe.js is loaded from js.stripe.com
// (only on this path, with the platform's publishable key), the buyer types the card into
// Stripe's own field (the number never reaches our page or servers), and checkout sends the
// PaymentMethod id Stripe.js makes. If Stripe.js cannot load (offline, blocked), the page says
// card payment is unavailable and offers to try again instead of breaking.
import type { Stripe, StripeCardElement } from '@stripe/stripe-js';
import { loadStripe } from '@stripe/stripe-js/pure';
import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { Alert } from '../ui/components';

/** Stripe.js that has not answered in this long is treated as not loading. */
const LOAD_TIMEOUT_MS = 15_000;

type Loading =
  | { status: 'loading' }
  | { status: 'ready'; stripe: Stripe; card: StripeCardElement }
  | { status: 'failed' };

interface StripeCardFormProps {
  publishableKey: string;
  payLabel: string;
  /** A purchase is on its way: the pay button waits. */
  paying: boolean;
  onPaymentMethod: (paymentMethodId: string) => void;
  /** The order's error and the release button, shown under the card field. */
  children?: ReactNode;
  releaseButton: ReactNode;
}

function loadStripeWithTimeout(publishableKey: string): Promise<Stripe | null> {
  return Promise.race([
    loadStripe(publishableKey),
    new Promise<never>((_, fail) =>
      setTimeout(() => fail(new Error('Stripe.js did not load in time')), LOAD_TIMEOUT_MS),
    ),
  ]);
}

export function StripeCardForm({
  publishableKey,
  payLabel,
  paying,
  onPaymentMethod,
  children,
  releaseButton,
}: StripeCardFormProps) {
  const errorId = useId();
  const mountPoint = useRef<HTMLDivElement>(null);
  const [attempt, setAttempt] = useState(0);
  const [loading, setLoading] = useState<Loading>({ status: 'loading' });
  const [cardError, setCardError] = useState<string | undefined>();
  const [creating, setCreating] = useState(false);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new attempt ("Try again") loads again.
  useEffect(() => {
    let cancelled = false;
    let card: StripeCardElement | undefined;
    setLoading({ status: 'loading' });
    loadStripeWithTimeout(publishableKey)
      .then((stripe) => {
        if (cancelled) return;
        if (!stripe || !mountPoint.current) throw new Error('Stripe.js is not available');
        card = stripe.elements().create('card', {
          hidePostalCode: true,
          style: { base: { fontSize: '16px', color: '#111827' }, invalid: { color: '#b91c1c' } },
        });
        card.on('change', (event) => setCardError(event.error?.message));
        card.mount(mountPoint.current);
        setLoading({ status: 'ready', stripe, card });
      })
      .catch(() => {
        if (!cancelled) setLoading({ status: 'failed' });
      });
    return () => {
      cancelled = true;
      card?.destroy();
    };
  }, [publishableKey, attempt]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (loading.status !== 'ready' || creating || paying) return;
    setCreating(true);
    try {
      const result = await loading.stripe.createPaymentMethod({ type: 'card', card: loading.card });
      if (result.error || !result.paymentMethod)
        setCardError(result.error?.message ?? 'The card could not be read; check it and try again.');
      else onPaymentMethod(result.paymentMethod.id);
    } catch {
      setCardError('The card could not be checked with Stripe; check your connection and try again.');
    } finally {
      setCreating(false);
    }
  };

  return (
    <form className="card-form" onSubmit={submit} noValidate aria-busy={loading.status === 'loading'}>
      <h2>Pay by card</h2>
      {loading.status === 'failed' ? (
        <Alert>
          <p>
            <strong>Card payment is unavailable right now.</strong> The secure card form (Stripe) could not be
            loaded — check your connection or turn off a blocker for this site. Your seats stay held until the
            countdown ends.
          </p>
          <button type="button" className="button secondary" onClick={() => setAttempt((n) => n + 1)}>
            Try again
          </button>
        </Alert>
      ) : (
        <fieldset
          className={`field stripe-card-field${cardError ? ' field-invalid' : ''}`}
          aria-describedby={cardError ? errorId : undefined}
        >
          <legend className="label">Card</legend>
          <div ref={mountPoint} className="stripe-card-element" />
          {loading.status === 'loading' && (
            <p className="loading hint" role="status">
              Loading the secure card form…
            </p>
          )}
          {cardError && (
            <p id={errorId} className="field-error" role="alert">
              {cardError}
            </p>
          )}
        </fieldset>
      )}
      {children}
      <button
        type="submit"
        className="button primary wide"
        disabled={loading.status !== 'ready' || creating || paying}
      >
        {creating || paying ? 'Paying…' : payLabel}
      </button>
      {releaseButton}
      <p className="muted small">Card details go straight to Stripe; they never pass through this site.</p>
    </form>
  );
}
