// The notification service's settings, read once from the environment and validated; a bad
// value stops the start with one line naming the variable. Without SMTP_URL mail is written as
// .eml files under DATA_DIR/outbox-mail; without an SMS provider or VAPID keys, SMS and push
// messages are logged instead of sent.
import { join } from 'node:path';
import {
  ConfigError,
  type PlatformConfig,
  readInteger,
  readUrl,
  requireInDeployment,
} from '@ticketing/platform';
import { BROWSER_PUSH_SERVICE_HOSTS, PUSH_SERVICE_HOST_PATTERN } from './push-endpoints.js';

type Env = Record<string, string | undefined>;

export interface SmsProviderConfig {
  /** Base URL of a Twilio-shaped API (SMS_PROVIDER_URL, default https://api.twilio.com). */
  baseUrl: string;
  accountSid: string;
  authToken: string;
  /** Sender number or alphanumeric id (SMS_FROM). */
  from: string;
}

export interface VapidConfig {
  publicKey: string;
  privateKey: string;
  /** A mailto: or https: URL identifying the sender to push services (VAPID_SUBJECT). */
  subject: string;
}

export interface NotificationServiceConfig {
  /** SMTP server (SMTP_URL, smtp:// or smtps://); undefined → .eml files in mailOutboxDir. */
  smtpUrl: string | undefined;
  mailOutboxDir: string;
  /** From header of every mail (MAIL_FROM). */
  mailFrom: string;
  sms: SmsProviderConfig | undefined;
  vapid: VapidConfig | undefined;
  /** Links in messages point here (PUBLIC_WEB_URL, default the gateway). */
  publicWebUrl: string;
  /** Tries before a notification is FAILED (NOTIFICATION_MAX_ATTEMPTS, default 5). */
  maxAttempts: number;
  /** First retry delay; doubled on each further try (NOTIFICATION_RETRY_BASE_MS, default 30 s). */
  retryBaseMs: number;
  /** Longest retry delay (NOTIFICATION_RETRY_MAX_MS, default 1 h). */
  retryMaxMs: number;
  /** How often the delivery worker looks for due notifications (NOTIFICATION_WORKER_INTERVAL_MS). */
  workerIntervalMs: number;
  /** Notifications claimed per worker round (NOTIFICATION_BATCH_SIZE, default 100). */
  batchSize: number;
  /** Messages per second per channel across all instances (NOTIFICATION_SEND_RATE_PER_SECOND). */
  sendRatePerSecond: number;
  /**
   * Messages one instance prepares and sends at once (NOTIFICATION_SEND_CONCURRENCY, default 16;
   * at most 4 SMTP connections carry them): a message mostly waits (the ticket service, the
   * database, the server), so a few more in flight keep up with an on-sale.
   */
  sendConcurrency: number;
  /** Worker threads that render messages, QR codes and MIME off the event loop (NOTIFICATION_RENDER_THREADS, default 1). */
  renderThreads: number;
  /** How long before an event its ticket holders get a reminder (NOTIFICATION_REMINDER_LEAD_HOURS). */
  reminderLeadHours: number;
  /** How often the reminder scheduler looks for upcoming events (NOTIFICATION_REMINDER_INTERVAL_MS). */
  reminderIntervalMs: number;
  /** A contact read from the user service is read again after this long (NOTIFICATION_CONTACT_TTL_HOURS). */
  contactTtlHours: number;
  /** Hosts a push subscription's endpoint may be on (NOTIFICATION_PUSH_SERVICE_HOSTS). */
  pushServiceHosts: string[];
}

function readPushServiceHosts(env: Env, name: string): string[] {
  const raw = present(env, name);
  if (raw === undefined) return [...BROWSER_PUSH_SERVICE_HOSTS];
  const hosts = raw.split(',').map((part) => part.trim().toLowerCase());
  if (hosts.some((host) => !PUSH_SERVICE_HOST_PATTERN.test(host)))
    throw new ConfigError(
      name,
      'a comma-separated list of host names like fcm.googleapis.com or *.push.apple.com',
      raw,
    );
  return hosts;
}

