// Finding events among a few hundred: full-text relevance, typo tolerance, filters, sorting and
// cursor pages, and only published events for the public.
import type { Identity } from '@ticketing/platform';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventServiceDeps } from '../src/app.js';
import { createEvent } from '../src/catalogue.js';
import { publishEvent } from '../src/lifecycle.js';
import type { CreateEventBody } from '../src/schema.js';
import {
  api,
  daysAhead,
  type EventPlatform,
  expectProblem,
  newOrganizer,
  startEventPlatform,
} from './support.js';

const TITLES: Record<string, string[]> = {
  CONCERT: ['Rock Night', 'Indie Evening', 'Piano Recital', 'Choir Concert', 'Techno Rave'],
  SPORTS: ['Football Derby', 'Tennis Open', 'Basketball Finals', 'City Marathon', 'Boxing Gala'],
  THEATER: ['Macbeth', 'The Seagull', 'Othello', 'A Doll’s House'],
  COMEDY: ['Stand-up Showcase', 'Improv Battle', 'Late Laughs'],
  CONFERENCE: ['Cloud Summit', 'Data Days', 'Frontend Forum'],
  FESTIVAL: ['Summer Open Air', 'Harvest Fest', 'Lantern Festival'],
  OTHER: ['Wine Tasting', 'Book Fair', 'Craft Market'],
};
const CATEGORIES: Record<string, string[]> = {
  CONCERT: ['music'],
  SPORTS: ['sport'],
  THEATER: ['stage'],
  COMEDY: ['stage', 'humour'],
  CONFERENCE: ['business'],
  FESTIVAL: ['music', 'outdoor'],
  OTHER: ['family'],
};
const TYPES = Object.keys(TITLES);
const CITIES = ['Berlin', 'Hamburg', 'Munich', 'London', 'Paris', 'Vienna'];
const FILLERS = 300;

interface Fixture {
  body: CreateEventBody;
  published: boolean;
  id?: string;
}

/** A few hundred ordinary events, none mentioning jazz or lighthouses, and 20 drafts. */
function fillers(): Fixture[] {
  return Array.from({ length: FILLERS }, (_, index) => {
    const type = TYPES[index % TYPES.length]!;
    const titles = TITLES[type]!;
    const startsAt = daysAhead(2 + (index % 120), index % 12);
    return {
      published: index % 15 !== 0,
      body: {
        title: `${titles[index % titles.length]} ${index}`,
        description: `Edition ${index}, for the whole city.`,
        location: `Hall ${index % 9}, Main Street ${index}`,
        city: CITIES[index % CITIES.length]!,
        eventType: type as CreateEventBody['eventType'],
        startsAt,
        endsAt: new Date(new Date(startsAt).getTime() + 3 * 3_600_000).toISOString(),
        currency: 'EUR',
        categories: CATEGORIES[type],
        ticketTypes: [{ name: 'General', price: 1000 + (index % 20) * 500, quantity: 100 }],
      },
    };
  });
}

const needle = (title: string, changes: Partial<CreateEventBody>): Fixture => ({
  published: true,
  body: {
    title,
    description: '',
    location: 'Harbour Pavilion',
    city: 'Hamburg',
    eventType: 'CONCERT',
    startsAt: daysAhead(40),
    endsAt: daysAhead(40, 3),
    currency: 'EUR',
    ticketTypes: [{ name: 'General', price: 3500, quantity: 80 }],
    ...changes,
  },
});

const NEEDLES = {
  jazzLighthouse: needle('Jazz at the Lighthouse', {
    description: 'A saxophone quartet plays by the harbour',
    categories: ['music', 'jazz'],
  }),
  jazzCruise: needle('Smooth Jazz Cruise', { description: 'Three hours on the river with a band' }),
  brunch: needle('Sunday Brunch Sessions', {
    description: 'Pancakes in the courtyard, with a live jazz trio playing standards',
    eventType: 'OTHER',
    city: 'Berlin',
  }),
  keepers: needle("Lighthouse Keepers' Tales", {
    eventType: 'THEATER',
    description: 'Stories from the coast',
  }),
  rehearsal: { ...needle('Secret Rehearsal', { description: 'Not for the public yet' }), published: false },
};

let p: EventPlatform;
let organizer: { id: string; token: string };
const fixtures = [...fillers(), ...Object.values(NEEDLES)];
const publishedFixtures = () => fixtures.filter((fixture) => fixture.published);

