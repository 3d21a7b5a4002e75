// One error type for the whole platform. Domain code throws AppError subclasses
// with a stable `code`; the http kit turns them into RFC 9457 problem+json in one place.

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code: string;
  /** The request field the problem is about, as a JSON pointer-ish path (`/email`). */
  field?: string;
  requestId?: string;
  [extension: string]: unknown;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extras: { field?: string; [key: string]: unknown } = {},
    /** Trusted errors are expected outcomes; untrusted ones are bugs and get logged as such. */
    readonly trusted = true,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(field: string, message: string, code = 'validation_failed') {
    super(400, code, message, { field });
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Authentication is required', code = 'unauthorized') {
    super(401, code, message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'You are not allowed to do this', code = 'forbidden') {
    super(403, code, message);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string, code = 'not_found') {
    super(404, code, `${what} was not found`);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, code = 'conflict', extras: { field?: string; [key: string]: unknown } = {}) {
    super(409, code, message, extras);
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(message: string, code = 'service_unavailable') {
    super(503, code, message);
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function statusTitle(status: number): string {
  return TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}

export function problem(
  status: number,
  code: string,
  detail: string,
  extras: Record<string, unknown> = {},
): ProblemDetails {
  return {
    type: `https://ticketing.dev/problems/${code.replaceAll('_', '-')}`,
    title: statusTitle(status),
    status,
    detail,
    code,
    ...extras,
  };
}
