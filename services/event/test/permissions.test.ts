// Who may do what: everyone reads published events; organizers manage only their own events;
// admins manage all; buyers and anonymous visitors change nothing.
import { newId } from '@ticketing/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import {
  api,
  createEvent,
  createPublishedEvent,
  type EventPlatform,
  eventBody,
  newBuyer,
  newOrganizer,
  startEventPlatform,
} from './support.js';

type Actor = 'anonymous' | 'buyer' | 'owner' | 'otherOrganizer' | 'admin';
const ACTORS: Actor[] = ['anonymous', 'buyer', 'owner', 'otherOrganizer', 'admin'];

let p: EventPlatform;
const tokens = {} as Record<Actor, string | undefined>;
const ids = {} as Record<Actor, string>;
let draft: { id: string };
let published: { id: string };

beforeAll(async () => {
  p = await startEventPlatform();
  const [owner, other, buyer] = await Promise.all([newOrganizer(p), newOrganizer(p), newBuyer(p)]);
  Object.assign(tokens, {
    anonymous: undefined,
    buyer: buyer.token,
    owner: owner.token,
    otherOrganizer: other.token,
    admin: p.adminToken,
  });
  Object.assign(ids, { buyer: buyer.id, owner: owner.id, otherOrganizer: other.id });
  draft = await createEvent(p, owner.token, { title: 'Owner draft' });
  published = await createPublishedEvent(p, owner.token, { title: 'Owner published' });
});
afterAll(() => p?.stop());

/** Expected status per actor: anonymous, buyer, owner, other organizer, admin. */
type Row = [string, (actor: Actor) => Promise<{ status: number }>, [number, number, number, number, number]];

describe('the permission matrix', () => {
  const rows: Row[] = [
    ['list published events', (a) => api(p, 'GET', '/events', tokens[a]), [200, 200, 200, 200, 200]],
    [
      'read a published event',
      (a) => api(p, 'GET', `/events/${published.id}`, tokens[a]),
      [200, 200, 200, 200, 200],
    ],
    ['read a draft', (a) => api(p, 'GET', `/events/${draft.id}`, tokens[a]), [404, 404, 200, 404, 200]],
    ['create an event', (a) => api(p, 'POST', '/events', tokens[a], eventBody()), [401, 403, 201, 201, 201]],
    [
      'edit a draft',
      (a) => api(p, 'PATCH', `/events/${draft.id}`, tokens[a], { description: `edited by ${a}` }),
      [401, 403, 200, 404, 200],
    ],
    [
      'edit a published event',
      (a) => api(p, 'PATCH', `/events/${published.id}`, tokens[a], { description: `edited by ${a}` }),
      [401, 403, 200, 403, 200],
    ],
    [
      'see the seat map of a draft',
      (a) => api(p, 'GET', `/events/${draft.id}/venue`, tokens[a]),
      [401, 403, 200, 404, 200],
    ],
    [
      'see the sales of a published event',
      (a) => api(p, 'GET', `/events/${published.id}/analytics`, tokens[a]),
      [401, 403, 200, 403, 200],
    ],
    ['list my own events', (a) => api(p, 'GET', '/events?mine=true', tokens[a]), [401, 200, 200, 200, 200]],
    ['list drafts', (a) => api(p, 'GET', '/events?status=DRAFT', tokens[a]), [401, 403, 200, 200, 200]],
    // Refused before anything changes; the owner's own publish and cancel come below.
    [
      'publish someone’s draft',
      (a) => api(p, 'POST', `/events/${draft.id}/publish`, tokens[a]),
      [401, 403, -1, 404, -1],
    ],
    [
      'cancel someone’s event',
      (a) => api(p, 'POST', `/events/${published.id}/cancel`, tokens[a]),
      [401, 403, -1, 403, -1],
    ],
    [
      'delete someone’s draft',
      (a) => api(p, 'DELETE', `/events/${draft.id}`, tokens[a]),
      [401, 403, -1, 404, -1],
    ],
  ];

  for (const [story, attempt, expected] of rows) {
    it(`${story}: ${ACTORS.map((actor, index) => `${actor} ${expected[index]}`).join(', ')}`, async () => {
      const outcomes: Record<string, number> = {};
      const wanted: Record<string, number> = {};
      for (const [index, actor] of ACTORS.entries()) {
        if (expected[index] === -1) continue;
        outcomes[actor] = (await attempt(actor)).status;
        wanted[actor] = expected[index]!;
      }
      expect(outcomes).toEqual(wanted);
    });
  }

  it('lets the owner and admins publish, cancel and delete', async () => {
    const owned = await createEvent(p, tokens.owner!);
    expect((await api(p, 'POST', `/events/${owned.id}/publish`, tokens.owner)).status).toBe(200);
    expect((await api(p, 'POST', `/events/${owned.id}/cancel`, tokens.admin)).status).toBe(200);
    const another = await createEvent(p, tokens.owner!);
    expect((await api(p, 'POST', `/events/${another.id}/publish`, tokens.admin)).status).toBe(200);
    expect((await api(p, 'POST', `/events/${another.id}/cancel`, tokens.owner)).status).toBe(200);
    const doomed = await createEvent(p, tokens.owner!);
    expect((await api(p, 'DELETE', `/events/${doomed.id}`, tokens.admin)).status).toBe(204);
  });
});

