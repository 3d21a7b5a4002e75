// buildApp for the ticket service: wires its dependencies into a Fastify app and its workers
// (the hold sweeper, the event-cancelled consumer). Nothing listens here.
import { createServiceApp, type RunningService, type ServiceContext } from '@ticketing/platform';
import { Counter, Gauge } from 'prom-client';
import { liveCounts } from './availability.js';
import { TicketCatalogue } from './catalogue.js';
import type { CheckinDeps } from './checkin.js';
import { ticketServiceConfig } from './config.js';
import { TicketCodeSigner } from './e-tickets.js';
import { subscribeToEvents } from './events.js';
import type { HoldDeps } from './holds.js';
import { type InventoryDeps, withdrawInventory } from './inventory.js';
import { LiveAvailability } from './live-availability.js';
import { ProofOfWork } from './proof-of-work.js';
import { QueueAdmissionTokens } from './queue-tokens.js';
import { QueueUpdates } from './queue-updates.js';
import { registerRoutes } from './routes.js';
import type { SaleDeps } from './sales.js';
import { ServiceSigningKeys } from './signing-keys.js';
import { holdSweeper, type SweeperDeps } from './sweeper.js';
import { type WaitingRoomDeps, waitingRoomWorker } from './waiting-room.js';

export interface TicketServiceDeps
  extends HoldDeps,
    SaleDeps,
    CheckinDeps,
    InventoryDeps,
    SweeperDeps,
    WaitingRoomDeps {
  live: LiveAvailability;
  queueUpdates: QueueUpdates;
  proofOfWork: ProofOfWork;
}

export async function buildTicketService(context: ServiceContext): Promise<RunningService> {
  const app = await createServiceApp(context, 'ticket', {
    description: 'Inventory, seat holds with expiry, sales, live availability, e-tickets and check-in',
  });
  const settings = ticketServiceConfig(context.config, context.env);
  const keys = new ServiceSigningKeys(context.db, context.clock);
  await keys.load();
  const signer = new TicketCodeSigner(keys);
  const admissions = new QueueAdmissionTokens(keys, context.clock);
  const logger = context.logger.child({ service: 'ticket' });
  const live = new LiveAvailability({
    cache: context.cache,
    counts: (eventId) => liveCounts(context.db.orm, eventId),
    coalesceMs: settings.liveCoalesceMs,
    keepAliveMs: settings.sseKeepAliveMs,
    logger,
  });
  // Built before deps (they need each other): the streams read places with the deps.
  let deps: TicketServiceDeps | undefined;
  const queueUpdates = new QueueUpdates({
    cache: context.cache,
    logger,
    keepAliveMs: settings.sseKeepAliveMs,
    places: () => deps!,
  });
  deps = {
    db: context.db,
    catalogue: new TicketCatalogue(context.db),
    clock: context.clock,
    live,
    signer,
    holdTtlSeconds: settings.holdTtlSeconds,
    maxTicketsPerUser: settings.maxTicketsPerUser,
    checkInOpensBeforeMinutes: settings.checkInOpensBeforeMinutes,
    batchSize: settings.sweepBatchSize,
    logger,
    queue: settings.queue,
    admissions,
    queueUpdates,
    openRooms: new Map(),
    proofOfWork: new ProofOfWork({ db: context.db, clock: context.clock, queue: settings.queue, keys }),
  };

  const holdAnswers = new Counter({
    name: 'ticket_hold_requests_total',
    help: 'Hold requests by outcome (held, unavailable, invalid)',
    labelNames: ['outcome'],
    registers: [app.metrics],
  });
  const sales = new Counter({
    name: 'ticket_holds_sold_total',
    help: 'Holds sold',
    registers: [app.metrics],
  });
  const expired = new Counter({
    name: 'ticket_holds_expired_total',
    help: 'Holds expired by the sweeper',
    registers: [app.metrics],
  });
  const checkins = new Counter({
    name: 'ticket_checkins_total',
    help: 'Scans at the door by outcome (admitted, refused)',
    labelNames: ['outcome'],
    registers: [app.metrics],
  });
  new Gauge({
    name: 'ticket_availability_streams',
    help: 'Open Server-Sent Event streams of live availability on this instance',
    registers: [app.metrics],
    collect() {
      this.set(live.clientCount);
    },
  });
  new Gauge({
    name: 'ticket_availability_channels',
    help: 'Events whose pub/sub channel this instance listens to',
    registers: [app.metrics],
    collect() {
      this.set(live.subscribedEvents);
    },
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url;
    const status = reply.statusCode;
    if (route === '/api/v1/holds' && request.method === 'POST')
      holdAnswers.inc({ outcome: status === 201 ? 'held' : status === 409 ? 'unavailable' : 'invalid' });
    if (route === '/api/v1/internal/holds/:id/sell' && status === 200) sales.inc();
    if (route === '/api/v1/checkin') checkins.inc({ outcome: status === 200 ? 'admitted' : 'refused' });
  });
  const queueAdmissions = new Counter({
    name: 'ticket_queue_admissions_total',
    help: 'Waiting-room places admitted, and admitted places expired (idle, or admission ended)',
    labelNames: ['outcome'],
    registers: [app.metrics],
  });
  new Gauge({
    name: 'ticket_queue_streams',
    help: 'Open Server-Sent Event streams of queue places on this instance',
    registers: [app.metrics],
    collect() {
      this.set(queueUpdates.clientCount);
    },
  });
  // Open streams would hold the server's close for ever: end them first.
  app.addHook('preClose', async () => {
    await live.close();
    await queueUpdates.close();
  });
  const serviceDeps = deps;
  registerRoutes(app, serviceDeps);

  const sweeper = holdSweeper(serviceDeps, settings.sweepIntervalMs, context.logger, (count) =>
    expired.inc(count),
  );
  const admission = waitingRoomWorker(serviceDeps, settings.queue.admitIntervalMs, logger, (step) => {
    if (step.admitted > 0) queueAdmissions.inc({ outcome: 'admitted' }, step.admitted);
    if (step.expiredIdle > 0) queueAdmissions.inc({ outcome: 'expired_idle' }, step.expiredIdle);
    if (step.expiredEnded > 0) queueAdmissions.inc({ outcome: 'admission_ended' }, step.expiredEnded);
  });
  return {
    app,
    async startWorkers() {
      await subscribeToEvents(context.bus, {
        eventCancelled: (event) => withdrawInventory(serviceDeps, event),
      });
      sweeper.start();
      admission.start();
    },
    async stopWorkers() {
      await sweeper.stop();
      await admission.stop();
      await live.close();
      await queueUpdates.close();
    },
  };
}