beforeAll(async () => {
  p = await startEventPlatform();
  organizer = await newOrganizer(p);
  // Inserted in-process through the domain, ten at a time: fast, and exactly what the API would store.
  const deps = await eventServiceDeps(p.t.platform.services.get('event')!.context, new Registry());
  const identity: Identity = { userId: organizer.id, roles: ['ORGANIZER'] };
  for (let start = 0; start < fixtures.length; start += 10) {
    await Promise.all(
      fixtures.slice(start, start + 10).map(async (fixture) => {
        const event = await createEvent(deps, identity, fixture.body);
        fixture.id = event.id;
        if (fixture.published) await publishEvent(deps, identity, event.id);
      }),
    );
  }
}, 300_000);
afterAll(() => p?.stop());

type Item = {
  id: string;
  title: string;
  eventType: string;
  city: string;
  startsAt: string;
  minPrice: number;
};

/** Every page of a listing, following nextCursor. */
async function walk(search: string, token?: string): Promise<Item[]> {
  const items: Item[] = [];
  let cursor: string | null = null;
  do {
    const response = await api(p, 'GET', `/events?${search}${cursor ? `&cursor=${cursor}` : ''}`, token);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    items.push(...response.body.items);
    cursor = response.body.nextCursor;
  } while (cursor);
  return items;
}

const ids = (items: Item[]) => items.map((item) => item.id);
const search = async (search: string) => (await api(p, 'GET', `/events?${search}`)).body.items as Item[];

describe('full-text search', () => {
  it('finds every event mentioning a word, titles before descriptions', async () => {
    const found = await search('q=jazz');
    expect(ids(found).slice(0, 2).sort()).toEqual([NEEDLES.jazzLighthouse.id, NEEDLES.jazzCruise.id].sort());
    expect(ids(found)).toEqual([...ids(found).slice(0, 2), NEEDLES.brunch.id]);
  });

  it('ranks the event matching every word first', async () => {
    const found = await search('q=jazz%20lighthouse');
    expect(found[0]!.id).toBe(NEEDLES.jazzLighthouse.id);
  });

  it('forgives typos and prefixes', async () => {
    const typo = ids(await search('q=lighthuose'));
    expect(typo.slice(0, 2).sort()).toEqual([NEEDLES.jazzLighthouse.id, NEEDLES.keepers.id].sort());
    expect(
      ids(await search('q=jaz'))
        .slice(0, 2)
        .sort(),
    ).toEqual([NEEDLES.jazzLighthouse.id, NEEDLES.jazzCruise.id].sort());
  });

  it('understands word forms, and searches place and categories too', async () => {
    const concerts = await search('q=concerts&limit=100');
    const expected = publishedFixtures().filter((fixture) => fixture.body.title.startsWith('Choir Concert'));
    expect(ids(concerts).sort()).toEqual(expected.map((fixture) => fixture.id).sort());
    expect(ids(await search('q=harbour%20pavilion')).length).toBeGreaterThanOrEqual(3);
    expect(ids(await search('q=outdoor&limit=100'))).toHaveLength(
      publishedFixtures().filter((fixture) => fixture.body.categories?.includes('outdoor')).length,
    );
  });

  it('never shows drafts to the public, only to their organizer', async () => {
    expect(await search('q=rehearsal')).toEqual([]);
    const mine = await api(p, 'GET', '/events?q=rehearsal&mine=true', organizer.token);
    expect(ids(mine.body.items)).toEqual([NEEDLES.rehearsal.id]);
    const publicIds = new Set(ids(await walk('limit=100')));
    expect(
      fixtures.filter((fixture) => !fixture.published).some((fixture) => publicIds.has(fixture.id!)),
    ).toBe(false);
  });
});

