// The three delivery channels as the delivery worker sees them: small ports with an adapter for
// real providers (SMTP, a Twilio-shaped SMS API, Web Push) and one for the embedded mode (.eml
// files, the log). A failure says whether trying again could help.

export interface MailAttachment {
  filename: string;
  content: Buffer | string;
  contentType: string;
  /** Set for images shown inside the HTML part (`<img src="cid:…">`). */
  cid?: string;
  contentDisposition?: 'inline' | 'attachment';
}

export interface OutgoingEmail {
  /** The notification id; also the Message-ID, so a retried mail is recognisably the same mail. */
  notificationId: string;
  to: { name: string; address: string };
  subject: string;
  text: string;
  html: string;
  attachments: MailAttachment[];
}

/** A mail composed into its raw MIME message, ready for the wire or the mailbox file. */
export interface ComposedEmail {
  notificationId: string;
  /** The recipient's address (the SMTP envelope's). */
  to: string;
  raw: Buffer;
}

export interface OutgoingSms {
  notificationId: string;
  to: string;
  text: string;
}

export interface PushTarget {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface OutgoingPush {
  notificationId: string;
  targets: PushTarget[];
  title: string;
  text: string;
  url: string;
}

export interface Delivered {
  /** The provider's id of the message (SMTP queue id, SMS sid), when it gave one. */
  providerMessageId: string | null;
}

export interface PushDelivered extends Delivered {
  /** Subscriptions the push service says are gone (404/410); they are removed. */
  goneEndpoints: string[];
}

export interface EmailSender {
  readonly mode: 'smtp' | 'file';
  send(mail: ComposedEmail): Promise<Delivered>;
  close(): Promise<void>;
}

export interface SmsSender {
  readonly mode: 'provider' | 'log';
  send(sms: OutgoingSms): Promise<Delivered>;
}

export interface PushSender {
  readonly mode: 'web-push' | 'log';
  readonly publicKey: string | null;
  send(push: OutgoingPush): Promise<PushDelivered>;
}

export interface Senders {
  email: EmailSender;
  sms: SmsSender;
  push: PushSender;
}

/** A failed delivery; `permanent` ones (a rejected address, a bad number) are not retried. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}
