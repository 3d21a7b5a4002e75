// What the sender pool's worker threads do for one message: render its template (the first
// time, or for a new recipient), wrap the HTML in the mail layout and, for an email, draw the
// e-tickets' QR codes and compose the raw MIME message. Plain data in, plain data out (it
// crosses a thread boundary), and nothing here touches the database or the network.
import type { TemplateContent } from './default-templates.js';
import { eTicketAttachments } from './e-tickets.js';
import { composeEmail, escapeHtml, mailLayout } from './email.js';
import type { Channel, Facts, TemplateView } from './notification-types.js';
import { renderContent } from './template-rendering.js';

/** A message's parts as stored on the notification: the HTML is already in the mail layout. */
export interface RenderedParts {
  subject: string | null;
  text: string;
  html: string | null;
}

export interface RenderJob {
  channel: Channel;
  /** The message's language (`lang` of the mail's HTML). */
  locale: string;
  webUrl: string;
  /**
   * Either the template and its variables, to render afresh, or the parts an earlier attempt
   * rendered and stored, reused as they are (a retry sends what the first attempt showed).
   */
  source: { template: TemplateContent; view: TemplateView } | { rendered: RenderedParts };
  /** Email only: the MIME message to compose. */
  email: {
    from: string;
    notificationId: string;
    to: { name: string; address: string };
    /** For an order's confirmation: its tickets as QR codes, and the event's .ics file. */
    eTickets: { facts: Facts; orderUrl: string; createdAt: Date } | null;
  } | null;
}

export interface RenderResult {
  rendered: RenderedParts;
  /** The composed email, for the email channel. */
  raw: Uint8Array | null;
}

function renderParts(job: RenderJob): RenderedParts {
  if ('rendered' in job.source) return job.source.rendered;
  const message = renderContent(job.source.template, job.source.view);
  return {
    subject: message.subject,
    text: message.text,
    html:
      job.channel === 'email' && message.html !== null
        ? mailLayout(message.html, { lang: job.locale, title: message.subject ?? '', webUrl: job.webUrl })
        : null,
  };
}

export async function renderMessage(job: RenderJob): Promise<RenderResult> {
  const rendered = renderParts(job);
  if (!job.email) return { rendered, raw: null };
  const { email } = job;
  const raw = await composeEmail(email.from, {
    notificationId: email.notificationId,
    to: email.to,
    subject: rendered.subject ?? '',
    text: rendered.text,
    html:
      rendered.html ??
      mailLayout(`<pre>${escapeHtml(rendered.text)}</pre>`, {
        lang: job.locale,
        title: '',
        webUrl: job.webUrl,
      }),
    attachments: email.eTickets
      ? await eTicketAttachments(email.eTickets.facts, {
          orderUrl: email.eTickets.orderUrl,
          createdAt: email.eTickets.createdAt,
        })
      : [],
  });
  return { rendered, raw };
}