function present(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/** All of a group's variables or none: half a configuration is a mistake, not a choice. */
function readGroup<T extends string>(env: Env, names: readonly T[]): Record<T, string> | undefined {
  const values = names.map((name) => present(env, name));
  if (values.every((value) => value === undefined)) return undefined;
  const missing = names.find((_, index) => values[index] === undefined);
  if (missing) throw new ConfigError(missing, `set together with ${names.join(', ')}`, '');
  return Object.fromEntries(names.map((name, index) => [name, values[index]!])) as Record<T, string>;
}

export function notificationServiceConfig(
  config: PlatformConfig,
  env: Env = process.env,
): NotificationServiceConfig {
  const smtpUrl = readUrl(env, 'SMTP_URL', ['smtp:', 'smtps:']);
  requireInDeployment(config.environment, 'SMTP_URL', smtpUrl, 'mail would only be written to files');
  // The defaults point at this machine (.local sender, loopback links): undeliverable once deployed.
  requireInDeployment(
    config.environment,
    'MAIL_FROM',
    present(env, 'MAIL_FROM'),
    'the default sender ticketing.local is not deliverable',
  );
  const publicWebUrl = readUrl(env, 'PUBLIC_WEB_URL', ['http:', 'https:']);
  requireInDeployment(
    config.environment,
    'PUBLIC_WEB_URL',
    publicWebUrl,
    'links in messages would point at the loopback address',
  );
  if (config.environment === 'production' && publicWebUrl && !publicWebUrl.startsWith('https:')) {
    throw new ConfigError('PUBLIC_WEB_URL', 'an https:// URL in production', publicWebUrl);
  }
  const sms = readGroup(env, ['SMS_ACCOUNT_SID', 'SMS_AUTH_TOKEN', 'SMS_FROM']);
  const vapid = readGroup(env, ['VAPID_PUBLIC_KEY', 'VAPID_PRIVATE_KEY', 'VAPID_SUBJECT']);
  if (vapid && !/^(mailto:|https:\/\/)/.test(vapid.VAPID_SUBJECT)) {
    throw new ConfigError('VAPID_SUBJECT', 'a mailto: or https:// URL', vapid.VAPID_SUBJECT);
  }
  const mailFrom = present(env, 'MAIL_FROM') ?? 'Ticketing <no-reply@ticketing.local>';
  if (!/@[^\s@>]+\.[^\s@>]+/.test(mailFrom)) {
    throw new ConfigError('MAIL_FROM', 'an address such as "Ticketing <tickets@example.com>"', mailFrom);
  }
  const gateway = config.serviceUrls.gateway[0] ?? `http://127.0.0.1:${config.ports.gateway}`;
  return {
    smtpUrl,
    mailOutboxDir: join(config.dataDir, 'outbox-mail'),
    mailFrom,
    sms: sms && {
      baseUrl: (readUrl(env, 'SMS_PROVIDER_URL', ['http:', 'https:']) ?? 'https://api.twilio.com').replace(
        /\/+$/,
        '',
      ),
      accountSid: sms.SMS_ACCOUNT_SID,
      authToken: sms.SMS_AUTH_TOKEN,
      from: sms.SMS_FROM,
    },
    vapid: vapid && {
      publicKey: vapid.VAPID_PUBLIC_KEY,
      privateKey: vapid.VAPID_PRIVATE_KEY,
      subject: vapid.VAPID_SUBJECT,
    },
    publicWebUrl: (publicWebUrl ?? gateway).replace(/\/+$/, ''),
    maxAttempts: readInteger(env, 'NOTIFICATION_MAX_ATTEMPTS', 5, 1, 50),
    retryBaseMs: readInteger(env, 'NOTIFICATION_RETRY_BASE_MS', 30_000, 1, 86_400_000),
    retryMaxMs: readInteger(env, 'NOTIFICATION_RETRY_MAX_MS', 3_600_000, 1, 7 * 86_400_000),
    workerIntervalMs: readInteger(env, 'NOTIFICATION_WORKER_INTERVAL_MS', 1_000, 10, 600_000),
    batchSize: readInteger(env, 'NOTIFICATION_BATCH_SIZE', 100, 1, 10_000),
    sendRatePerSecond: readInteger(env, 'NOTIFICATION_SEND_RATE_PER_SECOND', 50, 1, 100_000),
    sendConcurrency: readInteger(env, 'NOTIFICATION_SEND_CONCURRENCY', 16, 1, 100),
    renderThreads: readInteger(env, 'NOTIFICATION_RENDER_THREADS', 1, 1, 16),
    reminderLeadHours: readInteger(env, 'NOTIFICATION_REMINDER_LEAD_HOURS', 24, 1, 24 * 30),
    reminderIntervalMs: readInteger(env, 'NOTIFICATION_REMINDER_INTERVAL_MS', 60_000, 10, 86_400_000),
    contactTtlHours: readInteger(env, 'NOTIFICATION_CONTACT_TTL_HOURS', 24, 0, 24 * 365),
    pushServiceHosts: readPushServiceHosts(env, 'NOTIFICATION_PUSH_SERVICE_HOSTS'),
  };
}
