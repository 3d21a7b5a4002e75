// HTTP adapters of the notification service: parse, call a domain function, shape the answer.
import { Problem } from '@ticketing/contracts';
import { type HttpApp, requireIdentity } from '@ticketing/platform';
import { Type } from 'typebox';
import type { NotificationServiceDeps } from './app.js';
import * as mailOutbox from './mail-outbox.js';
import * as notifications from './notifications.js';
import * as preferences from './preferences.js';
import * as pushSubscriptions from './push-subscriptions.js';
import {
  AdminSearchQuery,
  HistoryQuery,
  MailFileList,
  MailFileParams,
  NotificationDetail,
  NotificationIdParams,
  NotificationPage,
  PreferencesView,
  PreviewTemplateBody,
  PushSubscriptionBody,
  PushSubscriptionView,
  RenderedPreview,
  TemplateList,
  TemplateParams,
  TemplateQuery,
  TemplateView,
  UpdatePreferencesBody,
  UpdateTemplateBody,
  VapidPublicKey,
} from './schema.js';
import * as templates from './templates.js';

const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 503: Problem };
const bearer = [{ bearerAuth: [] }];
const ADMINS = { roles: ['ADMIN' as const] };

export function registerRoutes(app: HttpApp, deps: NotificationServiceDeps): void {
  app.get(
    '/api/v1/notifications',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['notifications'],
        summary: 'My notifications, newest first',
        security: bearer,
        querystring: HistoryQuery,
        response: { 200: NotificationPage, ...problems },
      },
    },
    async (request) =>
      notifications.listMyNotifications(deps, requireIdentity(request).userId, request.query),
  );

  app.get(
    '/api/v1/notifications/preferences',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['notifications'],
        summary: 'My channels per notification type',
        security: bearer,
        response: { 200: PreferencesView, ...problems },
      },
    },
    async (request) => preferences.getPreferences(deps, requireIdentity(request).userId),
  );

  app.put(
    '/api/v1/notifications/preferences',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['notifications'],
        summary: 'Turn channels on or off per notification type (transactional types keep one)',
        security: bearer,
        body: UpdatePreferencesBody,
        response: { 200: PreferencesView, ...problems },
      },
    },
    async (request) => preferences.updatePreferences(deps, requireIdentity(request).userId, request.body),
  );

  app.get(
    '/api/v1/notifications/push/public-key',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['notifications'],
        summary: 'The VAPID public key to subscribe a browser with',
        security: bearer,
        response: { 200: VapidPublicKey, ...problems },
      },
    },
    async () => ({ publicKey: deps.senders.push.publicKey }),
  );

  app.post(
    '/api/v1/notifications/push/subscriptions',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['notifications'],
        summary: 'Register this browser for Web Push',
        security: bearer,
        body: PushSubscriptionBody,
        response: { 201: PushSubscriptionView, ...problems },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await pushSubscriptions.subscribeBrowser(deps, requireIdentity(request).userId, request.body)),
  );

  app.delete(
    '/api/v1/notifications/push/subscriptions/:id',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['notifications'],
        summary: 'Stop Web Push to a browser',
        security: bearer,
        params: NotificationIdParams,
        response: { 204: Type.Null(), ...problems },
      },
    },
    async (request, reply) => {
      await pushSubscriptions.unsubscribeBrowser(deps, requireIdentity(request).userId, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/notifications/:id',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['notifications'],
        summary: 'One of my notifications, with its HTML (admins: anyone’s)',
        security: bearer,
        params: NotificationIdParams,
        response: { 200: NotificationDetail, ...problems },
      },
    },
    async (request) => notifications.getNotification(deps, requireIdentity(request), request.params.id),
  );

  app.get(
    '/api/v1/notifications/admin/notifications',
    {
      config: { access: ADMINS },
      schema: {
        tags: ['notifications admin'],
        summary: 'Search notifications (admin)',
        security: bearer,
        querystring: AdminSearchQuery,
        response: { 200: NotificationPage, ...problems },
      },
    },
    async (request) => notifications.searchNotifications(deps, request.query),
  );

  app.post(
    '/api/v1/notifications/admin/notifications/:id/resend',
    {
      config: { access: ADMINS },
      schema: {
        tags: ['notifications admin'],
        summary: 'Send a notification again, as a new one (admin)',
        security: bearer,
        params: NotificationIdParams,
        response: { 202: NotificationDetail, ...problems },
      },
    },
    async (request, reply) =>
      reply.status(202).send(await notifications.resendNotification(deps, request.params.id)),
  );

  app.get(
    '/api/v1/notifications/admin/templates',
    {
      config: { access: ADMINS },
      schema: {
        tags: ['notifications admin'],
        summary: 'Templates, with the variables each may use (admin)',
        security: bearer,
        querystring: TemplateQuery,
        response: { 200: TemplateList, ...problems },
      },
    },
    async (request) => templates.listTemplates(deps.templates, request.query),
  );

  app.get(
    '/api/v1/notifications/admin/templates/:type/:channel/:locale',
    {
      config: { access: ADMINS },
      schema: {
        tags: ['notifications admin'],
        summary: 'One template (admin)',
        security: bearer,
        params: TemplateParams,
        response: { 200: TemplateView, ...problems },
      },
    },
    async (request) => templates.getTemplate(deps.templates, request.params),
  );

  app.put(
    '/api/v1/notifications/admin/templates/:type/:channel/:locale',
    {
      config: { access: ADMINS },
      schema: {
        tags: ['notifications admin'],
        summary: 'Edit a template; its syntax and variables are checked (admin)',
        security: bearer,
        params: TemplateParams,
        body: UpdateTemplateBody,
        response: { 200: TemplateView, ...problems },
      },
    },
    async (request) =>
      templates.updateTemplate(deps.templates, requireIdentity(request).userId, request.params, request.body),
  );

  app.post(
    '/api/v1/notifications/admin/templates/preview',
    {
      config: { access: ADMINS },
      schema: {
        tags: ['notifications admin'],
        summary: 'Render a draft template with sample data, without saving it (admin)',
        security: bearer,
        body: PreviewTemplateBody,
        response: { 200: RenderedPreview, ...problems },
      },
    },
    async (request) => {
      const { type, channel, locale, ...draft } = request.body;
      return templates.previewTemplate(deps.templates, { type, channel, locale }, draft);
    },
  );

  app.get(
    '/api/v1/notifications/admin/mail',
    {
      config: { access: ADMINS },
      schema: {
        tags: ['notifications admin'],
        summary: 'Mail written to .eml files in the embedded mode, newest first (admin)',
        security: bearer,
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) },
          { additionalProperties: false },
        ),
        response: { 200: MailFileList, ...problems },
      },
    },
    async (request) => mailOutbox.listMail(deps.mailOutbox, request.query.limit ?? 100),
  );

  app.get(
    '/api/v1/notifications/admin/mail/:name',
    {
      config: { access: ADMINS },
      schema: {
        tags: ['notifications admin'],
        summary: 'One .eml file as message/rfc822 (admin)',
        security: bearer,
        params: MailFileParams,
        response: {
          200: Type.Unsafe<Buffer>({ type: 'string', description: 'The raw message (message/rfc822)' }),
          ...problems,
        },
      },
    },
    async (request, reply) => {
      const content = await mailOutbox.readMail(deps.mailOutbox, request.params.name);
      return reply
        .type('message/rfc822')
        .header('content-disposition', `inline; filename="${request.params.name}"`)
        .send(content);
    },
  );
}
