// The templates every installation starts with, in English and German, per notification type
// and channel. Written to the database at start when missing; admins edit them there.
import type { Channel, Locale, NotificationType } from './notification-types.js';

export interface TemplateContent {
  /** Email subject, or the title of a push message; unused for SMS. */
  subject: string | null;
  text: string;
  /** Email only: the body inside the mail layout. */
  html: string | null;
}

type Localized = Record<Locale, Record<Channel, TemplateContent>>;

const email = (subject: string, text: string, html: string): TemplateContent => ({ subject, text, html });
const sms = (text: string): TemplateContent => ({ subject: null, text, html: null });
const push = (title: string, text: string): TemplateContent => ({ subject: title, text, html: null });

export const DEFAULT_TEMPLATES: Record<NotificationType, Localized> = {
  welcome: {
    en: {
      email: email(
        'Welcome to Ticketing, {{firstName}}',
        'Hello {{firstName}},\n\nyour account "{{username}}" is ready. Find events at {{webUrl}}.\n\nSee you at the show!',
        '<p>Hello {{firstName}},</p><p>your account <strong>{{username}}</strong> is ready.</p><p><a href="{{webUrl}}">Find your next event</a></p><p>See you at the show!</p>',
      ),
      sms: sms('Welcome to Ticketing, {{firstName}}! Your account {{username}} is ready.'),
      push: push('Welcome, {{firstName}}', 'Your account {{username}} is ready.'),
    },
    de: {
      email: email(
        'Willkommen bei Ticketing, {{firstName}}',
        'Hallo {{firstName}},\n\nIhr Konto „{{username}}“ ist eingerichtet. Veranstaltungen finden Sie unter {{webUrl}}.\n\nBis bald!',
        '<p>Hallo {{firstName}},</p><p>Ihr Konto <strong>{{username}}</strong> ist eingerichtet.</p><p><a href="{{webUrl}}">Zu den Veranstaltungen</a></p><p>Bis bald!</p>',
      ),
      sms: sms('Willkommen bei Ticketing, {{firstName}}! Ihr Konto {{username}} ist eingerichtet.'),
      push: push('Willkommen, {{firstName}}', 'Ihr Konto {{username}} ist eingerichtet.'),
    },
  },
  'order-confirmed': {
    en: {
      email: email(
        'Your tickets for {{eventTitle}}',
        'Hello {{firstName}},\n\nthank you for your order {{orderId}} ({{total}}).\n\n{{eventTitle}}\n{{eventStartsAt}}\n{{eventLocation}}\n\nYour {{ticketCount}} ticket(s):\n{{#each tickets}}- {{label}}\n{{/each}}\nShow the attached QR codes at the entrance. The calendar file adds the event to your calendar.\nYour order: {{orderUrl}}',
        '<p>Hello {{firstName}},</p><p>thank you for your order <strong>{{orderId}}</strong> ({{total}}).</p><h2>{{eventTitle}}</h2><p>{{eventStartsAt}}{{#if eventLocation}}<br>{{eventLocation}}{{/if}}</p>{{#each tickets}}<div class="ticket"><p><strong>{{label}}</strong></p>{{#if hasQrCode}}<img src="cid:{{qrCid}}" alt="QR code for {{label}}" width="200" height="200">{{/if}}</div>{{/each}}<p>Show the QR codes at the entrance; they are attached too. <a href="{{orderUrl}}">View your order</a></p>',
      ),
      sms: sms(
        'Your {{ticketCount}} ticket(s) for {{eventTitle}} ({{eventStartsAt}}) are confirmed. Order {{orderId}}: {{orderUrl}}',
      ),
      push: push('Tickets confirmed', '{{ticketCount}} ticket(s) for {{eventTitle}}, {{eventStartsAt}}'),
    },
    de: {
      email: email(
        'Ihre Tickets für {{eventTitle}}',
        'Hallo {{firstName}},\n\nvielen Dank für Ihre Bestellung {{orderId}} ({{total}}).\n\n{{eventTitle}}\n{{eventStartsAt}}\n{{eventLocation}}\n\nIhre {{ticketCount}} Ticket(s):\n{{#each tickets}}- {{label}}\n{{/each}}\nZeigen Sie die angehängten QR-Codes am Eingang vor. Mit der Kalenderdatei tragen Sie die Veranstaltung in Ihren Kalender ein.\nIhre Bestellung: {{orderUrl}}',
        '<p>Hallo {{firstName}},</p><p>vielen Dank für Ihre Bestellung <strong>{{orderId}}</strong> ({{total}}).</p><h2>{{eventTitle}}</h2><p>{{eventStartsAt}}{{#if eventLocation}}<br>{{eventLocation}}{{/if}}</p>{{#each tickets}}<div class="ticket"><p><strong>{{label}}</strong></p>{{#if hasQrCode}}<img src="cid:{{qrCid}}" alt="QR-Code für {{label}}" width="200" height="200">{{/if}}</div>{{/each}}<p>Zeigen Sie die QR-Codes am Eingang vor; sie sind auch angehängt. <a href="{{orderUrl}}">Zur Bestellung</a></p>',
      ),
      sms: sms(
        'Ihre {{ticketCount}} Ticket(s) für {{eventTitle}} ({{eventStartsAt}}) sind bestätigt. Bestellung {{orderId}}: {{orderUrl}}',
      ),
      push: push('Tickets bestätigt', '{{ticketCount}} Ticket(s) für {{eventTitle}}, {{eventStartsAt}}'),
    },
  },
  'order-cancelled': {
    en: {
      email: email(
        'Your order {{orderId}} was cancelled',
        'Hello {{firstName}},\n\nyour order {{orderId}}{{#if eventTitle}} for {{eventTitle}}{{/if}} was cancelled.{{#if reason}}\nReason: {{reason}}{{/if}}\nAny payment is refunded to your card; you will get a separate message when it is.\n\n{{orderUrl}}',
        '<p>Hello {{firstName}},</p><p>your order <strong>{{orderId}}</strong>{{#if eventTitle}} for {{eventTitle}}{{/if}} was cancelled.</p>{{#if reason}}<p>Reason: {{reason}}</p>{{/if}}<p>Any payment is refunded to your card; you will get a separate message when it is.</p><p><a href="{{orderUrl}}">View your order</a></p>',
      ),
      sms: sms('Your order {{orderId}}{{#if eventTitle}} for {{eventTitle}}{{/if}} was cancelled.'),
      push: push('Order cancelled', 'Your order{{#if eventTitle}} for {{eventTitle}}{{/if}} was cancelled.'),
    },
    de: {
      email: email(
        'Ihre Bestellung {{orderId}} wurde storniert',
        'Hallo {{firstName}},\n\nIhre Bestellung {{orderId}}{{#if eventTitle}} für {{eventTitle}}{{/if}} wurde storniert.{{#if reason}}\nGrund: {{reason}}{{/if}}\nEine Zahlung wird Ihrer Karte erstattet; Sie erhalten dazu eine eigene Nachricht.\n\n{{orderUrl}}',
        '<p>Hallo {{firstName}},</p><p>Ihre Bestellung <strong>{{orderId}}</strong>{{#if eventTitle}} für {{eventTitle}}{{/if}} wurde storniert.</p>{{#if reason}}<p>Grund: {{reason}}</p>{{/if}}<p>Eine Zahlung wird Ihrer Karte erstattet; Sie erhalten dazu eine eigene Nachricht.</p><p><a href="{{orderUrl}}">Zur Bestellung</a></p>',
      ),
      sms: sms('Ihre Bestellung {{orderId}}{{#if eventTitle}} für {{eventTitle}}{{/if}} wurde storniert.'),
      push: push(
        'Bestellung storniert',
        'Ihre Bestellung{{#if eventTitle}} für {{eventTitle}}{{/if}} wurde storniert.',
      ),
    },
  },
  'order-failed': {
    en: {
      email: email(
        'Your purchase did not go through',
        'Hello {{firstName}},\n\nwe could not complete your order {{orderId}}{{#if eventTitle}} for {{eventTitle}}{{/if}}: {{reason}}.\nNothing was charged. You can try again with another card while tickets are available.',
        '<p>Hello {{firstName}},</p><p>we could not complete your order <strong>{{orderId}}</strong>{{#if eventTitle}} for {{eventTitle}}{{/if}}: {{reason}}.</p><p>Nothing was charged. You can try again with another card while tickets are available.</p>',
      ),
      sms: sms('Your order {{orderId}} did not go through: {{reason}}. Nothing was charged.'),
      push: push('Purchase failed', '{{reason}}. Nothing was charged.'),
    },
    de: {
      email: email(
        'Ihr Kauf konnte nicht abgeschlossen werden',
        'Hallo {{firstName}},\n\nIhre Bestellung {{orderId}}{{#if eventTitle}} für {{eventTitle}}{{/if}} konnte nicht abgeschlossen werden: {{reason}}.\nEs wurde nichts belastet. Sie können es mit einer anderen Karte erneut versuchen, solange Tickets verfügbar sind.',
        '<p>Hallo {{firstName}},</p><p>Ihre Bestellung <strong>{{orderId}}</strong>{{#if eventTitle}} für {{eventTitle}}{{/if}} konnte nicht abgeschlossen werden: {{reason}}.</p><p>Es wurde nichts belastet. Sie können es mit einer anderen Karte erneut versuchen, solange Tickets verfügbar sind.</p>',
      ),
      sms: sms(
        'Ihre Bestellung {{orderId}} wurde nicht abgeschlossen: {{reason}}. Es wurde nichts belastet.',
      ),
      push: push('Kauf fehlgeschlagen', '{{reason}}. Es wurde nichts belastet.'),
    },
  },
  'payment-refunded': {
    en: {
      email: email(
        'Refund of {{amount}} for order {{orderId}}',
        'Hello {{firstName}},\n\nwe refunded {{amount}} for your order {{orderId}}{{#if eventTitle}} ({{eventTitle}}){{/if}} to your card.{{#if reason}}\nReason: {{reason}}{{/if}}\nDepending on your bank it can take a few days to show.\n\n{{orderUrl}}',
        '<p>Hello {{firstName}},</p><p>we refunded <strong>{{amount}}</strong> for your order {{orderId}}{{#if eventTitle}} ({{eventTitle}}){{/if}} to your card.</p>{{#if reason}}<p>Reason: {{reason}}</p>{{/if}}<p>Depending on your bank it can take a few days to show.</p><p><a href="{{orderUrl}}">View your order</a></p>',
      ),
      sms: sms('We refunded {{amount}} for your order {{orderId}} to your card.'),
      push: push('Refund issued', '{{amount}} for order {{orderId}} is on its way back to your card.'),
    },
    de: {
      email: email(
        'Erstattung von {{amount}} für Bestellung {{orderId}}',
        'Hallo {{firstName}},\n\nwir haben {{amount}} für Ihre Bestellung {{orderId}}{{#if eventTitle}} ({{eventTitle}}){{/if}} auf Ihre Karte erstattet.{{#if reason}}\nGrund: {{reason}}{{/if}}\nJe nach Bank kann es einige Tage dauern, bis der Betrag sichtbar ist.\n\n{{orderUrl}}',
        '<p>Hallo {{firstName}},</p><p>wir haben <strong>{{amount}}</strong> für Ihre Bestellung {{orderId}}{{#if eventTitle}} ({{eventTitle}}){{/if}} auf Ihre Karte erstattet.</p>{{#if reason}}<p>Grund: {{reason}}</p>{{/if}}<p>Je nach Bank kann es einige Tage dauern, bis der Betrag sichtbar ist.</p><p><a href="{{orderUrl}}">Zur Bestellung</a></p>',
      ),
      sms: sms('Wir haben {{amount}} für Ihre Bestellung {{orderId}} auf Ihre Karte erstattet.'),
      push: push(
        'Erstattung veranlasst',
        '{{amount}} für Bestellung {{orderId}} wird Ihrer Karte gutgeschrieben.',
      ),
    },
  },
  'event-cancelled': {
    en: {
      email: email(
        'Cancelled: {{eventTitle}}',
        'Hello {{firstName}},\n\nwe are sorry: {{eventTitle}} on {{eventStartsAt}} has been cancelled.{{#if reason}}\nReason: {{reason}}{{/if}}\nYour tickets are refunded automatically; you will get a message when the money is on its way.',
        '<p>Hello {{firstName}},</p><p>we are sorry: <strong>{{eventTitle}}</strong> on {{eventStartsAt}} has been cancelled.</p>{{#if reason}}<p>Reason: {{reason}}</p>{{/if}}<p>Your tickets are refunded automatically; you will get a message when the money is on its way.</p>',
      ),
      sms: sms(
        '{{eventTitle}} on {{eventStartsAt}} has been cancelled. Your tickets are refunded automatically.',
      ),
      push: push(
        'Event cancelled',
        '{{eventTitle}} has been cancelled. Your tickets are refunded automatically.',
      ),
    },
    de: {
      email: email(
        'Abgesagt: {{eventTitle}}',
        'Hallo {{firstName}},\n\nes tut uns leid: {{eventTitle}} am {{eventStartsAt}} wurde abgesagt.{{#if reason}}\nGrund: {{reason}}{{/if}}\nIhre Tickets werden automatisch erstattet; Sie erhalten eine Nachricht, sobald das Geld unterwegs ist.',
        '<p>Hallo {{firstName}},</p><p>es tut uns leid: <strong>{{eventTitle}}</strong> am {{eventStartsAt}} wurde abgesagt.</p>{{#if reason}}<p>Grund: {{reason}}</p>{{/if}}<p>Ihre Tickets werden automatisch erstattet; Sie erhalten eine Nachricht, sobald das Geld unterwegs ist.</p>',
      ),
      sms: sms(
        '{{eventTitle}} am {{eventStartsAt}} wurde abgesagt. Ihre Tickets werden automatisch erstattet.',
      ),
      push: push(
        'Veranstaltung abgesagt',
        '{{eventTitle}} wurde abgesagt. Ihre Tickets werden automatisch erstattet.',
      ),
    },
  },
  'event-reminder': {
    en: {
      email: email(
        'Coming up: {{eventTitle}}',
        'Hello {{firstName}},\n\n{{eventTitle}} starts {{eventStartsAt}}.{{#if eventLocation}}\nWhere: {{eventLocation}}{{/if}}\nHave your tickets ready: {{ticketsUrl}}',
        '<p>Hello {{firstName}},</p><p><strong>{{eventTitle}}</strong> starts {{eventStartsAt}}.</p>{{#if eventLocation}}<p>Where: {{eventLocation}}</p>{{/if}}<p><a href="{{ticketsUrl}}">Have your tickets ready</a></p>',
      ),
      sms: sms('Reminder: {{eventTitle}} starts {{eventStartsAt}}. Tickets: {{ticketsUrl}}'),
      push: push('Coming up: {{eventTitle}}', 'Starts {{eventStartsAt}}'),
    },
    de: {
      email: email(
        'Bald ist es so weit: {{eventTitle}}',
        'Hallo {{firstName}},\n\n{{eventTitle}} beginnt am {{eventStartsAt}}.{{#if eventLocation}}\nOrt: {{eventLocation}}{{/if}}\nHalten Sie Ihre Tickets bereit: {{ticketsUrl}}',
        '<p>Hallo {{firstName}},</p><p><strong>{{eventTitle}}</strong> beginnt am {{eventStartsAt}}.</p>{{#if eventLocation}}<p>Ort: {{eventLocation}}</p>{{/if}}<p><a href="{{ticketsUrl}}">Tickets bereithalten</a></p>',
      ),
      sms: sms('Erinnerung: {{eventTitle}} beginnt am {{eventStartsAt}}. Tickets: {{ticketsUrl}}'),
      push: push('Bald: {{eventTitle}}', 'Beginnt am {{eventStartsAt}}'),
    },
  },
};
