// The notification service's domain errors, each with a stable code.
import { AppError, ConflictError, NotFoundError, ValidationError } from '@ticketing/platform';

/** A template that does not parse; `line` and `column` point at the problem. */
export class TemplateSyntaxError extends AppError {
  constructor(field: string, detail: string, position?: { line: number; column: number }) {
    super(400, 'template_syntax_error', `${field} is not a valid template: ${detail}`, {
      field,
      ...(position && { line: position.line, column: position.column }),
    });
  }
}

export class UnknownTemplateVariableError extends AppError {
  constructor(field: string, variable: string, allowed: string[]) {
    super(
      400,
      'unknown_template_variable',
      `${field} uses {{${variable}}}, which this notification type does not have; it has ${allowed.join(', ')}`,
      { field, variable, allowed },
    );
  }
}

export class TemplateHelperNotAllowedError extends AppError {
  constructor(field: string, helper: string) {
    super(
      400,
      'template_helper_not_allowed',
      `${field} uses "${helper}"; templates may only use {{#if}}, {{#unless}} and {{#each}}`,
      { field, helper },
    );
  }
}

/** Triple braces would put user-supplied text (names, reasons) into HTML unescaped. */
export class UnescapedTemplateOutputError extends AppError {
  constructor(field: string, variable: string) {
    super(
      400,
      'template_unescaped_output',
      `${field} outputs {{{${variable}}}} without HTML escaping; use {{${variable}}}`,
      { field, variable },
    );
  }
}

export class TemplatePartMissingError extends ValidationError {
  constructor(field: string, channel: string) {
    super(field, `${field} is required for ${channel} templates`, 'template_part_missing');
  }
}

export class TemplatePartNotUsedError extends ValidationError {
  constructor(field: string, channel: string) {
    super(field, `${field} is not used by ${channel} templates; leave it out`, 'template_part_not_used');
  }
}

export class TemplateNotFoundError extends NotFoundError {
  constructor(type: string, channel: string, locale: string) {
    super(`The ${channel} template of ${type} in ${locale}`, 'template_not_found');
  }
}

export class NotificationNotFoundError extends NotFoundError {
  constructor() {
    super('The notification', 'notification_not_found');
  }
}

/** Resending what is still being sent would send it twice. */
export class NotificationInProgressError extends ConflictError {
  constructor(status: string) {
    super(
      `The notification is ${status}; it can be resent once it is SENT, FAILED or SKIPPED`,
      'notification_in_progress',
      { notificationStatus: status },
    );
  }
}

/** Transactional messages (tickets, refunds, cancellations) must keep at least one channel. */
export class TransactionalChannelRequiredError extends ValidationError {
  constructor(type: string) {
    super(
      `preferences.${type}`,
      `${type} messages are transactional: at least one of email, sms and push must stay on`,
      'transactional_channel_required',
    );
  }
}

export class PushSubscriptionNotFoundError extends NotFoundError {
  constructor() {
    super('The push subscription', 'push_subscription_not_found');
  }
}

/** The endpoint is another account's browser subscription: it is never moved silently. */
export class PushSubscriptionTakenError extends ConflictError {
  constructor() {
    super(
      "This browser's push subscription belongs to another account; unsubscribe it there, or subscribe again to get a new endpoint",
      'push_subscription_taken',
      { field: 'endpoint' },
    );
  }
}

export class MailOutboxDisabledError extends ConflictError {
  constructor() {
    super(
      'Mail goes to the SMTP server (SMTP_URL is set); there are no .eml files to show',
      'mail_outbox_disabled',
    );
  }
}

export class MailFileNotFoundError extends NotFoundError {
  constructor() {
    super('The mail file', 'mail_file_not_found');
  }
}