describe('filters', () => {
  const expectedIds = (keep: (fixture: Fixture) => boolean) =>
    publishedFixtures()
      .filter(keep)
      .map((fixture) => fixture.id)
      .sort();

  it('by type, one or several', async () => {
    expect(ids(await walk('type=COMEDY&limit=50')).sort()).toEqual(
      expectedIds((f) => f.body.eventType === 'COMEDY'),
    );
    expect(ids(await walk('type=COMEDY&type=SPORTS&limit=50')).sort()).toEqual(
      expectedIds((f) => ['COMEDY', 'SPORTS'].includes(f.body.eventType)),
    );
  });

  it('by city, in any case, and by category', async () => {
    expect(ids(await walk('city=HAMBURG&limit=50')).sort()).toEqual(
      expectedIds((f) => f.body.city === 'Hamburg'),
    );
    expect(ids(await walk('category=Sport&limit=50')).sort()).toEqual(
      expectedIds((f) => f.body.categories?.includes('sport') ?? false),
    );
  });

  it('by date range, from and to inclusive, dates meaning whole days', async () => {
    const from = new Date(daysAhead(10));
    const toDay = daysAhead(20).slice(0, 10);
    const found = await walk(`from=${from.toISOString()}&to=${toDay}&limit=50`);
    const end = new Date(`${toDay}T00:00:00Z`).getTime() + 86_400_000;
    expect(ids(found).sort()).toEqual(
      expectedIds((f) => {
        const startsAt = new Date(f.body.startsAt).getTime();
        return startsAt >= from.getTime() && startsAt < end;
      }),
    );
    expect(found.length).toBeGreaterThan(10);
  });

  it('by price range, in minor units', async () => {
    const found = await walk('minPrice=3000&maxPrice=4500&limit=50');
    expect(ids(found).sort()).toEqual(
      expectedIds((f) => {
        const price = f.body.ticketTypes![0]!.price!;
        return price >= 3000 && price <= 4500;
      }),
    );
  });

  it('combined with a search', async () => {
    expect(ids(await search('q=jazz&city=berlin'))).toEqual([NEEDLES.brunch.id]);
    expect(ids(await search('q=jazz&type=OTHER'))).toEqual([NEEDLES.brunch.id]);
  });

  it('by status, for organizers', async () => {
    const drafts = await walk('status=DRAFT&limit=50', organizer.token);
    expect(ids(drafts).sort()).toEqual(
      fixtures
        .filter((fixture) => !fixture.published)
        .map((fixture) => fixture.id)
        .sort(),
    );
    expectProblem(await api(p, 'GET', '/events?status=DRAFT'), 401);
  });
});

describe('sorting and pages', () => {
  it('walks every published event exactly once, by date, page by page', async () => {
    const all = await walk('limit=37');
    expect(all).toHaveLength(publishedFixtures().length);
    expect(new Set(ids(all)).size).toBe(all.length);
    const keys = all.map((item) => `${item.startsAt}|${item.id}`);
    expect(keys).toEqual([...keys].sort());
  });

  it('sorts by date descending and by price both ways', async () => {
    const latest = await walk('sort=-date&limit=100');
    expect(latest.map((item) => item.startsAt)).toEqual(
      latest
        .map((item) => item.startsAt)
        .sort()
        .reverse(),
    );
    const cheapest = await walk('sort=price&limit=45');
    expect(cheapest).toHaveLength(publishedFixtures().length);
    const prices = cheapest.map((item) => item.minPrice);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    const dearest = (await walk('sort=-price&limit=100')).map((item) => item.minPrice);
    expect(dearest).toEqual([...dearest].sort((a, b) => b - a));
  });

  it('pages through relevance-ranked results without losing or repeating any', async () => {
    const onePage = ids(
      (await api(p, 'GET', '/events?q=night%20or%20evening%20or%20festival&limit=100')).body.items,
    );
    expect(onePage.length).toBeGreaterThan(20);
    const paged = ids(await walk('q=night%20or%20evening%20or%20festival&limit=7'));
    expect(paged).toEqual(onePage);
  });

  it('refuses a cursor from another listing, or one tampered with', async () => {
    const page = await api(p, 'GET', '/events?type=COMEDY&limit=5');
    const tampered = JSON.parse(Buffer.from(page.body.nextCursor, 'base64url').toString());
    tampered.v = "2030-01-01'; DROP TABLE events.events; --";
    const forged = Buffer.from(JSON.stringify(tampered)).toString('base64url');
    expectProblem(await api(p, 'GET', `/events?type=COMEDY&limit=5&cursor=${forged}`), 400, 'invalid_cursor');
    expectProblem(
      await api(p, 'GET', `/events?type=SPORTS&limit=5&cursor=${page.body.nextCursor}`),
      400,
      'invalid_cursor',
    );
  });
});
