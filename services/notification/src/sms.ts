// SMS: a Twilio-shaped HTTP API (POST /2010-04-01/Accounts/{sid}/Messages.json, form-encoded,
// HTTP Basic auth) over undici, or, without a configured provider, a line in the log.
import type { Logger } from '@ticketing/platform';
import { request } from 'undici';
import { type Delivered, DeliveryError, type OutgoingSms, type SmsSender } from './channels.js';
import type { SmsProviderConfig } from './config.js';

export class TwilioSmsSender implements SmsSender {
  readonly mode = 'provider' as const;
  private readonly authorization: string;

  constructor(private readonly config: SmsProviderConfig) {
    this.authorization = `Basic ${Buffer.from(`${config.accountSid}:${config.authToken}`).toString('base64')}`;
  }

  async send(sms: OutgoingSms): Promise<Delivered> {
    const url = `${this.config.baseUrl}/2010-04-01/Accounts/${encodeURIComponent(this.config.accountSid)}/Messages.json`;
    let status: number;
    let text: string;
    try {
      const response = await request(url, {
        method: 'POST',
        headers: {
          authorization: this.authorization,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          // Twilio ignores a repeated request with the same key, so a retry after a lost answer sends once.
          'i-twilio-idempotency-token': sms.notificationId,
        },
        body: new URLSearchParams({ To: sms.to, From: this.config.from, Body: sms.text }).toString(),
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      status = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      throw new DeliveryError(`SMS provider unreachable: ${(error as Error).message}`, false);
    }
    let body: { sid?: string; message?: string; code?: number } = {};
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: the status says enough
    }
    if (status >= 200 && status < 300) return { providerMessageId: body.sid ?? null };
    const detail = `SMS provider answered ${status}${body.code ? ` (${body.code})` : ''}: ${body.message ?? text.slice(0, 200)}`;
    // 4xx other than rate limiting means this message will never be accepted (bad number, bad sender).
    throw new DeliveryError(detail, status >= 400 && status < 500 && status !== 429 && status !== 408);
  }
}

/** The embedded mode's SMS: written to the log, not sent. */
export class LogSmsSender implements SmsSender {
  readonly mode = 'log' as const;
  constructor(private readonly logger: Logger) {}

  async send(sms: OutgoingSms): Promise<Delivered> {
    this.logger.info(
      { channel: 'sms', to: sms.to, text: sms.text, notificationId: sms.notificationId },
      'SMS (logged, no provider configured)',
    );
    return { providerMessageId: null };
  }
}
