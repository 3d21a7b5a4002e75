// Email: composed by nodemailer's stream transport into a raw RFC 5322 message (in the sender
// pool's worker threads, off the event loop), then sent as it is over SMTP (a pooled nodemailer
// transport) or, in the embedded mode, written as DATA_DIR/outbox-mail/<notification id>.eml,
// which admins list and open through the API. Every mail has a text and an HTML part; the HTML
// body of a template is wrapped in one shared layout.
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTransport, type Transporter } from 'nodemailer';
import {
  type ComposedEmail,
  type Delivered,
  DeliveryError,
  type EmailSender,
  type OutgoingEmail,
} from './channels.js';

const MESSAGE_ID_DOMAIN = 'notifications.ticketing';

function messageOptions(from: string, mail: OutgoingEmail) {
  return {
    from,
    to: { name: mail.to.name, address: mail.to.address },
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    messageId: `<${mail.notificationId}@${MESSAGE_ID_DOMAIN}>`,
    headers: { 'X-Notification-Id': mail.notificationId },
    attachments: mail.attachments.map((attachment) => ({
      filename: attachment.filename,
      content: attachment.content,
      contentType: attachment.contentType,
      ...(attachment.cid && { cid: attachment.cid }),
      contentDisposition: attachment.contentDisposition ?? (attachment.cid ? 'inline' : 'attachment'),
    })),
  };
}

const composer = createTransport({ streamTransport: true, buffer: true, newline: 'windows' });

/** The mail as the raw MIME message that goes on the wire (CRLF line ends). */
export async function composeEmail(from: string, mail: OutgoingEmail): Promise<Buffer> {
  const info = await composer.sendMail(messageOptions(from, mail));
  return info.message as Buffer;
}

/** SMTP replies 5xx are final (unknown mailbox, rejected content); everything else may pass later. */
function toDeliveryError(error: unknown): DeliveryError {
  const { responseCode, response, code, message } = error as {
    responseCode?: number;
    response?: string;
    code?: string;
    message?: string;
  };
  const permanent = typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600;
  const detail = response ?? message ?? String(error);
  return new DeliveryError(`SMTP ${responseCode ?? code ?? 'error'}: ${detail}`.slice(0, 1_000), permanent);
}

export class SmtpEmailSender implements EmailSender {
  readonly mode = 'smtp' as const;
  private readonly transport: Transporter;

  constructor(
    url: string,
    private readonly from: string,
    maxConnections: number,
  ) {
    this.transport = createTransport({
      url,
      pool: true,
      maxConnections,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
  }

  async send(mail: ComposedEmail): Promise<Delivered> {
    try {
      // The message is sent as composed; the envelope names its sender and its one recipient.
      const info = await this.transport.sendMail({
        envelope: { from: this.from, to: [mail.to] },
        raw: mail.raw,
      });
      const queued = /queued as (\S+)/i.exec(String(info.response ?? ''))?.[1];
      return { providerMessageId: queued ?? info.messageId ?? null };
    } catch (error) {
      throw toDeliveryError(error);
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}

/** The embedded mode's mailbox: one .eml file per mail, named after its notification. */
export class FileEmailSender implements EmailSender {
  readonly mode = 'file' as const;

  constructor(readonly directory: string) {}

  async send(mail: ComposedEmail): Promise<Delivered> {
    const file = join(this.directory, `${mail.notificationId}.eml`);
    try {
      // The directory is made on the first mail (and again if someone removed it), not per mail.
      await writeFile(file, mail.raw).catch(async (error: { code?: string }) => {
        if (error.code !== 'ENOENT') throw error;
        await mkdir(this.directory, { recursive: true });
        await writeFile(file, mail.raw);
      });
      return { providerMessageId: `${mail.notificationId}.eml` };
    } catch (error) {
      throw new DeliveryError(`could not write the mail file: ${(error as Error).message}`, false);
    }
  }

  async close(): Promise<void> {}
}

export interface MailFile {
  name: string;
  size: number;
  createdAt: Date;
}

/** The .eml files of the embedded mailbox, newest first. */
export async function listMailFiles(directory: string, limit: number): Promise<MailFile[]> {
  let names: string[];
  try {
    names = (await readdir(directory)).filter((name) => name.endsWith('.eml'));
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return [];
    throw error;
  }
  // Names are UUIDv7s: sorting them sorts by creation time.
  names.sort().reverse();
  const files: MailFile[] = [];
  for (const name of names.slice(0, limit)) {
    const info = await stat(join(directory, name)).catch(() => undefined);
    if (info) files.push({ name, size: info.size, createdAt: info.mtime });
  }
  return files;
}

export async function readMailFile(directory: string, name: string): Promise<Buffer | undefined> {
  try {
    return await readFile(join(directory, name));
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  }
}

export const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

/** Wraps a template's HTML body in the layout every mail shares. */
export function mailLayout(body: string, options: { lang: string; title: string; webUrl: string }): string {
  return `<!doctype html>
<html lang="${escapeHtml(options.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<style>
body { margin: 0; padding: 0; background: #f4f4f7; font-family: -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; color: #1f2430; }
.wrapper { max-width: 600px; margin: 0 auto; padding: 24px; }
.card { background: #ffffff; border-radius: 8px; padding: 24px; line-height: 1.5; }
.ticket { border: 1px dashed #c3c7d1; border-radius: 6px; padding: 12px; margin: 12px 0; text-align: center; }
.footer { color: #7a8090; font-size: 12px; text-align: center; padding: 16px; }
a { color: #3b5bdb; }
</style>
</head>
<body>
<div class="wrapper">
<div class="card">
${body}
</div>
<div class="footer"><a href="${escapeHtml(options.webUrl)}">Ticketing</a></div>
</div>
</body>
</html>
`;
}
