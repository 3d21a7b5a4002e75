// What the order service needs from every service it calls: telling an answer on purpose (a
// 4xx) from no answer at all (down, timed out, circuit open), which the saga treats differently.
import { AppError } from '@ticketing/platform';

/** The called service could not be reached or did not answer in time: the call's effect is unknown. */
export class Unreachable extends Error {
  constructor(
    readonly service: string,
    message: string,
  ) {
    super(message);
    this.name = 'Unreachable';
  }
}

/** Runs a client call; a 503 from the platform client (no answer) becomes Unreachable. */
export async function reach<T>(service: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof AppError && error.status === 503) throw new Unreachable(service, error.message);
    throw error;
  }
}

export interface Problem {
  code?: string;
  detail?: string;
  field?: string;
}

export const problemOf = (body: unknown): Problem =>
  body && typeof body === 'object' ? (body as Problem) : {};
