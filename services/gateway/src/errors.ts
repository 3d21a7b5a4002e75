// The gateway's domain errors, each with a stable code; the http kit maps them to problem+json.
import { AppError, ConflictError, ServiceUnavailableError, ValidationError } from '@ticketing/platform';

export class InvalidRouteTableError extends ValidationError {
  constructor(field: string, message: string) {
    super(field, message, 'invalid_route_table');
  }
}

export class RouteTableConflictError extends ConflictError {
  constructor(expected: number, current: number) {
    super(
      `The route table is at version ${current}, not ${expected}; read it again and reapply your change`,
      'route_table_conflict',
      { currentVersion: current },
    );
  }
}

export class MethodNotAllowedError extends AppError {
  constructor(
    method: string,
    readonly allowed: string[],
  ) {
    super(405, 'method_not_allowed', `${method} is not allowed here; use ${allowed.join(', ')}`, { allowed });
  }
}

export class BadPathError extends AppError {
  constructor() {
    super(400, 'bad_path', 'The path has an empty, dot or encoded-slash segment');
  }
}

export class BadUrlError extends AppError {
  constructor() {
    super(400, 'bad_url', 'The URL has percent-encoding that is not UTF-8, or a dot segment in its query');
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number, limitClass: string) {
    super(429, 'rate_limited', `Too many requests; try again in ${retryAfterSeconds} s`, {
      retryAfterSeconds,
      limit: limitClass,
    });
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `The request body is larger than ${limitBytes} bytes`, { limitBytes });
  }
}

export class UpstreamUnavailableError extends ServiceUnavailableError {
  constructor(service: string, reason: string) {
    super(`The ${service} service is unavailable (${reason}); try again shortly`, 'upstream_unavailable');
  }
}

export class CircuitOpenError extends ServiceUnavailableError {
  constructor(service: string) {
    super(`The ${service} service is failing; requests to it are paused for a moment`, 'circuit_open');
  }
}

export class UpstreamTimeoutError extends AppError {
  constructor(service: string, timeoutMs: number) {
    super(504, 'upstream_timeout', `The ${service} service did not answer within ${timeoutMs} ms`);
  }
}

export class BadGatewayError extends AppError {
  constructor(service: string, reason: string) {
    super(502, 'bad_gateway', `The ${service} service ${reason}`);
  }
}

export class AuthenticationUnavailableError extends ServiceUnavailableError {
  constructor() {
    super('Access tokens cannot be checked right now; try again shortly', 'authentication_unavailable');
  }
}