describe('what each caller sees in listings', () => {
  it('shows drafts only to their organizer and admins', async () => {
    const titles = async (actor: Actor, search: string) =>
      (
        (await api(p, 'GET', `/events?${search}&limit=100`, tokens[actor])).body.items as { id: string }[]
      ).map((item) => item.id);
    expect(await titles('anonymous', '')).toContain(published.id);
    expect(await titles('anonymous', '')).not.toContain(draft.id);
    expect(await titles('owner', 'mine=true')).toEqual(expect.arrayContaining([draft.id, published.id]));
    expect(await titles('otherOrganizer', 'mine=true')).not.toContain(draft.id);
    expect(await titles('otherOrganizer', 'status=DRAFT')).not.toContain(draft.id);
    expect(await titles('owner', 'status=DRAFT')).toContain(draft.id);
    expect(await titles('admin', 'status=DRAFT')).toContain(draft.id);
    expect(await titles('admin', `status=DRAFT&organizerId=${ids.otherOrganizer}`)).not.toContain(draft.id);
    expect(await titles('buyer', 'mine=true')).toEqual([]);
  });

  it('makes an admin the organizer of the events the admin creates', async () => {
    const event = await createEvent(p, p.adminToken);
    expect(event.organizerId).not.toBe(ids.owner);
  });
});

describe('the event service behind the gateway', () => {
  it('checks roles itself too, for callers that skip the gateway', async () => {
    const context = p.t.platform.services.get('event')!.context;
    const asBuyer = await context.tokens.issue({
      service: 'gateway',
      user: { userId: ids.buyer, roles: ['USER'] },
    });
    const direct = await call(p.t.platform.url('event'), 'POST', '/api/v1/events', {
      body: eventBody(),
      headers: { 'x-internal-token': asBuyer },
    });
    expect(direct.status).toBe(403);
    const asOther = await context.tokens.issue({
      service: 'gateway',
      user: { userId: ids.otherOrganizer, roles: ['ORGANIZER'] },
    });
    const edit = await call(p.t.platform.url('event'), 'PATCH', `/api/v1/events/${published.id}`, {
      body: { title: 'Mine now' },
      headers: { 'x-internal-token': asOther },
    });
    expect(edit.status).toBe(403);
    expect(edit.body.code).toBe('not_event_owner');
    const unknown = await call(p.t.platform.url('event'), 'GET', `/api/v1/events/${newId()}`, {
      headers: { 'x-internal-token': asOther },
    });
    expect(unknown.status).toBe(404);
  });
});
