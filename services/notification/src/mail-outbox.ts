// The embedded mode's mailbox as admins see it: the .eml files under DATA_DIR/outbox-mail, each
// named after its notification, listed with the notification's recipient, subject and type.
import type { Database } from '@ticketing/platform';
import type { EmailSender } from './channels.js';
import { FileEmailSender, listMailFiles, readMailFile } from './email.js';
import { MailFileNotFoundError, MailOutboxDisabledError } from './errors.js';
import * as repository from './repository.js';
import type { MailFileView } from './schema.js';

export interface MailOutboxDeps {
  db: Database;
  email: EmailSender;
}

function directoryOf(email: EmailSender): string {
  if (!(email instanceof FileEmailSender)) throw new MailOutboxDisabledError();
  return email.directory;
}

export async function listMail(deps: MailOutboxDeps, limit: number): Promise<{ items: MailFileView[] }> {
  const files = await listMailFiles(directoryOf(deps.email), limit);
  const ids = files.map((file) => file.name.replace(/\.eml$/, ''));
  const notifications = new Map(
    (
      await repository.findNotifications(
        deps.db.orm,
        ids.filter((id) => /^[0-9a-f-]{36}$/.test(id)),
      )
    ).map((row) => [row.id, row]),
  );
  return {
    items: files.map((file, index) => {
      const notification = notifications.get(ids[index]!);
      return {
        name: file.name,
        size: file.size,
        createdAt: file.createdAt.toISOString(),
        notificationId: notification?.id ?? null,
        recipient: notification?.recipient ?? null,
        subject: notification?.subject ?? null,
        type: notification?.type ?? null,
      };
    }),
  };
}

export async function readMail(deps: MailOutboxDeps, name: string): Promise<Buffer> {
  const content = await readMailFile(directoryOf(deps.email), name);
  if (!content) throw new MailFileNotFoundError();
  return content;
}
