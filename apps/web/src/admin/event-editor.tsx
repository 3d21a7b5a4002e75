// Create an event with its venue: the organizer lists sections (rows, seats per row, category,
// price) and sees the generated seat map take shape as they type; general-admission ticket
// types instead of, or beside, the seats. Saved as a draft, optionally published at once.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { api } from '../api/client';
import { formErrors } from '../api/problem';
import { type CreateEventInput, EVENT_TYPES, type EventDetail, type EventType } from '../api/types';
import { CATEGORY_COLOURS } from '../storefront/seat-map-layout';
import { Alert, Field, PageTitle, QueryState } from '../ui/components';
import { formatMoney, parseMoney } from '../ui/format';
import { PREVIEW_SEAT_LIMIT, previewVenue, seatCount } from './venue-preview';

interface SectionRow {
  name: string;
  category: string;
  rows: string;
  seatsPerRow: string;
  price: string;
  curve: string;
}
interface TicketTypeRow {
  name: string;
  price: string;
  quantity: string;
}

const SECTION_KEYS = ['name', 'category', 'rows', 'seatsPerRow', 'price', 'curve'];
const TICKET_TYPE_KEYS = ['name', 'price', 'quantity'];
const EVENT_FIELDS = [
  'title',
  'description',
  'location',
  'city',
  'eventType',
  'startsAt',
  'endsAt',
  'currency',
  'venue',
  'ticketTypes',
];

