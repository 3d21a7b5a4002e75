// buildApp for the ticket service: wires its dependencies into a Fastify app and its workers
// (the hold sweeper, the event-cancelled consumer). Nothing listens here.
import { createServiceApp, type RunningService, type ServiceContext } from '@ticketing/platform';
import { Counter, Gauge } from 'prom-client';
import { liveCounts } from './availability.js';
import type { CheckinDeps } from './checkin.js';
import { ticketServiceConfig } from './config.js';
import { TicketCodeSigner } from './e-tickets.js';
import { subscribeToEvents } from './events.js';
import type { HoldDeps } from './holds.js';
import { type InventoryDeps, withdrawInventory } from './inventory.js';
import { LiveAvailability } from './live-availability.js';
import { registerRoutes } from './routes.js';
import type { SaleDeps } from './sales.js';
import { holdSweeper, type SweeperDeps } from './sweeper.js';

export interface TicketServiceDeps extends HoldDeps, SaleDeps, CheckinDeps, InventoryDeps, SweeperDeps {
  live: LiveAvailability;
}

export async function buildTicketService(context: ServiceContext): Promise<RunningService> {
  const app = await createServiceApp(context, 'ticket', {
    description: 'Inventory, seat holds with expiry, sales, live availability, e-tickets and check-in',
  });
  const settings = ticketServiceConfig(context.config, context.env);
  const signer = new TicketCodeSigner(context.db, context.clock);
  await signer.load();
  const live = new LiveAvailability({
    cache: context.cache,
    counts: (eventId) => liveCounts(context.db.orm, eventId),
    coalesceMs: settings.liveCoalesceMs,
    keepAliveMs: settings.sseKeepAliveMs,
    logger: context.logger.child({ service: 'ticket' }),
  });
  const deps: TicketServiceDeps = {
    db: context.db,
    clock: context.clock,
    live,
    signer,
    holdTtlSeconds: settings.holdTtlSeconds,
    maxTicketsPerUser: settings.maxTicketsPerUser,
    batchSize: settings.sweepBatchSize,
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
  // Open streams would hold the server's close for ever: end them first.
  app.addHook('preClose', async () => {
    await live.close();
  });
  registerRoutes(app, deps);

  const sweeper = holdSweeper(deps, settings.sweepIntervalMs, context.logger, (count) => expired.inc(count));
  return {
    app,
    async startWorkers() {
      await subscribeToEvents(context.bus, { eventCancelled: (event) => withdrawInventory(deps, event) });
      sweeper.start();
    },
    async stopWorkers() {
      await sweeper.stop();
      await live.close();
    },
  };
}
