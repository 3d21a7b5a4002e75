// The kinds of notification the platform sends: whether each is transactional (it must reach
// the user by at least one channel, whatever their preferences), which variables its templates
// may use, and how those variables are made from the stored facts for one recipient and locale.
// Money and times are formatted here, per locale, so templates stay free of logic.

export const NOTIFICATION_TYPES = [
  'welcome',
  'order-confirmed',
  'order-cancelled',
  'order-failed',
  'payment-refunded',
  'event-cancelled',
  'event-reminder',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

export const CHANNELS = ['email', 'sms', 'push'] as const;
export type Channel = (typeof CHANNELS)[number];

export const LOCALES = ['en', 'de'] as const;
export type Locale = (typeof LOCALES)[number];

export const toLocale = (value: string | null | undefined): Locale => (value === 'de' ? 'de' : 'en');

/** A template variable: a value, or a list whose items have named fields (`{{#each tickets}}`). */
export type VariableSpec = string | { description: string; item: Record<string, string> };

export interface TicketFact {
  ticketId: string;
  label: string;
  code: string | null;
}

/** What the service stores about a notification, per type (the `data` column). */
export interface Facts {
  username?: string;
  orderId?: string;
  eventId?: string;
  eventTitle?: string | null;
  startsAt?: string | null;
  endsAt?: string | null;
  timeZone?: string | null;
  location?: string | null;
  amount?: number | null;
  currency?: string | null;
  fullyRefunded?: boolean;
  reason?: string | null;
  quantity?: number;
  ticketIds?: string[];
  /** The e-tickets with labels and codes, once read from the ticket service. */
  tickets?: TicketFact[];
}

export interface Recipient {
  firstName: string;
  lastName: string;
}

export type TemplateView = Record<string, unknown>;

interface TypeDefinition {
  transactional: boolean;
  description: string;
  variables: Record<string, VariableSpec>;
  /** Facts used to preview a template. */
  sample: Facts;
  view(facts: Facts, recipient: Recipient, locale: Locale, webUrl: string): TemplateView;
}

const RECIPIENT_VARIABLES = {
  firstName: "The recipient's first name",
  lastName: "The recipient's last name",
  webUrl: 'Address of the ticketing web site',
} as const;

const EVENT_VARIABLES = {
  eventTitle: 'Title of the event',
  eventStartsAt: 'When the event starts, formatted in its time zone and the recipient’s language',
  eventLocation: 'Where the event takes place (may be empty)',
} as const;

const SAMPLE_EVENT: Facts = {
  eventId: '01890a5d-ac96-774b-bcce-b302099a8057',
  eventTitle: 'Symphony No. 9 — Open Air',
  startsAt: '2030-06-21T18:30:00.000Z',
  endsAt: '2030-06-21T21:00:00.000Z',
  timeZone: 'Europe/Berlin',
  location: 'Stadtpark, Hamburg',
};

/** Minor units of a currency to a localized amount, e.g. 4250 EUR → "€42.50" / "42,50 €". */
export function formatMoney(
  minor: number | null | undefined,
  currency: string | null | undefined,
  locale: Locale,
) {
  if (minor === null || minor === undefined || !currency) return '';
  try {
    const format = new Intl.NumberFormat(locale === 'de' ? 'de-DE' : 'en-GB', {
      style: 'currency',
      currency,
    });
    const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
    return format.format(minor / 10 ** digits);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
}

/** An instant in the event's time zone and the recipient's language. */
export function formatInstant(
  iso: string | null | undefined,
  timeZone: string | null | undefined,
  locale: Locale,
) {
  if (!iso) return '';
  const options: Intl.DateTimeFormatOptions = {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  };
  const language = locale === 'de' ? 'de-DE' : 'en-GB';
  try {
    return new Intl.DateTimeFormat(language, { ...options, timeZone: timeZone ?? 'UTC' }).format(
      new Date(iso),
    );
  } catch {
    return new Intl.DateTimeFormat(language, { ...options, timeZone: 'UTC' }).format(new Date(iso));
  }
}

/** The content id of a ticket's inline QR image in an e-ticket mail. */
export const qrContentId = (ticketId: string) => `qr-${ticketId}@ticketing`;

const recipientView = (recipient: Recipient, webUrl: string) => ({
  firstName: recipient.firstName,
  lastName: recipient.lastName,
  webUrl,
});

const eventView = (facts: Facts, locale: Locale) => ({
  eventTitle: facts.eventTitle ?? '',
  eventStartsAt: formatInstant(facts.startsAt, facts.timeZone, locale),
  eventLocation: facts.location ?? '',
});

/** The web app's page of the order (apps/web: /orders/:id, with its QR tickets). */
export const orderUrl = (webUrl: string, facts: Facts) => `${webUrl}/orders/${facts.orderId ?? ''}`;

/** Where tapping a notification leads: its order, else its event, else the storefront. */
export const notificationUrl = (webUrl: string, facts: Facts) =>
  facts.orderId ? orderUrl(webUrl, facts) : facts.eventId ? `${webUrl}/events/${facts.eventId}` : webUrl;

export const NOTIFICATION_TYPE_DEFINITIONS: Record<NotificationType, TypeDefinition> = {
  welcome: {
    transactional: false,
    description: 'Sent once an account is created',
    variables: { ...RECIPIENT_VARIABLES, username: 'The account name to log in with' },
    sample: { username: 'ada' },
    view: (facts, recipient, _locale, webUrl) => ({
      ...recipientView(recipient, webUrl),
      username: facts.username ?? '',
    }),
  },
  'order-confirmed': {
    transactional: true,
    description: 'The e-tickets of a confirmed order: QR codes inline and attached, and a calendar file',
    variables: {
      ...RECIPIENT_VARIABLES,
      ...EVENT_VARIABLES,
      orderId: 'The order number',
      orderUrl: 'Link to the order in the account pages',
      total: 'The amount paid, formatted',
      ticketCount: 'How many tickets the order has',
      tickets: {
        description: 'The tickets of the order',
        item: {
          label: 'Seat or ticket type, e.g. "Stalls · Row C · Seat 12"',
          qrCid: 'Content id of the ticket’s QR image, for <img src="cid:…">; empty without a code',
          hasQrCode: 'Whether the ticket has a QR code',
        },
      },
    },
    sample: {
      ...SAMPLE_EVENT,
      orderId: '01890a5d-ac96-774b-bcce-b302099a8058',
      amount: 8500,
      currency: 'EUR',
      tickets: [
        { ticketId: '01890a5d-ac96-774b-bcce-b302099a8059', label: 'Lawn · Row A · Seat 1', code: 'sample' },
        { ticketId: '01890a5d-ac96-774b-bcce-b302099a805a', label: 'Lawn · Row A · Seat 2', code: 'sample' },
      ],
    },
    view: (facts, recipient, locale, webUrl) => ({
      ...recipientView(recipient, webUrl),
      ...eventView(facts, locale),
      orderId: facts.orderId ?? '',
      orderUrl: orderUrl(webUrl, facts),
      total: formatMoney(facts.amount, facts.currency, locale),
      ticketCount: facts.tickets?.length ?? facts.quantity ?? facts.ticketIds?.length ?? 0,
      tickets: (facts.tickets ?? []).map((ticket) => ({
        label: ticket.label,
        qrCid: ticket.code ? qrContentId(ticket.ticketId) : '',
        hasQrCode: ticket.code !== null && ticket.code !== '',
      })),
    }),
  },
  'order-cancelled': {
    transactional: true,
    description: 'An order was cancelled (by the buyer, an admin, or because its event was cancelled)',
    variables: {
      ...RECIPIENT_VARIABLES,
      ...EVENT_VARIABLES,
      orderId: 'The order number',
      orderUrl: 'Link to the order in the account pages',
      reason: 'Why the order was cancelled (may be empty)',
    },
    sample: {
      ...SAMPLE_EVENT,
      orderId: '01890a5d-ac96-774b-bcce-b302099a8058',
      reason: 'Cancelled at your request',
    },
    view: (facts, recipient, locale, webUrl) => ({
      ...recipientView(recipient, webUrl),
      ...eventView(facts, locale),
      orderId: facts.orderId ?? '',
      orderUrl: orderUrl(webUrl, facts),
      reason: facts.reason ?? '',
    }),
  },
  'order-failed': {
    transactional: true,
    description: 'A purchase did not go through (payment declined or failed); nothing was charged',
    variables: {
      ...RECIPIENT_VARIABLES,
      ...EVENT_VARIABLES,
      orderId: 'The order number',
      reason: 'Why the purchase failed',
    },
    sample: {
      ...SAMPLE_EVENT,
      orderId: '01890a5d-ac96-774b-bcce-b302099a8058',
      reason: 'The card was declined',
    },
    view: (facts, recipient, locale, webUrl) => ({
      ...recipientView(recipient, webUrl),
      ...eventView(facts, locale),
      orderId: facts.orderId ?? '',
      reason: facts.reason ?? '',
    }),
  },
  'payment-refunded': {
    transactional: true,
    description: 'Money was refunded to the buyer’s card',
    variables: {
      ...RECIPIENT_VARIABLES,
      ...EVENT_VARIABLES,
      orderId: 'The order number',
      orderUrl: 'Link to the order in the account pages',
      amount: 'The amount refunded, formatted',
      fullyRefunded: 'Whether nothing is left to refund on the order',
      reason: 'Why it was refunded',
    },
    sample: {
      ...SAMPLE_EVENT,
      orderId: '01890a5d-ac96-774b-bcce-b302099a8058',
      amount: 8500,
      currency: 'EUR',
      fullyRefunded: true,
      reason: 'Event cancelled',
    },
    view: (facts, recipient, locale, webUrl) => ({
      ...recipientView(recipient, webUrl),
      ...eventView(facts, locale),
      orderId: facts.orderId ?? '',
      orderUrl: orderUrl(webUrl, facts),
      amount: formatMoney(facts.amount, facts.currency, locale),
      fullyRefunded: facts.fullyRefunded ?? false,
      reason: facts.reason ?? '',
    }),
  },
  'event-cancelled': {
    transactional: true,
    description: 'An event the recipient holds tickets for was cancelled',
    variables: { ...RECIPIENT_VARIABLES, ...EVENT_VARIABLES, reason: 'Why the event was cancelled' },
    sample: { ...SAMPLE_EVENT, reason: 'Severe weather warning' },
    view: (facts, recipient, locale, webUrl) => ({
      ...recipientView(recipient, webUrl),
      ...eventView(facts, locale),
      reason: facts.reason ?? '',
    }),
  },
  'event-reminder': {
    transactional: false,
    description: 'A reminder shortly before an event the recipient holds tickets for',
    variables: {
      ...RECIPIENT_VARIABLES,
      ...EVENT_VARIABLES,
      ticketsUrl: 'Link to the recipient’s tickets',
    },
    sample: { ...SAMPLE_EVENT },
    view: (facts, recipient, locale, webUrl) => ({
      ...recipientView(recipient, webUrl),
      ...eventView(facts, locale),
      ticketsUrl: `${webUrl}/account/orders`,
    }),
  },
};

export const isTransactional = (type: NotificationType) => NOTIFICATION_TYPE_DEFINITIONS[type].transactional;

/** The variables a template of the type sees for one recipient. */
export function templateView(
  type: NotificationType,
  facts: Facts,
  recipient: Recipient,
  locale: Locale,
  webUrl: string,
): TemplateView {
  return NOTIFICATION_TYPE_DEFINITIONS[type].view(facts, recipient, locale, webUrl);
}

/** What a preview renders with: the type's sample facts for a sample recipient. */
export function sampleView(type: NotificationType, locale: Locale, webUrl: string): TemplateView {
  const definition = NOTIFICATION_TYPE_DEFINITIONS[type];
  return definition.view(definition.sample, { firstName: 'Ada', lastName: 'Lovelace' }, locale, webUrl);
}
