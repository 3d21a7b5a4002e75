// HTTP adapters of the event service: parse, call a domain function, shape the answer.
// Each route states who may call it; whether the caller owns the event is the domain's check.
import { Problem } from '@ticketing/contracts';
import { type Access, type HttpApp, requireIdentity } from '@ticketing/platform';
import { Type } from 'typebox';
import { salesReport } from './analytics.js';
import type { EventServiceDeps } from './app.js';
import * as catalogue from './catalogue.js';
import * as lifecycle from './lifecycle.js';
import {
  AnalyticsQuery,
  CancelEventBody,
  CreateEventBody,
  EventDetail,
  EventIdParams,
  EventPage,
  EventSearchQuery,
  SalesReport,
  SeatMapView,
  UpdateEventBody,
} from './schema.js';
import { searchEvents } from './search.js';

const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 503: Problem };
const bearer = [{ bearerAuth: [] }];
const ORGANIZERS: Access = { roles: ['ORGANIZER', 'ADMIN'] };

export function registerRoutes(app: HttpApp, deps: EventServiceDeps): void {
  app.post(
    '/api/v1/events',
    {
      config: { access: ORGANIZERS },
      schema: {
        tags: ['events'],
        summary: 'Create an event (a draft) with its seat map and ticket types',
        security: bearer,
        body: CreateEventBody,
        response: { 201: EventDetail, ...problems },
      },
    },
    async (request, reply) => {
      const event = await catalogue.createEvent(deps, requireIdentity(request), request.body);
      return reply.status(201).header('location', `/api/v1/events/${event.id}`).send(event);
    },
  );

  app.get(
    '/api/v1/events',
    {
      config: { access: 'public' },
      schema: {
        tags: ['events'],
        summary: 'Search and list events (published ones; organizers also their own, admins all)',
        querystring: EventSearchQuery,
        response: { 200: EventPage, ...problems },
      },
    },
    async (request) => searchEvents(deps, request.identity, request.query),
  );

  app.get(
    '/api/v1/events/:id',
    {
      config: { access: 'public' },
      schema: {
        tags: ['events'],
        summary: 'One event with its sections, ticket types and live availability',
        params: EventIdParams,
        response: { 200: EventDetail, ...problems },
      },
    },
    async (request) => catalogue.getEvent(deps, request.identity, request.params.id),
  );

  app.patch(
    '/api/v1/events/:id',
    {
      config: { access: ORGANIZERS },
      schema: {
        tags: ['events'],
        summary: 'Edit an event (its organizer or an admin); venue and ticketTypes replace the whole list',
        security: bearer,
        params: EventIdParams,
        body: UpdateEventBody,
        response: { 200: EventDetail, ...problems },
      },
    },
    async (request) => catalogue.updateEvent(deps, requireIdentity(request), request.params.id, request.body),
  );

  app.delete(
    '/api/v1/events/:id',
    {
      config: { access: ORGANIZERS },
      schema: {
        tags: ['events'],
        summary: 'Delete a draft that was never published',
        security: bearer,
        params: EventIdParams,
        response: { 204: Type.Null(), ...problems },
      },
    },
    async (request, reply) => {
      await catalogue.deleteDraft(deps, requireIdentity(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/events/:id/publish',
    {
      config: { access: ORGANIZERS },
      schema: {
        tags: ['events'],
        summary: 'Publish a draft: its inventory is created in the ticket service and it goes on sale',
        security: bearer,
        params: EventIdParams,
        response: { 200: EventDetail, ...problems },
      },
    },
    async (request) => lifecycle.publishEvent(deps, requireIdentity(request), request.params.id, request.id),
  );

  app.post(
    '/api/v1/events/:id/cancel',
    {
      config: { access: ORGANIZERS },
      schema: {
        tags: ['events'],
        summary: 'Cancel an event; orders are refunded',
        security: bearer,
        params: EventIdParams,
        body: CancelEventBody,
        response: { 200: EventDetail, ...problems },
      },
      // The reason is optional, and so is the body carrying it.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) =>
      lifecycle.cancelEvent(deps, requireIdentity(request), request.params.id, request.body?.reason),
  );

  app.get(
    '/api/v1/events/:id/venue',
    {
      config: { access: ORGANIZERS },
      schema: {
        tags: ['events'],
        summary: 'The seat map with every seat (buyers see seats with their status at /seats)',
        security: bearer,
        params: EventIdParams,
        response: { 200: SeatMapView, ...problems },
      },
    },
    async (request) => catalogue.getSeatMap(deps, request.identity, request.params.id),
  );

  app.get(
    '/api/v1/events/:id/analytics',
    {
      config: { access: ORGANIZERS },
      schema: {
        tags: ['events'],
        summary: 'Sales of the event: tickets, revenue, sell-through over time, by category and ticket type',
        security: bearer,
        params: EventIdParams,
        querystring: AnalyticsQuery,
        response: { 200: SalesReport, ...problems },
      },
    },
    async (request) =>
      salesReport(deps, requireIdentity(request), request.params.id, request.query.bucket ?? 'day'),
  );
}
