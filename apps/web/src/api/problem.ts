// RFC 9457 problem details as the platform answers them (packages/platform/src/http.ts):
// `detail` says what is wrong, `field` names the request field (a dotted path such as
// `payment.card.number`). Forms show the detail next to the input that field names.

export interface ProblemBody {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  field?: string;
  /** Some answers list several problems; each names its field. */
  errors?: { field?: string; detail?: string; message?: string }[];
  [extension: string]: unknown;
}

export class ApiProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  readonly body: ProblemBody;

  constructor(body: ProblemBody) {
    super(body.detail ?? body.title ?? `Request failed (${body.status})`);
    this.name = 'ApiProblem';
    this.status = body.status;
    this.code = body.code ?? 'unknown';
    this.field = body.field;
    this.body = body;
  }
}

/** A network failure (offline, connection refused) as a problem, so pages handle one kind of error. */
export function networkProblem(error: unknown): ApiProblem {
  return new ApiProblem({
    status: 0,
    code: 'network_error',
    title: 'Network error',
    detail: `Cannot reach the server (${error instanceof Error ? error.message : String(error)}). Check your connection and try again.`,
  });
}

/** Turns any answer that is not problem+json (a proxy's HTML 502) into a problem too. */
export function problemFromResponse(status: number, statusText: string, body: unknown): ApiProblem {
  if (body && typeof body === 'object' && 'status' in body) return new ApiProblem(body as ProblemBody);
  return new ApiProblem({
    status,
    code: `http_${status}`,
    title: statusText,
    detail: `The server answered ${status} ${statusText}`.trim(),
  });
}

/** Whether a problem's field path names this form field (`card.number` matches `payment.card.number`). */
export function fieldMatches(problemField: string, formField: string): boolean {
  const normalized = problemField
    .replace(/^\/+/, '')
    .replaceAll('/', '.')
    .replace(/\[(\d+)\]/g, '.$1');
  return normalized === formField || normalized.endsWith(`.${formField}`);
}

/**
 * A validation message as it reads next to its field: the server names the field in the
 * message ("payment.card.number must match pattern …"); beside the input that is said already.
 */
export function fieldMessage(detail: string, field: string | undefined): string {
  const text = field && detail.startsWith(`${field} `) ? detail.slice(field.length + 1) : detail;
  if (/^must match pattern /.test(text)) return 'Not in the right format';
  if (/^must (match format "?email"?|be a valid email)/.test(text)) return 'Not a valid email address';
  if (/^(must be at least 1 characters?|is required|must NOT have fewer than 1 characters)$/.test(text))
    return 'Required';
  return text === detail ? text : text.charAt(0).toUpperCase() + text.slice(1);
}

export interface FormErrors {
  /** Messages per form field, for the fields the form has. */
  fields: Record<string, string>;
  /** What cannot be shown next to a field: shown above the submit button. */
  form: string | undefined;
}

/** Sorts a problem's messages onto the form's fields; whatever names no known field is the form's. */
export function formErrors(error: unknown, formFields: readonly string[]): FormErrors {
  if (!error) return { fields: {}, form: undefined };
  if (!(error instanceof ApiProblem))
    return { fields: {}, form: error instanceof Error ? error.message : String(error) };
  const fields: Record<string, string> = {};
  const leftOver: string[] = [];
  const entries = error.body.errors?.length
    ? error.body.errors.map((entry) => ({
        field: entry.field,
        detail: entry.detail ?? entry.message ?? error.message,
      }))
    : [{ field: error.field, detail: error.message }];
  for (const entry of entries) {
    // The longest form field that matches wins: `card.number` over `number`.
    const match = entry.field
      ? [...formFields].sort((a, b) => b.length - a.length).find((name) => fieldMatches(entry.field!, name))
      : undefined;
    if (match && !fields[match]) fields[match] = fieldMessage(entry.detail, entry.field);
    else leftOver.push(entry.detail);
  }
  return { fields, form: leftOver.length ? leftOver.join(' ') : undefined };
}
