// buildApp for the notification service: wires its dependencies into a Fastify app, the event
// consumers, the delivery worker and the reminder scheduler. Nothing listens here.
import {
  type Clock,
  createServiceApp,
  type Database,
  type RunningService,
  type ServiceContext,
} from '@ticketing/platform';
import { Counter } from 'prom-client';
import type { Senders } from './channels.js';
import { notificationServiceConfig } from './config.js';
import { type ContactDeps, refreshContact } from './contacts.js';
import { DeliveryWorker } from './delivery.js';
import { FileEmailSender, SmtpEmailSender } from './email.js';
import { subscribeToEvents } from './events.js';
import type { MailOutboxDeps } from './mail-outbox.js';
import { MessageRenderer } from './message-renderer.js';
import { LogPushSender, WebPushSender } from './push.js';
import { eventReactions } from './reactions.js';
import { reminderScheduler } from './reminders.js';
import { registerRoutes } from './routes.js';
import { LogSmsSender, TwilioSmsSender } from './sms.js';
import { RecentTemplates, type TemplateDeps, writeDefaultTemplates } from './templates.js';

/** Most SMTP connections one instance opens (many providers allow only a handful per client). */
const SMTP_CONNECTIONS = 4;

export interface NotificationServiceDeps {
  db: Database;
  clock: Clock;
  refreshContact(userId: string): Promise<void>;
  maxAttempts: number;
  senders: Senders;
  templates: TemplateDeps;
  mailOutbox: MailOutboxDeps;
  /** Hosts a push subscription's endpoint may be on. */
  pushServiceHosts: readonly string[];
  onQueued(): void;
}

export async function buildNotificationService(context: ServiceContext): Promise<RunningService> {
  const settings = notificationServiceConfig(context.config, context.env);
  const logger = context.logger.child({ service: 'notification' });
  const app = await createServiceApp(context, 'notification', {
    description: 'Email, SMS and push from domain events: templates, preferences, retries, history',
  });

  const senders: Senders = {
    email: settings.smtpUrl
      ? // A message spends most of its time before the SMTP hand-over: a few connections carry them all.
        new SmtpEmailSender(
          settings.smtpUrl,
          settings.mailFrom,
          Math.min(settings.sendConcurrency, SMTP_CONNECTIONS),
        )
      : new FileEmailSender(settings.mailOutboxDir),
    sms: settings.sms ? new TwilioSmsSender(settings.sms) : new LogSmsSender(logger),
    push: settings.vapid ? new WebPushSender(settings.vapid) : new LogPushSender(logger),
  };
  logger.info(
    { email: senders.email.mode, sms: senders.sms.mode, push: senders.push.mode },
    'notification channels ready',
  );

  const templates: TemplateDeps = {
    db: context.db,
    clock: context.clock,
    webUrl: settings.publicWebUrl,
    recent: new RecentTemplates(),
  };
  await writeDefaultTemplates(templates);

  const contacts: ContactDeps = {
    db: context.db,
    clock: context.clock,
    logger,
    userService: () => context.client('user'),
    contactTtlHours: settings.contactTtlHours,
  };

  const deliveries = new Counter({
    name: 'notifications_delivery_total',
    help: 'Delivery attempts by channel, type and outcome (sent, retry, failed, skipped)',
    labelNames: ['channel', 'type', 'outcome'],
    registers: [app.metrics],
  });
  const renderer = new MessageRenderer(settings.renderThreads);
  const worker = new DeliveryWorker(
    {
      db: context.db,
      clock: context.clock,
      cache: context.cache,
      logger,
      senders,
      contacts,
      orders: { ticketService: () => context.client('ticket'), logger },
      templates,
      renderer,
      settings: {
        retryBaseMs: settings.retryBaseMs,
        retryMaxMs: settings.retryMaxMs,
        batchSize: settings.batchSize,
        sendRatePerSecond: settings.sendRatePerSecond,
        sendConcurrency: settings.sendConcurrency,
        webUrl: settings.publicWebUrl,
        mailFrom: settings.mailFrom,
      },
      onOutcome: (channel, type, outcome) => deliveries.inc({ channel, type, outcome }),
    },
    settings.workerIntervalMs,
  );
  const onQueued = () => worker.kick();
  const reminders = reminderScheduler(
    {
      db: context.db,
      clock: context.clock,
      leadHours: settings.reminderLeadHours,
      maxAttempts: settings.maxAttempts,
    },
    settings.reminderIntervalMs,
    logger,
    onQueued,
  );

  const deps: NotificationServiceDeps = {
    db: context.db,
    clock: context.clock,
    refreshContact: (userId) => refreshContact(contacts, userId),
    maxAttempts: settings.maxAttempts,
    senders,
    templates,
    mailOutbox: { db: context.db, email: senders.email },
    pushServiceHosts: settings.pushServiceHosts,
    onQueued,
  };
  registerRoutes(app, deps);

  return {
    app,
    async startWorkers() {
      await subscribeToEvents(
        context.bus,
        eventReactions({ db: context.db, clock: context.clock, maxAttempts: settings.maxAttempts, onQueued }),
        logger,
      );
      worker.start();
      reminders.start();
    },
    async stopWorkers() {
      await reminders.stop();
      await worker.stop();
      await Promise.all([senders.email.close(), renderer.close()]);
    },
  };
}
