// Checkout: the held tickets with a countdown to the hold's expiry, and the card form — the
// sandbox gateway's own (its test cards are listed under it), or Stripe Elements when the
// platform charges through Stripe (GET /api/v1/payments/config says which). A declined card
// releases the hold on the server, so the page says so and sends the buyer back to the seat map.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, type PaymentInput } from '../api/client';
import { ApiProblem, formErrors } from '../api/problem';
import type { HoldView } from '../api/types';
import { isQueueRefusal } from '../queue/admissions';
import { Alert, Field, PageTitle, QueryState } from '../ui/components';
import { formatCountdown, formatMoney } from '../ui/format';
import { StripeCardForm } from './stripe-card-form';

const CARD_FIELDS = ['card.number', 'card.expMonth', 'card.expYear', 'card.cvc', 'card.holderName'] as const;

export function newIdempotencyKey(): string {
  if (typeof crypto !== 'undefined' && 'randomUUID' in crypto) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/** Seconds until the hold expires, ticking every second. */
function useSecondsLeft(expiresAt: string | undefined): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return expiresAt ? Math.max(0, (Date.parse(expiresAt) - now) / 1000) : 0;
}

function HeldTickets({ hold }: { hold: HoldView }) {
  return (
    <ul className="held-tickets" aria-label="Your tickets">
      {hold.tickets.map((ticket) => (
        <li key={ticket.id}>
          <span>{ticket.label}</span>
          <span>{formatMoney(ticket.price, ticket.currency)}</span>
        </li>
      ))}
      <li className="total">
        <span>Total</span>
        <strong>{formatMoney(hold.total, hold.currency)}</strong>
      </li>
    </ul>
  );
}

