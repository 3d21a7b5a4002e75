// The per-account purchase cap's blocks: an account refused for reaching TICKET_MAX_PER_USER
// shows up in the admin's list of blocks for the event; a lift gives it more tickets for that
// event only, recorded with who and why; buyers may neither look nor lift.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { TEST_ADMIN } from '../../../tools/test/platform.js';
import { login, registerAndLogin } from '../../user/test/support.js';
import {
  expectProblem,
  publishInventory,
  startTicketPlatform,
  type TicketTestPlatform,
  type Venue,
  venue,
} from './support.js';

let t: TicketTestPlatform;
let adminToken: string;

beforeAll(async () => {
  t = await startTicketPlatform({ env: { TICKET_MAX_PER_USER: '4' } });
  adminToken = (await login(t.gatewayUrl, TEST_ADMIN.username, TEST_ADMIN.password)).accessToken;
});
afterAll(() => t?.stop());

const hold = (token: string, event: Venue, quantity: number) =>
  call(t.gatewayUrl, 'POST', '/api/v1/holds', {
    token,
    body: { eventId: event.eventId, items: [{ ticketTypeId: event.ticketTypeId('Floor'), quantity }] },
  });

describe('the per-account cap’s blocks', () => {
  it('lists a refused account and lets a lift through for that event only', async () => {
    const event = await publishInventory(
      t,
      venue({ ticketTypes: [{ name: 'Floor', price: 5000, quantity: 50 }] }),
    );
    const other = await publishInventory(
      t,
      venue({ ticketTypes: [{ name: 'Floor', price: 5000, quantity: 50 }] }),
    );
    const buyer = await registerAndLogin(t.gatewayUrl);
    const token = buyer.tokens.accessToken;
    expect((await hold(token, event, 4)).status).toBe(201);
    expectProblem(await hold(token, event, 1), 409, 'ticket_limit_reached');
    expectProblem(await hold(token, event, 2), 409, 'ticket_limit_reached');
    // Asking for more than the cap in one request is bad input, not a block.
    expectProblem(await hold(token, other, 5), 400, 'ticket_limit_exceeded');

    const listed = await call(
      t.gatewayUrl,
      'GET',
      `/api/v1/tickets/purchase-blocks?eventId=${event.eventId}`,
      {
        token: adminToken,
      },
    );
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    expect(listed.body.items).toEqual([
      expect.objectContaining({
        kind: 'account',
        key: buyer.user.id,
        refusals: 2,
        ticketsBought: 4,
        limit: 4,
        extraAllowed: 0,
      }),
    ]);
    const none = await call(t.gatewayUrl, 'GET', `/api/v1/tickets/purchase-blocks?eventId=${other.eventId}`, {
      token: adminToken,
    });
    expect(none.body.items).toEqual([]);

    expectProblem(await call(t.gatewayUrl, 'GET', '/api/v1/tickets/purchase-blocks', { token }), 403);
    const lift = (body: Record<string, unknown>, as = adminToken) =>
      call(t.gatewayUrl, 'POST', '/api/v1/tickets/purchase-blocks/lift', { token: as, body });
    expectProblem(
      await lift({ eventId: event.eventId, key: buyer.user.id, extraTickets: 2, reason: 'x' }, token),
      403,
    );
    expectProblem(
      await lift({ eventId: event.eventId, key: buyer.user.id, extraTickets: 2 }),
      400,
      undefined,
      'reason',
    );
    expectProblem(
      await lift({ eventId: other.eventId, key: buyer.user.id, extraTickets: 2, reason: 'x' }),
      404,
      'purchase_block_not_found',
    );
    expectProblem(
      await lift({ eventId: event.eventId, key: 'not-a-user', extraTickets: 2, reason: 'x' }),
      404,
      'purchase_block_not_found',
    );

    const lifted = await lift({
      eventId: event.eventId,
      key: buyer.user.id,
      extraTickets: 2,
      reason: 'a family of six',
    });
    expect(lifted.status, JSON.stringify(lifted.body)).toBe(201);
    expect(lifted.body).toMatchObject({ kind: 'account', extraTickets: 2, effectiveLimit: 6 });
    expect((await hold(token, event, 2)).status).toBe(201);
    const over = await hold(token, event, 1);
    expectProblem(over, 409, 'ticket_limit_reached');
    expect(over.body).toMatchObject({ limit: 6, alreadyHeld: 6 });
    // The other event keeps the plain cap.
    expectProblem(await hold(token, other, 5), 400, 'ticket_limit_exceeded');
    const { rows } = await t.sql.query(
      'SELECT reason, granted_by FROM tickets.account_limit_allowances WHERE event_id = $1',
      [event.eventId],
    );
    expect(rows).toEqual([{ reason: 'a family of six', granted_by: expect.any(String) }]);
  });
});
