// Every service the platform has, in start order: a service starts after the ones it calls
// (with port 0 in tests, a service's URL is known only once it listens); the gateway last.
import { eventService } from '@ticketing/event-service';
import { gatewayService } from '@ticketing/gateway-service';
import { notificationService } from '@ticketing/notification-service';
import { orderService } from '@ticketing/order-service';
import { paymentService } from '@ticketing/payment-service';
import type { ServiceModule, ServiceName } from '@ticketing/platform';
import { ticketService } from '@ticketing/ticket-service';
import { userService } from '@ticketing/user-service';

export const SERVICES: ServiceModule[] = [
  userService,
  ticketService,
  eventService,
  paymentService,
  orderService,
  notificationService,
  gatewayService,
];

export function findService(name: string): ServiceModule {
  const service = SERVICES.find((candidate) => candidate.name === name);
  if (!service) {
    throw new Error(`unknown service "${name}"; this build has ${SERVICES.map((s) => s.name).join(', ')}`);
  }
  return service;
}

export const serviceNames = (): ServiceName[] => SERVICES.map((service) => service.name);
