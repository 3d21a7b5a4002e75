// Time and ids come in as dependencies so tests can control them.
import { uuidv7 } from 'uuidv7';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when a test tells it to. */
export class ManualClock implements Clock {
  private current: number;
  constructor(start: Date | string = '2030-01-01T00:00:00Z') {
    this.current = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.current);
  }
  advance(milliseconds: number): void {
    this.current += milliseconds;
  }
  set(to: Date | string): void {
    this.current = new Date(to).getTime();
  }
}

export const newId = (): string => uuidv7();