/** An instant as a datetime-local value in the browser's zone. */
export function isoToLocal(iso: string): string {
  const date = new Date(iso);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** Money in minor units as the form shows it ("45.00"). */
const moneyText = (minor: number, currency: string) => formatMoney(minor, currency).split(' ')[0]!;

/** A datetime-local value ("2026-12-24T19:30") in the browser's zone → ISO 8601 with offset. */
export function localToIso(value: string): string {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

function VenuePreview({ sections }: { sections: SectionRow[] }) {
  const drafts = sections.map((section) => ({
    name: section.name,
    category: section.category.trim() || 'STANDARD',
    rows: Number(section.rows),
    seatsPerRow: Number(section.seatsPerRow),
    curve: Number(section.curve) || 0,
  }));
  const total = seatCount(drafts);
  // Cheap below the limit (a few thousand circles), so it is simply redrawn on every keystroke.
  const preview = total <= PREVIEW_SEAT_LIMIT ? previewVenue(drafts) : undefined;
  const categories = [...new Set(drafts.map((draft) => draft.category))];
  if (total === 0) return <p className="empty">Add a section with rows and seats to see the seat map.</p>;
  if (!preview) return <p className="muted">{total} seats: too many to preview here.</p>;
  return (
    <figure className="venue-preview">
      <svg
        viewBox={`-5 -20 ${preview.width + 10} ${preview.height + 25}`}
        role="img"
        aria-label={`Preview: ${total} seats in ${drafts.length} sections`}
      >
        <text x={preview.width / 2} y={-8} textAnchor="middle" fontSize={8} className="stage-label">
          STAGE
        </text>
        {preview.seats.map((seat) => (
          <circle
            key={`${seat.section}-${seat.row}-${seat.number}`}
            cx={seat.x}
            cy={seat.y}
            r={4}
            fill={CATEGORY_COLOURS[categories.indexOf(seat.category) % CATEGORY_COLOURS.length]}
          />
        ))}
      </svg>
      <figcaption>
        {total} seats · {categories.join(', ')}
      </figcaption>
    </figure>
  );
}

/** Editing an event: loads it, then the same form filled in. */
export function EventEditPage() {
  const { id = '' } = useParams();
  const event = useQuery({ queryKey: ['event', id], queryFn: () => api.event(id) });
  return (
    <QueryState loading={event.isPending} error={event.error} retry={() => event.refetch()}>
      {event.data && <EventEditor existing={event.data} />}
    </QueryState>
  );
}

export function EventEditor({ existing }: { existing?: EventDetail }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({
    title: existing?.title ?? '',
    description: existing?.description ?? '',
    location: existing?.location ?? '',
    city: existing?.city ?? '',
    eventType: existing?.eventType ?? ('CONCERT' as EventType),
    startsAt: existing ? isoToLocal(existing.startsAt) : '',
    endsAt: existing ? isoToLocal(existing.endsAt) : '',
    currency: existing?.currency ?? 'EUR',
  });
  const [sections, setSections] = useState<SectionRow[]>(
    existing
      ? existing.venue.sections
          .filter((section) => section.layout === 'GENERATED')
          .map((section) => ({
            name: section.name,
            category: section.category,
            rows: String(section.rows ?? ''),
            seatsPerRow: String(section.seatsPerRow ?? ''),
            price: moneyText(section.price, existing.currency),
            curve: String(section.curve ?? 0),
          }))
      : [
          {
            name: 'Stalls',
            category: 'STANDARD',
            rows: '6',
            seatsPerRow: '12',
            price: '45.00',
            curve: '0.3',
          },
        ],
  );
  const [ticketTypes, setTicketTypes] = useState<TicketTypeRow[]>(
    existing?.ticketTypes.map((type) => ({
      name: type.name,
      price: moneyText(type.price, existing.currency),
      quantity: String(type.quantity),
    })) ?? [],
  );
  const [publishNow, setPublishNow] = useState(!existing);
  /** A published event's seats are sold against: only its details may change. */
  const seatsFixed = Boolean(existing && existing.lifecycle !== 'DRAFT');
  /** Explicitly drawn sections (boxes) are kept as they are; this form edits generated ones. */
  const keepsExplicit = Boolean(existing?.venue.sections.some((section) => section.layout === 'EXPLICIT'));

  const create = useMutation({
    mutationFn: async () => {
      const input: CreateEventInput = {
        title: form.title.trim(),
        location: form.location.trim(),
        eventType: form.eventType,
        startsAt: localToIso(form.startsAt),
        endsAt: localToIso(form.endsAt),
        // The times were typed in this browser's zone; the event shows them in it.
        timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
        currency: form.currency.trim().toUpperCase(),
        ...(form.description.trim() && { description: form.description.trim() }),
        ...(form.city.trim() && { city: form.city.trim() }),
        venue: {
          sections: sections.map((section) => ({
            name: section.name.trim(),
            category: section.category.trim() || 'STANDARD',
            rows: Number(section.rows),
            seatsPerRow: Number(section.seatsPerRow),
            price: parseMoney(section.price, form.currency) ?? -1,
            ...(Number(section.curve) > 0 && { curve: Number(section.curve) }),
          })),
        },
        ticketTypes: ticketTypes.map((type) => ({
          name: type.name.trim(),
          price: parseMoney(type.price, form.currency) ?? -1,
          quantity: Number(type.quantity),
        })),
      };
      if (existing) {
        const details: Partial<CreateEventInput> = { ...input };
        if (seatsFixed || keepsExplicit) {
          delete details.venue;
          delete details.ticketTypes;
        }
        const saved = await api.updateEvent(existing.id, details);
        return publishNow && saved.lifecycle === 'DRAFT' ? api.publishEvent(saved.id) : saved;
      }
      const created = await api.createEvent(input);
      return publishNow ? api.publishEvent(created.id) : created;
    },
    onSuccess: (event) => {
      queryClient.setQueryData(['event', event.id], event);
      void queryClient.invalidateQueries({ queryKey: ['events'] });
      void queryClient.invalidateQueries({ queryKey: ['admin-events'] });
      navigate(`/admin/events/${event.id}`);
    },
  });
  // Every input the form has, list items included, so a problem naming `venue.sections.1.rows` lands there.
  const fieldNames = [
    ...EVENT_FIELDS,
    ...sections.flatMap((_, index) => SECTION_KEYS.map((key) => `venue.sections.${index}.${key}`)),
    ...ticketTypes.flatMap((_, index) => TICKET_TYPE_KEYS.map((key) => `ticketTypes.${index}.${key}`)),
  ];
  const errors = formErrors(create.error, fieldNames);
  const sectionError = (index: number, key: string) => errors.fields[`venue.sections.${index}.${key}`];
  const ticketTypeError = (index: number, key: string) => errors.fields[`ticketTypes.${index}.${key}`];

  // A message is about what was sent: once the organizer types again, it goes.
  const clearErrors = () => {
    if (create.error) create.reset();
  };
  const setField = (name: keyof typeof form) => (event: { target: { value: string } }) => {
    clearErrors();
    setForm((current) => ({ ...current, [name]: event.target.value }));
  };
  const setSection = (index: number, key: keyof SectionRow, value: string) => {
    clearErrors();
    setSections((current) =>
      current.map((section, at) => (at === index ? { ...section, [key]: value } : section)),
    );
  };
  const setTicketType = (index: number, key: keyof TicketTypeRow, value: string) => {
    clearErrors();
    setTicketTypes((current) => current.map((type, at) => (at === index ? { ...type, [key]: value } : type)));
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };

  return (
    <section className="event-editor">
      <PageTitle>{existing ? `Edit ${existing.title}` : 'New event'}</PageTitle>
      <form onSubmit={submit} noValidate>
        <Field label="Title" error={errors.fields.title}>
          {(props) => <input {...props} value={form.title} onChange={setField('title')} />}
        </Field>
        <Field label="Description" error={errors.fields.description}>
          {(props) => (
            <textarea {...props} rows={3} value={form.description} onChange={setField('description')} />
          )}
        </Field>
        <Field label="Venue address" error={errors.fields.location}>
          {(props) => <input {...props} value={form.location} onChange={setField('location')} />}
        </Field>
        <div className="field-row">
          <Field label="City" error={errors.fields.city}>
            {(props) => <input {...props} value={form.city} onChange={setField('city')} />}
          </Field>
          <Field label="Type" error={errors.fields.eventType}>
            {(props) => (
              <select {...props} value={form.eventType} onChange={setField('eventType')}>
                {EVENT_TYPES.map((type) => (
                  <option key={type}>{type}</option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <div className="field-row">
          <Field label="Starts" error={errors.fields.startsAt}>
            {(props) => (
              <input {...props} type="datetime-local" value={form.startsAt} onChange={setField('startsAt')} />
            )}
          </Field>
          <Field label="Ends" error={errors.fields.endsAt}>
            {(props) => (
              <input {...props} type="datetime-local" value={form.endsAt} onChange={setField('endsAt')} />
            )}
          </Field>
        </div>
        <Field label="Currency" error={errors.fields.currency} hint="ISO 4217, e.g. EUR">
          {(props) => (
            <input {...props} value={form.currency} maxLength={3} onChange={setField('currency')} />
          )}
        </Field>

        {(seatsFixed || keepsExplicit) && (
          <Alert kind="info">
            {seatsFixed
              ? 'The event is on sale: its seats and ticket types stay as they are; the details above can change.'
              : 'This venue has drawn sections; edit its seats through the API. The details above can change.'}
          </Alert>
        )}
        <fieldset className="sections" disabled={seatsFixed || keepsExplicit}>
          <legend>Seated sections</legend>
          {sections.map((section, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows of a form being typed have no other identity.
            <fieldset key={index} className="section-row">
              <legend>Section {index + 1}</legend>
              <div className="field-row">
                <Field label="Name" error={sectionError(index, 'name')}>
                  {(props) => (
                    <input
                      {...props}
                      value={section.name}
                      onChange={(event) => setSection(index, 'name', event.target.value)}
                    />
                  )}
                </Field>
                <Field label="Category" error={sectionError(index, 'category')}>
                  {(props) => (
                    <input
                      {...props}
                      value={section.category}
                      onChange={(event) => setSection(index, 'category', event.target.value)}
                    />
                  )}
                </Field>
              </div>
              <div className="field-row">
                <Field label="Rows" error={sectionError(index, 'rows')}>
                  {(props) => (
                    <input
                      {...props}
                      inputMode="numeric"
                      value={section.rows}
                      onChange={(event) => setSection(index, 'rows', event.target.value)}
                    />
                  )}
                </Field>
                <Field label="Seats per row" error={sectionError(index, 'seatsPerRow')}>
                  {(props) => (
                    <input
                      {...props}
                      inputMode="numeric"
                      value={section.seatsPerRow}
                      onChange={(event) => setSection(index, 'seatsPerRow', event.target.value)}
                    />
                  )}
                </Field>
              </div>
              <div className="field-row">
                <Field label={`Price (${form.currency || 'EUR'})`} error={sectionError(index, 'price')}>
                  {(props) => (
                    <input
                      {...props}
                      inputMode="decimal"
                      value={section.price}
                      onChange={(event) => setSection(index, 'price', event.target.value)}
                    />
                  )}
                </Field>
                <Field label="Curve (0–1)" error={sectionError(index, 'curve')}>
                  {(props) => (
                    <input
                      {...props}
                      inputMode="decimal"
                      value={section.curve}
                      onChange={(event) => setSection(index, 'curve', event.target.value)}
                    />
                  )}
                </Field>
              </div>
              <button
                type="button"
                className="button secondary small"
                onClick={() => setSections((current) => current.filter((_, at) => at !== index))}
              >
                Remove section {index + 1}
              </button>
            </fieldset>
          ))}
          <button
            type="button"
            className="button secondary"
            onClick={() =>
              setSections((current) => [
                ...current,
                {
                  name: `Section ${current.length + 1}`,
                  category: 'STANDARD',
                  rows: '4',
                  seatsPerRow: '10',
                  price: '30.00',
                  curve: '0',
                },
              ])
            }
          >
            Add a section
          </button>
        </fieldset>

        <h2>Seat map preview</h2>
        <VenuePreview sections={sections} />

        <fieldset className="sections" disabled={seatsFixed || keepsExplicit}>
          <legend>General admission</legend>
          {ticketTypes.map((type, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows of a form being typed have no other identity.
            <div key={index} className="field-row">
              <Field label="Ticket type" error={ticketTypeError(index, 'name')}>
                {(props) => (
                  <input
                    {...props}
                    value={type.name}
                    onChange={(event) => setTicketType(index, 'name', event.target.value)}
                  />
                )}
              </Field>
              <Field label="Price" error={ticketTypeError(index, 'price')}>
                {(props) => (
                  <input
                    {...props}
                    inputMode="decimal"
                    value={type.price}
                    onChange={(event) => setTicketType(index, 'price', event.target.value)}
                  />
                )}
              </Field>
              <Field label="Quantity" error={ticketTypeError(index, 'quantity')}>
                {(props) => (
                  <input
                    {...props}
                    inputMode="numeric"
                    value={type.quantity}
                    onChange={(event) => setTicketType(index, 'quantity', event.target.value)}
                  />
                )}
              </Field>
            </div>
          ))}
          <button
            type="button"
            className="button secondary"
            onClick={() =>
              setTicketTypes((current) => [...current, { name: 'Standing', price: '25.00', quantity: '100' }])
            }
          >
            Add a ticket type
          </button>
        </fieldset>

        {(!existing || existing.lifecycle === 'DRAFT') && (
          <label className="checkbox">
            <input
              type="checkbox"
              checked={publishNow}
              onChange={(event) => setPublishNow(event.target.checked)}
            />{' '}
            Publish now (put it on sale)
          </label>
        )}
        {errors.form && <Alert>{errors.form}</Alert>}
        <button type="submit" className="button primary wide" disabled={create.isPending}>
          {create.isPending
            ? 'Saving…'
            : existing
              ? publishNow
                ? 'Save and publish'
                : 'Save changes'
              : publishNow
                ? 'Create and publish'
                : 'Save draft'}
        </button>
      </form>
    </section>
  );
}
