// GET /api/v1/payments/config (public): how the web app's checkout takes a card — the sandbox's
// own card form, or Stripe Elements with the publishable key. Nothing secret is in the answer.
import type { HttpApp } from '@ticketing/platform';
import { type Static, Type } from 'typebox';
import type { PaymentServiceConfig } from './config.js';

export const PaymentsConfigView = Type.Object({
  provider: Type.Union([Type.Literal('sandbox'), Type.Literal('stripe')]),
  publishableKey: Type.Union([
    Type.String({ description: 'Stripe.js key (pk_…); null when checkout uses its own card form' }),
    Type.Null(),
  ]),
});
export type PaymentsConfigView = Static<typeof PaymentsConfigView>;

export function paymentsConfigView(settings: PaymentServiceConfig): PaymentsConfigView {
  return { provider: settings.gateway, publishableKey: settings.stripe?.publishableKey ?? null };
}

export function registerPaymentConfigRoute(app: HttpApp, settings: PaymentServiceConfig): void {
  const answer = paymentsConfigView(settings);
  app.get(
    '/api/v1/payments/config',
    {
      config: { access: 'public' },
      schema: {
        tags: ['payments'],
        summary: 'How checkout takes a card: the sandbox form, or Stripe Elements with this key',
        response: { 200: PaymentsConfigView },
      },
    },
    async (_request, reply) => {
      // The same for every visitor and changes only with a restart.
      void reply.header('cache-control', 'public, max-age=300');
      return answer;
    },
  );
}
