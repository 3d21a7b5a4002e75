// TypeBox schemas of the notification service's requests and answers: one schema gives
// validation, handler types and the OpenAPI document.
import { type Static, type TSchema, Type } from 'typebox';
import { CHANNELS, LOCALES, NOTIFICATION_TYPES } from './notification-types.js';

const Id = Type.String({ format: 'uuid' });
const Instant = Type.String({ format: 'date-time' });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const NotificationTypeSchema = Type.Enum(NOTIFICATION_TYPES);
export const ChannelSchema = Type.Enum(CHANNELS);
export const LocaleSchema = Type.Enum(LOCALES);
export const NotificationStatusSchema = Type.Enum([
  'PENDING',
  'SENDING',
  'SENT',
  'FAILED',
  'SKIPPED',
] as const);

export const NotificationView = Type.Object({
  id: Id,
  userId: Id,
  type: NotificationTypeSchema,
  channel: ChannelSchema,
  status: NotificationStatusSchema,
  /** Email address, phone number, or the number of browsers for push; null until first tried. */
  recipient: Nullable(Type.String()),
  locale: Nullable(Type.String()),
  subject: Nullable(Type.String()),
  text: Nullable(Type.String()),
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  lastError: Nullable(Type.String()),
  nextAttemptAt: Nullable(Instant),
  sentAt: Nullable(Instant),
  resendOf: Nullable(Id),
  createdAt: Instant,
  updatedAt: Instant,
});
export type NotificationView = Static<typeof NotificationView>;

export const NotificationDetail = Type.Object({
  ...NotificationView.properties,
  html: Nullable(Type.String()),
});
export type NotificationDetail = Static<typeof NotificationDetail>;

export const NotificationPage = Type.Object({
  items: Type.Array(NotificationView),
  nextCursor: Nullable(Type.String()),
});

export const NotificationIdParams = Type.Object({ id: Id });

const Limit = Type.Integer({ minimum: 1, maximum: 100, default: 20 });

export const HistoryQuery = Type.Object(
  {
    cursor: Type.Optional(Id),
    limit: Type.Optional(Limit),
  },
  { additionalProperties: false },
);

export const AdminSearchQuery = Type.Object(
  {
    userId: Type.Optional(Id),
    type: Type.Optional(NotificationTypeSchema),
    channel: Type.Optional(ChannelSchema),
    status: Type.Optional(NotificationStatusSchema),
    recipient: Type.Optional(
      Type.String({ minLength: 1, maxLength: 254, description: 'Part of an address' }),
    ),
    cursor: Type.Optional(Id),
    limit: Type.Optional(Limit),
  },
  { additionalProperties: false },
);
export type AdminSearchQuery = Static<typeof AdminSearchQuery>;

const ChannelSwitches = Type.Object(
  { email: Type.Boolean(), sms: Type.Boolean(), push: Type.Boolean() },
  { additionalProperties: false },
);
const ChannelChanges = Type.Object(
  {
    email: Type.Optional(Type.Boolean()),
    sms: Type.Optional(Type.Boolean()),
    push: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type ChannelChanges = Static<typeof ChannelChanges>;

export const PreferencesView = Type.Object({
  items: Type.Array(
    Type.Object({
      type: NotificationTypeSchema,
      transactional: Type.Boolean({ description: 'Always sent by at least one channel' }),
      channels: ChannelSwitches,
    }),
  ),
});
export type PreferencesView = Static<typeof PreferencesView>;

export const UpdatePreferencesBody = Type.Object(
  {
    preferences: Type.Object(
      {
        welcome: Type.Optional(ChannelChanges),
        'order-confirmed': Type.Optional(ChannelChanges),
        'order-cancelled': Type.Optional(ChannelChanges),
        'order-failed': Type.Optional(ChannelChanges),
        'payment-refunded': Type.Optional(ChannelChanges),
        'event-cancelled': Type.Optional(ChannelChanges),
        'event-reminder': Type.Optional(ChannelChanges),
      },
      { additionalProperties: false, minProperties: 1 },
    ),
  },
  { additionalProperties: false },
);
export type UpdatePreferencesBody = Static<typeof UpdatePreferencesBody>;

export const TemplateParams = Type.Object({
  type: NotificationTypeSchema,
  channel: ChannelSchema,
  locale: LocaleSchema,
});
export type TemplateParams = Static<typeof TemplateParams>;

export const TemplateQuery = Type.Object(
  {
    type: Type.Optional(NotificationTypeSchema),
    channel: Type.Optional(ChannelSchema),
    locale: Type.Optional(LocaleSchema),
  },
  { additionalProperties: false },
);
export type TemplateQuery = Static<typeof TemplateQuery>;

const TemplateParts = {
  subject: Type.Optional(
    Nullable(Type.String({ minLength: 1, maxLength: 500, description: 'Email subject or push title' })),
  ),
  text: Type.String({
    minLength: 1,
    maxLength: 20_000,
    description: 'Plain text: the SMS, the push body, the mail text part',
  }),
  html: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 100_000, description: 'Email only' }))),
};

export const UpdateTemplateBody = Type.Object(TemplateParts, { additionalProperties: false });
export type UpdateTemplateBody = Static<typeof UpdateTemplateBody>;

export const PreviewTemplateBody = Type.Object(
  { type: NotificationTypeSchema, channel: ChannelSchema, locale: LocaleSchema, ...TemplateParts },
  { additionalProperties: false },
);
export type PreviewTemplateBody = Static<typeof PreviewTemplateBody>;

export const TemplateView = Type.Object({
  type: NotificationTypeSchema,
  channel: ChannelSchema,
  locale: LocaleSchema,
  subject: Nullable(Type.String()),
  text: Type.String(),
  html: Nullable(Type.String()),
  version: Type.Integer(),
  origin: Type.Union([Type.Literal('default'), Type.Literal('admin')]),
  updatedBy: Nullable(Id),
  updatedAt: Instant,
  /** The variables templates of this type may use; lists name their items' fields. */
  variables: Type.Record(Type.String(), Type.Unknown()),
});
export type TemplateView = Static<typeof TemplateView>;

export const TemplateList = Type.Object({ items: Type.Array(TemplateView) });

export const RenderedPreview = Type.Object({
  subject: Nullable(Type.String()),
  text: Type.String(),
  html: Nullable(Type.String()),
  /** The sample variables it was rendered with. */
  variables: Type.Record(Type.String(), Type.Unknown()),
});

export const PushSubscriptionBody = Type.Object(
  {
    endpoint: Type.String({ format: 'uri', pattern: '^https://', maxLength: 2_000 }),
    keys: Type.Object(
      {
        p256dh: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_=-]+$' }),
        auth: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_=-]+$' }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type PushSubscriptionBody = Static<typeof PushSubscriptionBody>;

export const PushSubscriptionView = Type.Object({ id: Id, endpoint: Type.String(), createdAt: Instant });

export const VapidPublicKey = Type.Object({
  publicKey: Nullable(
    Type.String({ description: 'applicationServerKey for PushManager.subscribe; null when push is off' }),
  ),
});

export const MailFileView = Type.Object({
  name: Type.String(),
  size: Type.Integer(),
  createdAt: Instant,
  notificationId: Nullable(Id),
  recipient: Nullable(Type.String()),
  subject: Nullable(Type.String()),
  type: Nullable(Type.String()),
});
export type MailFileView = Static<typeof MailFileView>;

export const MailFileList = Type.Object({ items: Type.Array(MailFileView) });
export const MailFileParams = Type.Object({
  name: Type.String({ pattern: '^[0-9a-f-]{36}\\.eml$', description: '<notification id>.eml' }),
});
