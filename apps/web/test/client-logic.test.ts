// Client logic without a browser: problem+json messages sorted onto form fields, the token
// refresh (once, for concurrent requests), calendar files, money, and the venue preview.
import { describe, expect, test } from 'vitest';
import { safeNext } from '../src/account/login-page';
import { previewVenue, rowName, seatCount } from '../src/admin/venue-preview';
import { ApiClient, queryString } from '../src/api/client';
import { ApiProblem, fieldMessage, formErrors, problemFromResponse } from '../src/api/problem';
import { type Session, SessionStore } from '../src/api/session';
import { calendarFile, icsText } from '../src/storefront/calendar';
import { formatCountdown, formatMoney, parseMoney } from '../src/ui/format';

const problem = (body: Record<string, unknown>) => new ApiProblem({ status: 400, ...body });

describe('problems on forms', () => {
  test('a problem naming a field lands next to that field, with the field name said once', () => {
    const error = problem({
      code: 'validation_failed',
      field: 'payment.card.number',
      detail: 'payment.card.number must match pattern "^[0-9]+$"',
    });
    expect(formErrors(error, ['card.number', 'card.cvc'])).toEqual({
      fields: { 'card.number': 'Not in the right format' },
      form: undefined,
    });
  });

  test('the longest matching form field wins; unknown fields go to the form', () => {
    const error = problem({ field: 'venue.sections.1.rows', detail: 'rows must be ≥ 1' });
    expect(formErrors(error, ['rows', 'venue.sections.1.rows']).fields).toEqual({
      'venue.sections.1.rows': 'rows must be ≥ 1',
    });
    expect(formErrors(problem({ field: 'holdId', detail: 'The hold expired' }), ['card.number'])).toEqual({
      fields: {},
      form: 'The hold expired',
    });
  });

  test('a list of errors fills several fields, each message without its field name', () => {
    const error = problem({
      errors: [
        { field: 'email', detail: 'email is taken' },
        { field: 'username', detail: 'username is taken' },
      ],
    });
    expect(formErrors(error, ['email', 'username']).fields).toEqual({
      email: 'Is taken',
      username: 'Is taken',
    });
  });

  test('messages read as field hints', () => {
    expect(fieldMessage('title must be at least 1 characters', 'title')).toBe('Required');
    expect(fieldMessage('An account with this username already exists', 'username')).toBe(
      'An account with this username already exists',
    );
  });

  test('answers that are not problem+json become problems too', () => {
    const error = problemFromResponse(502, 'Bad Gateway', '<html>');
    expect(error.status).toBe(502);
    expect(error.message).toBe('The server answered 502 Bad Gateway');
    expect(formErrors(new Error('boom'), []).form).toBe('boom');
  });
});

describe('tokens', () => {
  const user = { id: 'u1', username: 'buyer', roles: ['USER'] } as unknown as Session['user'];
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

  test('two requests after the access token expired share one refresh, then both succeed', async () => {
    const store = new SessionStore(null);
    store.set({ accessToken: 'old', refreshToken: 'r1', accessExpiresAt: Date.now() - 1000, user });
    const calls: string[] = [];
    const fetchStub = async (url: string | URL | Request, init?: RequestInit) => {
      const path = String(url);
      calls.push(
        `${init?.method} ${path} ${(init?.headers as Record<string, string> | undefined)?.authorization ?? ''}`.trim(),
      );
      if (path === '/api/v1/auth/refresh') {
        await new Promise((resolve) => setTimeout(resolve, 10));
        return json(200, {
          accessToken: 'new',
          refreshToken: 'r2',
          tokenType: 'Bearer',
          expiresIn: 900,
          user,
        });
      }
      return json(200, { ok: true });
    };
    const client = new ApiClient(store, '', fetchStub as typeof fetch);
    await Promise.all([client.request('GET', '/api/v1/orders'), client.request('GET', '/api/v1/tickets')]);
    expect(calls.filter((call) => call.includes('/auth/refresh'))).toHaveLength(1);
    expect(calls).toContain('GET /api/v1/orders Bearer new');
    expect(calls).toContain('GET /api/v1/tickets Bearer new');
    expect(store.get()?.refreshToken).toBe('r2');
  });

  test('a refused refresh signs out and the 401 problem reaches the page', async () => {
    const store = new SessionStore(null);
    store.set({ accessToken: 'revoked', refreshToken: 'gone', accessExpiresAt: Date.now() + 600_000, user });
    const fetchStub = async (url: string | URL | Request) =>
      String(url) === '/api/v1/auth/refresh'
        ? json(401, { status: 401, code: 'invalid_refresh_token', detail: 'The session has ended' })
        : json(401, { status: 401, code: 'unauthorized', detail: 'Authentication is required' });
    const client = new ApiClient(store, '', fetchStub as typeof fetch);
    await expect(client.request('GET', '/api/v1/users/me')).rejects.toMatchObject({ status: 401 });
    expect(store.get()).toBeNull();
  });

  test('a login after logout proves the device with the refresh token it held last', async () => {
    const stored = new Map<string, string>();
    const storage = {
      getItem: (key: string) => stored.get(key) ?? null,
      setItem: (key: string, value: string) => void stored.set(key, value),
      removeItem: (key: string) => void stored.delete(key),
    };
    const store = new SessionStore(storage);
    const bodies: unknown[] = [];
    const fetchStub = async (url: string | URL | Request, init?: RequestInit) => {
      if (String(url) === '/api/v1/auth/login') bodies.push(JSON.parse(String(init?.body)));
      return json(200, {
        accessToken: 'a',
        refreshToken: `r${bodies.length}`,
        tokenType: 'Bearer',
        expiresIn: 900,
        user,
      });
    };
    const client = new ApiClient(store, '', fetchStub as typeof fetch);
    await client.login('buyer', 'pw-1');
    await client.logout();
    expect(store.get()).toBeNull();
    await client.login('buyer', 'pw-1');
    expect(bodies).toEqual([
      { username: 'buyer', password: 'pw-1' },
      { username: 'buyer', password: 'pw-1', previousRefreshToken: 'r1' },
    ]);
  });

  test('query strings skip empty values and repeat lists', () => {
    expect(
      queryString({ q: 'jazz', type: ['CONCERT', 'FESTIVAL'], from: '', cursor: undefined, mine: true }),
    ).toBe('?q=jazz&type=CONCERT&type=FESTIVAL&mine=true');
    expect(queryString({})).toBe('');
  });

  test('after logging in, only paths of this app are followed', () => {
    expect(safeNext('/events/1')).toBe('/events/1');
    expect(safeNext('//evil.example')).toBe('/');
    expect(safeNext('https://evil.example')).toBe('/');
    expect(safeNext(null)).toBe('/');
  });
});

