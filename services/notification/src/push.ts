// Web Push with VAPID (the web-push package): one encrypted message per browser the user
// subscribed; subscriptions the push service reports gone (404/410) are dropped. Without VAPID
// keys, push messages are written to the log. Connections go only to public addresses, whatever
// a push service's name resolves to (push-endpoints.ts).
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Logger } from '@ticketing/platform';
import webpush from 'web-push';
import { DeliveryError, type OutgoingPush, type PushDelivered, type PushSender } from './channels.js';
import type { VapidConfig } from './config.js';
import { isPublicAddress } from './push-endpoints.js';

/** A resolver that drops private, loopback and link-local answers, and fails when none is left. */
export const lookupPublicOnly: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    const usable = error ? [] : addresses.filter((entry) => isPublicAddress(entry.address));
    if (usable.length === 0) {
      const refused = Object.assign(
        error ?? new Error(`${hostname} resolves to no public address; push is not sent there`),
        { code: error ? (error as NodeJS.ErrnoException).code : 'ENOTPUBLIC' },
      );
      return callback(refused, '', 0);
    }
    if (options.all) return (callback as unknown as (e: null, all: LookupAddress[]) => void)(null, usable);
    return callback(null, usable[0]!.address, usable[0]!.family);
  });
};

export class WebPushSender implements PushSender {
  readonly mode = 'web-push' as const;
  readonly publicKey: string;
  private readonly agent = new Agent({ keepAlive: true, lookup: lookupPublicOnly });

  constructor(private readonly vapid: VapidConfig) {
    this.publicKey = vapid.publicKey;
  }

  async send(push: OutgoingPush): Promise<PushDelivered> {
    const payload = JSON.stringify({
      title: push.title,
      body: push.text,
      url: push.url,
      tag: push.notificationId,
    });
    const goneEndpoints: string[] = [];
    const failures: string[] = [];
    let delivered = 0;
    for (const target of push.targets) {
      try {
        await webpush.sendNotification(target, payload, {
          vapidDetails: this.vapid,
          TTL: 86_400,
          timeout: 10_000,
          agent: this.agent,
        });
        delivered++;
      } catch (error) {
        const statusCode = (error as { statusCode?: number }).statusCode;
        if (statusCode === 404 || statusCode === 410) goneEndpoints.push(target.endpoint);
        else failures.push(`${statusCode ?? 'error'}: ${(error as Error).message}`);
      }
    }
    if (delivered > 0) return { providerMessageId: null, goneEndpoints };
    if (failures.length === 0) {
      const error = new DeliveryError('every push subscription of the user is gone', true);
      throw Object.assign(error, { goneEndpoints });
    }
    throw Object.assign(new DeliveryError(`push failed: ${failures.join('; ')}`.slice(0, 1_000), false), {
      goneEndpoints,
    });
  }
}

/** The embedded mode's push: written to the log, not sent. */
export class LogPushSender implements PushSender {
  readonly mode = 'log' as const;
  readonly publicKey = null;
  constructor(private readonly logger: Logger) {}

  async send(push: OutgoingPush): Promise<PushDelivered> {
    this.logger.info(
      {
        channel: 'push',
        browsers: push.targets.length,
        title: push.title,
        text: push.text,
        notificationId: push.notificationId,
      },
      'push message (logged, no VAPID keys configured)',
    );
    return { providerMessageId: null, goneEndpoints: [] };
  }
}
