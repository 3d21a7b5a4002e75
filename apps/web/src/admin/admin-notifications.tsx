// Notification templates with a rendered preview, and the embedded mailbox (the .eml files
// the notification service writes in embedded mode).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api } from '../api/client';
import { formErrors } from '../api/problem';
import type { TemplateView } from '../api/types';
import { Alert, Field, PageTitle, QueryState } from '../ui/components';
import { formatTime } from '../ui/format';

const keyOf = (template: Pick<TemplateView, 'type' | 'channel' | 'locale'>) =>
  `${template.type}/${template.channel}/${template.locale}`;

export function AdminTemplates() {
  const queryClient = useQueryClient();
  const templates = useQuery({ queryKey: ['templates'], queryFn: () => api.templates() });
  const [selected, setSelected] = useState('');
  const current =
    templates.data?.items.find((template) => keyOf(template) === selected) ?? templates.data?.items[0];
  const [draft, setDraft] = useState({ subject: '', text: '', html: '' });
  useEffect(() => {
    if (current) setDraft({ subject: current.subject ?? '', text: current.text, html: current.html ?? '' });
  }, [current]);
  const parts = current && {
    type: current.type,
    channel: current.channel,
    locale: current.locale,
    subject: draft.subject || null,
    text: draft.text,
    html: current.channel === 'email' ? draft.html || null : null,
  };
  const preview = useMutation({ mutationFn: () => api.previewTemplate(parts!) });
  const save = useMutation({
    mutationFn: () => api.saveTemplate(parts!),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['templates'] }),
  });
  const errors = formErrors(save.error ?? preview.error, ['subject', 'text', 'html']);

  return (
    <section>
      <PageTitle>Notification templates</PageTitle>
      <QueryState loading={templates.isPending} error={templates.error} empty={!current}>
        {current && (
          <>
            <label>
              Template{' '}
              <select value={keyOf(current)} onChange={(event) => setSelected(event.target.value)}>
                {templates.data?.items.map((template) => (
                  <option key={keyOf(template)} value={keyOf(template)}>
                    {template.type} · {template.channel} · {template.locale}
                    {template.origin === 'admin' ? ' (edited)' : ''}
                  </option>
                ))}
              </select>
            </label>
            <p className="muted small">
              Variables:{' '}
              {Object.keys(current.variables)
                .map((name) => `{{${name}}}`)
                .join(' ')}
            </p>
            {current.channel !== 'sms' && (
              <Field label={current.channel === 'push' ? 'Title' : 'Subject'} error={errors.fields.subject}>
                {(props) => (
                  <input
                    {...props}
                    value={draft.subject}
                    onChange={(event) => setDraft({ ...draft, subject: event.target.value })}
                  />
                )}
              </Field>
            )}
            <Field label="Text" error={errors.fields.text}>
              {(props) => (
                <textarea
                  {...props}
                  rows={6}
                  value={draft.text}
                  onChange={(event) => setDraft({ ...draft, text: event.target.value })}
                />
              )}
            </Field>
            {current.channel === 'email' && (
              <Field label="HTML" error={errors.fields.html}>
                {(props) => (
                  <textarea
                    {...props}
                    rows={6}
                    value={draft.html}
                    onChange={(event) => setDraft({ ...draft, html: event.target.value })}
                  />
                )}
              </Field>
            )}
            {errors.form && <Alert>{errors.form}</Alert>}
            <div className="actions">
              <button
                type="button"
                className="button secondary"
                onClick={() => preview.mutate()}
                disabled={preview.isPending}
              >
                Preview
              </button>
              <button
                type="button"
                className="button primary"
                onClick={() => save.mutate()}
                disabled={save.isPending}
              >
                Save
              </button>
            </div>
            {save.isSuccess && <Alert kind="success">Saved.</Alert>}
            {preview.data && (
              <section className="preview" aria-label="Preview">
                {preview.data.subject && <h3>{preview.data.subject}</h3>}
                {preview.data.html ? (
                  <iframe title="HTML preview" sandbox="" srcDoc={preview.data.html} className="mail-frame" />
                ) : (
                  <pre className="mail-text">{preview.data.text}</pre>
                )}
              </section>
            )}
          </>
        )}
      </QueryState>
    </section>
  );
}

export function AdminMailbox() {
  const mailbox = useQuery({ queryKey: ['mailbox'], queryFn: () => api.mailbox(), refetchInterval: 5000 });
  const [open, setOpen] = useState<string>();
  const message = useQuery({
    queryKey: ['mail', open],
    queryFn: () => api.mail(open!),
    enabled: Boolean(open),
  });
  const items = mailbox.data?.items ?? [];
  return (
    <section>
      <PageTitle>Mailbox</PageTitle>
      <p className="muted">Mail the platform sent in embedded mode (data/outbox-mail).</p>
      <QueryState
        loading={mailbox.isPending}
        error={mailbox.error}
        empty={items.length === 0}
        emptyText="No mail sent yet."
      >
        <ul className="order-list">
          {items.map((mail) => (
            <li key={mail.name} className="order-row">
              <div>
                <button
                  type="button"
                  className="link-button"
                  onClick={() => setOpen(mail.name)}
                  aria-expanded={open === mail.name}
                >
                  <strong>{mail.subject ?? mail.name}</strong>
                </button>
                <p className="muted">
                  {mail.recipient} · {formatTime(mail.createdAt)}
                </p>
              </div>
            </li>
          ))}
        </ul>
      </QueryState>
      {open && (
        <QueryState loading={message.isPending} error={message.error}>
          <pre className="mail-text">{typeof message.data === 'string' ? message.data : ''}</pre>
        </QueryState>
      )}
    </section>
  );
}