export function CheckoutPage() {
  const { holdId = '' } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const hold = useQuery({ queryKey: ['hold', holdId], queryFn: () => api.getHold(holdId) });
  const secondsLeft = useSecondsLeft(hold.data?.expiresAt);
  const [idempotencyKey, setIdempotencyKey] = useState(newIdempotencyKey);
  const [card, setCard] = useState({ number: '', expMonth: '', expYear: '', cvc: '', holderName: '' });
  // Without an answer (an old platform, a blip) the card form is the fallback: the server decides.
  const paymentsConfig = useQuery({
    queryKey: ['payments-config'],
    queryFn: () => api.paymentsConfig(),
    staleTime: Number.POSITIVE_INFINITY,
    retry: 1,
  });
  const stripeKey =
    paymentsConfig.data?.provider === 'stripe'
      ? (paymentsConfig.data.publishableKey ?? undefined)
      : undefined;

  const pay = useMutation({
    mutationFn: (payment: PaymentInput) =>
      api.placeOrder(holdId, payment, idempotencyKey, hold.data?.eventId),
    onSuccess: (order) => {
      queryClient.setQueryData(['order', order.id], order);
      void queryClient.invalidateQueries({ queryKey: ['orders'] });
      navigate(`/orders/${order.id}`, { replace: true });
    },
    onError: (error) => {
      // Only a lost answer may be retried with the same key; any answer settles it.
      if (!(error instanceof ApiProblem && error.status === 0)) setIdempotencyKey(newIdempotencyKey());
    },
  });
  const release = useMutation({
    mutationFn: () => api.releaseHold(holdId),
    onSettled: () => navigate(hold.data ? `/events/${hold.data.eventId}` : '/'),
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    pay.mutate({
      card: {
        number: card.number.trim(),
        expMonth: Number(card.expMonth),
        expYear: card.expYear.length === 2 ? 2000 + Number(card.expYear) : Number(card.expYear),
        cvc: card.cvc.trim(),
        ...(card.holderName.trim() && { holderName: card.holderName.trim() }),
      },
    });
  };

  const errors = formErrors(pay.error, CARD_FIELDS);
  /** 402: the payment failed and the server released the hold. */
  const declined = pay.error instanceof ApiProblem && pay.error.status === 402;
  const expired = hold.data?.status === 'EXPIRED' || (hold.data?.status === 'ACTIVE' && secondsLeft <= 0);
  const inactive = hold.data && hold.data.status !== 'ACTIVE';
  const set = (name: keyof typeof card) => (event: { target: { value: string } }) => {
    // A field message is about the number that was sent; typing a new one clears it.
    if (pay.error && !declined) pay.reset();
    setCard((current) => ({ ...current, [name]: event.target.value }));
  };

  const orderError =
    hold.data && isQueueRefusal(pay.error) ? (
      <Alert>
        <p>{pay.error?.message}</p>
        <Link className="button secondary" to={`/events/${hold.data.eventId}/queue`}>
          Back to the waiting room
        </Link>
      </Alert>
    ) : (
      errors.form && <Alert>{errors.form}</Alert>
    );
  const releaseButton = (
    <button
      type="button"
      className="button secondary wide"
      disabled={release.isPending || pay.isPending}
      onClick={() => release.mutate()}
    >
      Release the seats
    </button>
  );
  const payLabel = hold.data ? `Pay ${formatMoney(hold.data.total, hold.data.currency)}` : 'Pay';

  return (
    <section className="page checkout-page">
      <PageTitle>Checkout</PageTitle>
      <QueryState loading={hold.isPending} error={hold.error} retry={() => hold.refetch()}>
        {hold.data && (
          <>
            {!declined && !inactive && !expired && (
              <p
                className={`countdown${secondsLeft < 60 ? ' countdown-urgent' : ''}`}
                role="timer"
                aria-live="off"
              >
                Your seats are held for <strong>{formatCountdown(secondsLeft)}</strong>
              </p>
            )}
            <HeldTickets hold={hold.data} />
            {declined ? (
              <Alert>
                <p>
                  <strong>Payment failed:</strong> {pay.error?.message}
                </p>
                <p>Your seats were released and nothing was charged.</p>
                <Link className="button secondary" to={`/events/${hold.data.eventId}`}>
                  Pick seats again
                </Link>
              </Alert>
            ) : expired || inactive ? (
              <Alert>
                <p>
                  {hold.data.status === 'SOLD'
                    ? 'These tickets are already bought.'
                    : 'Your hold has ended and the seats went back on sale.'}
                </p>
                <Link
                  className="button secondary"
                  to={hold.data.orderId ? `/orders/${hold.data.orderId}` : `/events/${hold.data.eventId}`}
                >
                  {hold.data.orderId ? 'See the order' : 'Pick seats again'}
                </Link>
              </Alert>
            ) : paymentsConfig.isPending ? (
              <p className="loading" role="status">
                Loading…
              </p>
            ) : stripeKey ? (
              <StripeCardForm
                publishableKey={stripeKey}
                payLabel={payLabel}
                paying={pay.isPending}
                onPaymentMethod={(token) => pay.mutate({ token })}
                releaseButton={releaseButton}
              >
                {orderError}
              </StripeCardForm>
            ) : (
              <form className="card-form" onSubmit={submit} noValidate>
                <h2>Pay by card</h2>
                <Field label="Card number" error={errors.fields['card.number']}>
                  {(props) => (
                    <input
                      {...props}
                      inputMode="numeric"
                      autoComplete="cc-number"
                      placeholder="4242 4242 4242 4242"
                      value={card.number}
                      onChange={set('number')}
                      required
                    />
                  )}
                </Field>
                <div className="field-row">
                  <Field label="Expiry month" error={errors.fields['card.expMonth']}>
                    {(props) => (
                      <input
                        {...props}
                        inputMode="numeric"
                        autoComplete="cc-exp-month"
                        placeholder="MM"
                        value={card.expMonth}
                        onChange={set('expMonth')}
                        required
                      />
                    )}
                  </Field>
                  <Field label="Expiry year" error={errors.fields['card.expYear']}>
                    {(props) => (
                      <input
                        {...props}
                        inputMode="numeric"
                        autoComplete="cc-exp-year"
                        placeholder="YYYY"
                        value={card.expYear}
                        onChange={set('expYear')}
                        required
                      />
                    )}
                  </Field>
                  <Field label="CVC" error={errors.fields['card.cvc']}>
                    {(props) => (
                      <input
                        {...props}
                        inputMode="numeric"
                        autoComplete="cc-csc"
                        placeholder="123"
                        value={card.cvc}
                        onChange={set('cvc')}
                        required
                      />
                    )}
                  </Field>
                </div>
                <Field label="Name on card (optional)" error={errors.fields['card.holderName']}>
                  {(props) => (
                    <input
                      {...props}
                      autoComplete="cc-name"
                      value={card.holderName}
                      onChange={set('holderName')}
                    />
                  )}
                </Field>
                {orderError}
                <button type="submit" className="button primary wide" disabled={pay.isPending}>
                  {pay.isPending ? 'Paying…' : payLabel}
                </button>
                {releaseButton}
                <details className="test-cards">
                  <summary>Sandbox test cards</summary>
                  <p>
                    <code>4242 4242 4242 4242</code> succeeds · <code>4000 0000 0000 0002</code> is declined ·{' '}
                    <code>4000 0000 0000 9995</code> has insufficient funds. Any future expiry and any CVC.
                  </p>
                </details>
              </form>
            )}
          </>
        )}
      </QueryState>
    </section>
  );
}
