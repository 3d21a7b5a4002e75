// The .ics files of e-ticket mails, checked against RFC 5545's rules for text and line length.
import { describe, expect, it } from 'vitest';
import { buildCalendar, escapeText, foldLine } from '../src/calendar.js';

describe('calendar files', () => {
  it('escapes the characters RFC 5545 reserves in text', () => {
    expect(escapeText('Rock, Pop; Jazz\\Blues\nLive')).toBe('Rock\\, Pop\\; Jazz\\\\Blues\\nLive');
  });

  it('folds long lines at 75 octets without splitting a character', () => {
    const line = `SUMMARY:${'Grüße aus München '.repeat(10)}`;
    const folded = foldLine(line).split('\r\n');
    expect(folded.length).toBeGreaterThan(1);
    for (const part of folded) expect(Buffer.byteLength(part)).toBeLessThanOrEqual(75);
    expect(folded.slice(1).every((part) => part.startsWith(' '))).toBe(true);
    expect(folded.map((part, index) => (index === 0 ? part : part.slice(1))).join('')).toBe(line);
  });

  it('describes one event with UTC times, two hours long when the end is unknown', () => {
    const ics = buildCalendar({
      uid: 'event-1.order-1@ticketing',
      title: 'Opening Night',
      startsAt: new Date('2030-03-01T19:30:00Z'),
      endsAt: null,
      location: 'Main Hall, Vienna',
      description: 'Tickets: Row 1 Seat 2',
      url: 'https://tickets.example.com/orders/order-1',
      createdAt: new Date('2030-01-01T00:00:00Z'),
    });
    expect(ics.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n')).toBe(true);
    expect(ics).toContain('\r\nDTSTART:20300301T193000Z\r\nDTEND:20300301T213000Z\r\n');
    expect(ics).toContain('\r\nLOCATION:Main Hall\\, Vienna\r\n');
    expect(ics).toContain('\r\nDTSTAMP:20300101T000000Z\r\n');
    expect(ics.endsWith('END:VEVENT\r\nEND:VCALENDAR\r\n')).toBe(true);
  });
});