describe('calendar, money and the venue preview', () => {
  test('an .ics file has one event in UTC with escaped text and CRLF lines', () => {
    const file = calendarFile(
      {
        uid: 'order-1@ticketing',
        title: 'Gala; Beethoven, Dvořák',
        location: 'Hall 1',
        description: 'Row A\nSeat 5',
        startsAt: '2026-12-26T18:00:00.000Z',
        endsAt: '2026-12-26T20:30:00.000Z',
      },
      new Date('2026-11-26T10:00:00Z'),
    );
    expect(file).toContain('\r\nDTSTART:20261226T180000Z\r\n');
    expect(file).toContain('\r\nDTEND:20261226T203000Z\r\n');
    expect(file).toContain('SUMMARY:Gala\\; Beethoven\\, Dvořák');
    expect(file).toContain('DESCRIPTION:Row A\\nSeat 5');
    expect(file.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
    expect(file.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(icsText('a\\b')).toBe('a\\\\b');
    // Long lines are folded at 75 characters.
    const long = calendarFile({
      uid: 'u',
      title: 'x'.repeat(200),
      location: '',
      description: '',
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: '2026-01-01T01:00:00Z',
    });
    expect(long.split('\r\n').every((line) => line.length <= 75)).toBe(true);
  });

  test('money is minor units with the currency code; amounts parse back', () => {
    expect(formatMoney(12_000, 'EUR')).toBe('120.00 EUR');
    expect(formatMoney(500, 'JPY')).toBe('500 JPY');
    expect(parseMoney('45', 'EUR')).toBe(4500);
    expect(parseMoney('12,50', 'EUR')).toBe(1250);
    expect(parseMoney('abc', 'EUR')).toBeUndefined();
    expect(formatCountdown(599.2)).toBe('10:00');
    expect(formatCountdown(61)).toBe('1:01');
    expect(formatCountdown(-3)).toBe('0:00');
  });

  test('the preview lays out sections like the event service: pitch 10, rows 12 apart, stacked', () => {
    expect(rowName(0)).toBe('A');
    expect(rowName(26)).toBe('AA');
    const preview = previewVenue([
      { name: 'Front', category: 'VIP', rows: 2, seatsPerRow: 3 },
      { name: 'Back', category: 'STANDARD', rows: 1, seatsPerRow: 5 },
      { name: 'Being typed', category: '', rows: Number.NaN, seatsPerRow: 4 },
    ]);
    expect(preview.seats).toHaveLength(11);
    expect(preview.width).toBe(50); // 5 seats: 40 between the outer centres, 5 margin each side
    const front = preview.seats.filter((seat) => seat.section === 0);
    // The narrower section is centred over the wider one.
    expect(front.map((seat) => seat.x).slice(0, 3)).toEqual([15, 25, 35]);
    expect(front[3]!.y - front[0]!.y).toBe(12);
    const back = preview.seats.filter((seat) => seat.section === 1);
    expect(back[0]!.y).toBe(5 + 22 + 20); // the front section's height, then the gap
    expect(seatCount([{ name: 'A', category: 'X', rows: 10, seatsPerRow: 20 }])).toBe(200);
  });
});
