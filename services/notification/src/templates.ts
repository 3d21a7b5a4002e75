// Templates: one per notification type, channel and locale, stored in the database and edited
// by admins. Every save is checked (syntax, the type's variables, no unescaped HTML output), a
// preview renders a draft with sample data, and delivery renders the stored one.
import type { Clock, Database } from '@ticketing/platform';
import { DEFAULT_TEMPLATES, type TemplateContent } from './default-templates.js';
import { TemplateNotFoundError, TemplatePartMissingError, TemplatePartNotUsedError } from './errors.js';
import {
  CHANNELS,
  type Channel,
  LOCALES,
  type Locale,
  NOTIFICATION_TYPE_DEFINITIONS,
  NOTIFICATION_TYPES,
  type NotificationType,
  sampleView,
  type TemplateView,
} from './notification-types.js';
import * as repository from './repository.js';
import type { TemplateView as TemplateAnswer, UpdateTemplateBody } from './schema.js';
import type { TemplateRow } from './tables.js';
import { checkTemplate } from './template-engine.js';
import { type RenderedMessage, renderContent } from './template-rendering.js';

export interface TemplateDeps {
  db: Database;
  clock: Clock;
  webUrl: string;
  /** What delivery rendered lately: every mail of an on-sale reads the same template. */
  recent: RecentTemplates;
}

/**
 * Stored templates as delivery last read them, for a few seconds of real time (not the platform's
 * clock, which tests move): an edit on this instance is seen by the next message, on another
 * instance within TEMPLATE_REREAD_MS.
 */
export class RecentTemplates {
  private readonly known = new Map<string, { content: Promise<TemplateContent>; until: number }>();

  get(key: TemplateKey, now: number, read: () => Promise<TemplateContent>): Promise<TemplateContent> {
    const name = `${key.type}/${key.channel}/${key.locale}`;
    const cached = this.known.get(name);
    if (cached && cached.until > now) return cached.content;
    const content = read();
    this.known.set(name, { content, until: now + TEMPLATE_REREAD_MS });
    content.catch(() => this.known.delete(name));
    return content;
  }

  forget(): void {
    this.known.clear();
  }
}

const TEMPLATE_REREAD_MS = 5_000;

export interface TemplateKey {
  type: NotificationType;
  channel: Channel;
  locale: Locale;
}

/** Adds missing default templates and updates those nobody edited; run at every start. */
export async function writeDefaultTemplates(deps: TemplateDeps): Promise<void> {
  const rows = NOTIFICATION_TYPES.flatMap((type) =>
    LOCALES.flatMap((locale) =>
      CHANNELS.map((channel) => {
        const content = DEFAULT_TEMPLATES[type][locale][channel];
        return {
          type,
          channel,
          locale,
          subject: content.subject,
          bodyText: content.text,
          bodyHtml: content.html,
        };
      }),
    ),
  );
  await repository.writeDefaultTemplates(deps.db.orm, rows, deps.clock.now());
}

function toTemplateAnswer(row: TemplateRow): TemplateAnswer {
  return {
    type: row.type as NotificationType,
    channel: row.channel as Channel,
    locale: row.locale as Locale,
    subject: row.subject,
    text: row.bodyText,
    html: row.bodyHtml,
    version: row.version,
    origin: row.origin,
    updatedBy: row.updatedBy,
    updatedAt: row.updatedAt.toISOString(),
    variables: NOTIFICATION_TYPE_DEFINITIONS[row.type as NotificationType].variables,
  };
}

export async function listTemplates(
  deps: TemplateDeps,
  filter: { type?: NotificationType; channel?: Channel; locale?: Locale },
): Promise<{ items: TemplateAnswer[] }> {
  return { items: (await repository.listTemplates(deps.db.orm, filter)).map(toTemplateAnswer) };
}

export async function getTemplate(deps: TemplateDeps, key: TemplateKey): Promise<TemplateAnswer> {
  const row = await repository.findTemplate(deps.db.orm, key);
  if (!row) throw new TemplateNotFoundError(key.type, key.channel, key.locale);
  deps.recent.forget();
  return toTemplateAnswer(row);
}

/**
 * What a channel needs: email a subject, a text and an HTML part; push a title (subject) and a
 * text; SMS a text only. Parts a channel does not use are refused rather than silently dropped.
 */
function checkDraft(key: TemplateKey, draft: UpdateTemplateBody): TemplateContent {
  const subject = draft.subject ?? null;
  const html = draft.html ?? null;
  if (key.channel !== 'sms' && subject === null) throw new TemplatePartMissingError('subject', key.channel);
  if (key.channel === 'email' && html === null) throw new TemplatePartMissingError('html', key.channel);
  if (key.channel === 'sms' && subject !== null) {
    throw new TemplatePartNotUsedError('subject', key.channel);
  }
  if (key.channel !== 'email' && html !== null) {
    throw new TemplatePartNotUsedError('html', key.channel);
  }
  const variables = NOTIFICATION_TYPE_DEFINITIONS[key.type].variables;
  if (subject !== null) checkTemplate('subject', subject, variables, { html: false });
  checkTemplate('text', draft.text, variables, { html: false });
  if (html !== null) checkTemplate('html', html, variables, { html: true });
  return { subject, text: draft.text, html };
}

export async function updateTemplate(
  deps: TemplateDeps,
  editorId: string,
  key: TemplateKey,
  draft: UpdateTemplateBody,
): Promise<TemplateAnswer> {
  const content = checkDraft(key, draft);
  const row = await repository.updateTemplate(
    deps.db.orm,
    key,
    { subject: content.subject, bodyText: content.text, bodyHtml: content.html },
    editorId,
    deps.clock.now(),
  );
  if (!row) throw new TemplateNotFoundError(key.type, key.channel, key.locale);
  return toTemplateAnswer(row);
}

/** Renders an unsaved draft with the type's sample data, after the same checks as a save. */
export function previewTemplate(
  deps: TemplateDeps,
  key: TemplateKey,
  draft: UpdateTemplateBody,
): RenderedMessage & { variables: TemplateView } {
  const content = checkDraft(key, draft);
  const view = sampleView(key.type, key.locale, deps.webUrl);
  return { ...renderContent(content, view), variables: view };
}

/**
 * The stored template of a message, to be rendered by the sender pool; a locale without one
 * falls back to English, a type without one (never written) to the default.
 */
export function findTemplateContent(deps: TemplateDeps, key: TemplateKey): Promise<TemplateContent> {
  return deps.recent.get(key, performance.now(), async () => {
    const row =
      (await repository.findTemplate(deps.db.orm, key)) ??
      (await repository.findTemplate(deps.db.orm, { ...key, locale: 'en' }));
    return row
      ? { subject: row.subject, text: row.bodyText, html: row.bodyHtml }
      : DEFAULT_TEMPLATES[key.type].en[key.channel];
  });
}
