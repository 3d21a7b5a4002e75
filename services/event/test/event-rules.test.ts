// The rules of an event's own fields, as pure functions: the brief's status derived from the
// lifecycle and the clock, when sales are open, schedules, currencies and time zones.
import { describe, expect, it } from 'vitest';
import {
  checkCapacity,
  checkCurrency,
  checkSchedule,
  checkTimeZone,
  salesOpen,
  statusOf,
} from '../src/event-rules.js';

const now = new Date('2030-06-01T12:00:00Z');
const event = (changes: Record<string, unknown> = {}) => ({
  lifecycle: 'PUBLISHED',
  endsAt: '2030-06-10T22:00:00Z',
  salesStartAt: null as string | null,
  salesEndAt: null as string | null,
  ...changes,
});

describe('the brief’s status', () => {
  it('is ACTIVE for a published event that has not ended, INACTIVE for drafts and past events, CANCELLED once cancelled', () => {
    expect(statusOf(event(), now)).toBe('ACTIVE');
    expect(statusOf(event({ lifecycle: 'DRAFT' }), now)).toBe('INACTIVE');
    expect(statusOf(event({ endsAt: '2030-06-01T12:00:00Z' }), now)).toBe('INACTIVE');
    expect(statusOf(event({ lifecycle: 'CANCELLED' }), now)).toBe('CANCELLED');
  });
});

describe('sales', () => {
  it('are open for a published event inside its window; an unset end means until the event ends', () => {
    expect(salesOpen(event(), now)).toBe(true);
    expect(salesOpen(event({ lifecycle: 'DRAFT' }), now)).toBe(false);
    expect(salesOpen(event({ salesStartAt: '2030-06-02T00:00:00Z' }), now)).toBe(false);
    expect(salesOpen(event({ salesEndAt: '2030-06-01T11:59:59Z' }), now)).toBe(false);
    expect(
      salesOpen(event({ salesStartAt: '2030-05-01T00:00:00Z', salesEndAt: '2030-06-05T00:00:00Z' }), now),
    ).toBe(true);
    expect(salesOpen(event({ endsAt: '2030-06-01T11:00:00Z' }), now)).toBe(false);
  });
});

describe('field rules', () => {
  const schedule = (changes: Record<string, string | null> = {}) => {
    const values = {
      startsAt: '2030-07-01T18:00:00Z',
      endsAt: '2030-07-01T21:00:00Z',
      salesStartAt: null as string | null,
      salesEndAt: null as string | null,
      ...changes,
    };
    return {
      startsAt: new Date(values.startsAt),
      endsAt: new Date(values.endsAt),
      salesStartAt: values.salesStartAt ? new Date(values.salesStartAt) : null,
      salesEndAt: values.salesEndAt ? new Date(values.salesEndAt) : null,
    };
  };

  it('accepts sales that end during the event, and refuses windows outside it', () => {
    expect(() => checkSchedule(schedule({ salesEndAt: '2030-07-01T20:00:00Z' }))).not.toThrow();
    expect(() => checkSchedule(schedule({ salesStartAt: '2030-07-01T18:00:00Z' }))).toThrow(/salesStartAt/);
    expect(() => checkSchedule(schedule({ salesEndAt: '2030-07-01T21:00:01Z' }))).toThrow(/salesEndAt/);
    expect(() => checkSchedule(schedule({ endsAt: '2030-07-01T17:00:00Z' }))).toThrow(/endsAt/);
  });

  it('knows ISO 4217 currencies in use and IANA time zones', () => {
    for (const currency of ['EUR', 'USD', 'JPY', 'GBP', 'CHF', 'KWD'])
      expect(() => checkCurrency(currency)).not.toThrow();
    for (const currency of ['XYZ', 'DEM', 'EURO']) expect(() => checkCurrency(currency)).toThrow(/currency/);
    expect(() => checkTimeZone('Europe/Berlin')).not.toThrow();
    expect(() => checkTimeZone('UTC')).not.toThrow();
    expect(() => checkTimeZone('Europe/Atlantis')).toThrow(/timeZone/);
  });

  it('derives the capacity from seats and ticket types, and checks a declared one', () => {
    expect(checkCapacity(undefined, 40, 60)).toBe(100);
    expect(checkCapacity(100, 40, 60)).toBe(100);
    expect(() => checkCapacity(99, 40, 60)).toThrow(/capacity 99/);
  });
});
