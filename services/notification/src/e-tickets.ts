// The attachments of an e-ticket mail: each ticket's signed code as a QR image, shown inside the
// HTML part (cid) and attached as a file to keep, plus an .ics file for the buyer's calendar.
// Built at send time from the stored facts, so nothing binary sits in the database.
import QRCode from 'qrcode';
import { buildCalendar } from './calendar.js';
import type { MailAttachment } from './channels.js';
import { type Facts, qrContentId } from './notification-types.js';

const slug = (value: string) =>
  value
    .normalize('NFKD')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .replace(/[\s_]+/g, '-')
    .toLowerCase()
    .slice(0, 60) || 'ticket';

/**
 * pngjs's "up" filter instead of trying all five filters on every row: a QR code's rows repeat,
 * so the PNG still compresses well and costs a third of the CPU (it was the on-sale benchmark's
 * largest cost, tools/bench/README.md). @types/qrcode does not list filterType, hence a constant.
 */
const QR_PNG_OPTIONS = { deflateLevel: 9, filterType: 2 };

export async function eTicketAttachments(
  facts: Facts,
  options: { orderUrl: string; createdAt: Date },
): Promise<MailAttachment[]> {
  const attachments: MailAttachment[] = [];
  for (const [index, ticket] of (facts.tickets ?? []).entries()) {
    if (!ticket.code) continue;
    const image = await QRCode.toBuffer(ticket.code, {
      type: 'png',
      errorCorrectionLevel: 'M',
      margin: 2,
      width: 320,
      rendererOpts: QR_PNG_OPTIONS,
    });
    attachments.push({
      filename: `ticket-${index + 1}.png`,
      content: image,
      contentType: 'image/png',
      cid: qrContentId(ticket.ticketId),
      contentDisposition: 'inline',
    });
    attachments.push({
      filename: `ticket-${index + 1}-${slug(ticket.label)}.png`,
      content: image,
      contentType: 'image/png',
      contentDisposition: 'attachment',
    });
  }
  if (facts.startsAt && facts.eventId) {
    const labels = (facts.tickets ?? []).map((ticket) => ticket.label).join(', ');
    attachments.push({
      filename: 'event.ics',
      content: buildCalendar({
        uid: `${facts.eventId}.${facts.orderId ?? 'order'}@ticketing`,
        title: facts.eventTitle ?? 'Event',
        startsAt: new Date(facts.startsAt),
        endsAt: facts.endsAt ? new Date(facts.endsAt) : null,
        location: facts.location ?? null,
        description: labels ? `Tickets: ${labels}` : 'Your tickets',
        url: options.orderUrl,
        createdAt: options.createdAt,
      }),
      contentType: 'text/calendar; charset=utf-8; method=PUBLISH',
      contentDisposition: 'attachment',
    });
  }
  return attachments;
}
