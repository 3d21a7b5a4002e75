// Rendering a checked template with a message's variables: Handlebars in strict mode, values
// HTML-escaped unless the part is plain text. Kept apart from the checks (template-engine.ts)
// because the sender pool's worker threads render off the event loop and load only this.
import Handlebars from 'handlebars';
import type { TemplateContent } from './default-templates.js';
import type { TemplateView } from './notification-types.js';

/** An isolated Handlebars environment: no helper or partial registered elsewhere can leak in. */
const engine = Handlebars.create();
const COMPILE_OPTIONS = {
  strict: true,
  knownHelpersOnly: true,
  knownHelpers: { if: true, unless: true, each: true },
} as const;

const compiled = new Map<string, HandlebarsTemplateDelegate>();

/** Renders a checked template; HTML-escapes values unless `escape` is false (plain text, subjects). */
export function renderTemplate(source: string, view: TemplateView, options: { escape: boolean }): string {
  const key = `${options.escape ? 'h' : 't'}:${source}`;
  let template = compiled.get(key);
  if (!template) {
    template = engine.compile(source, { ...COMPILE_OPTIONS, noEscape: !options.escape });
    if (compiled.size >= 500) compiled.clear();
    compiled.set(key, template);
  }
  return template(view);
}

export interface RenderedMessage {
  subject: string | null;
  text: string;
  /** The template's HTML body, not yet in the mail layout. */
  html: string | null;
}

/** A template's parts rendered with the message's variables. */
export function renderContent(content: TemplateContent, view: TemplateView): RenderedMessage {
  return {
    // Subjects and text parts are not HTML: escaping would show "&amp;" to the reader.
    subject: content.subject === null ? null : renderTemplate(content.subject, view, { escape: false }),
    text: renderTemplate(content.text, view, { escape: false }),
    html: content.html === null ? null : renderTemplate(content.html, view, { escape: true }),
  };
}
