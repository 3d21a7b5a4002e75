// Profiles, passwords and the admin's view of users, including who may see what.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { startTestPlatform, TEST_ADMIN, type TestPlatform } from '../../../tools/test/platform.js';
import { expectProblem, login, registerAndLogin } from './support.js';

let t: TestPlatform;
let adminToken: string;
let adminId: string;
beforeAll(async () => {
  t = await startTestPlatform({ services: ['user', 'gateway'] });
  const admin = await login(t.gatewayUrl, TEST_ADMIN.username, TEST_ADMIN.password);
  adminToken = admin.accessToken;
  adminId = admin.user.id;
});
afterAll(() => t?.stop());

describe('my profile', () => {
  it('can be read and updated by its owner', async () => {
    const { tokens } = await registerAndLogin(t.gatewayUrl);
    const updated = await call(t.gatewayUrl, 'PATCH', '/api/v1/users/me', {
      token: tokens.accessToken,
      body: { firstName: ' Grace ', lastName: 'Hopper', phoneNumber: '+14155550100', locale: 'de' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      firstName: 'Grace',
      lastName: 'Hopper',
      phoneNumber: '+14155550100',
      locale: 'de',
    });
    const cleared = await call(t.gatewayUrl, 'PATCH', '/api/v1/users/me', {
      token: tokens.accessToken,
      body: { phoneNumber: null },
    });
    expect(cleared.body.phoneNumber).toBeNull();
    const read = await call(t.gatewayUrl, 'GET', '/api/v1/users/me', { token: tokens.accessToken });
    expect(read.body).toMatchObject({ firstName: 'Grace', phoneNumber: null });
  });

  it('refuses an email another account uses, a bad phone number, an empty change and unknown fields', async () => {
    const other = await registerAndLogin(t.gatewayUrl);
    const { tokens } = await registerAndLogin(t.gatewayUrl);
    const patch = (body: unknown) =>
      call(t.gatewayUrl, 'PATCH', '/api/v1/users/me', { token: tokens.accessToken, body });
    expectProblem(await patch({ email: other.account.email }), 409, 'email_taken', 'email');
    expectProblem(await patch({ phoneNumber: '12345' }), 400, 'validation_failed', 'phoneNumber');
    expectProblem(await patch({}), 400, 'validation_failed');
    expectProblem(await patch({ roles: ['ADMIN'] }), 400, 'validation_failed', 'roles');
  });
});

describe('changing my password', () => {
  it('needs the current password, applies the policy, and ends every session', async () => {
    const { account, tokens } = await registerAndLogin(t.gatewayUrl);
    const change = (body: unknown) =>
      call(t.gatewayUrl, 'POST', '/api/v1/users/me/password', { token: tokens.accessToken, body });
    expectProblem(
      await change({ currentPassword: 'wrong-password-1', newPassword: 'another-Passphrase-7' }),
      400,
      'wrong_current_password',
      'currentPassword',
    );
    expectProblem(
      await change({ currentPassword: account.password, newPassword: 'short1' }),
      400,
      'weak_password',
      'newPassword',
    );
    expect(
      (await change({ currentPassword: account.password, newPassword: 'another-Passphrase-7' })).status,
    ).toBe(204);
    expectProblem(
      await call(t.gatewayUrl, 'POST', '/api/v1/auth/refresh', {
        body: { refreshToken: tokens.refreshToken },
      }),
      401,
      'refresh_token_revoked',
    );
    expectProblem(
      await call(t.gatewayUrl, 'POST', '/api/v1/auth/login', {
        body: { username: account.username, password: account.password },
      }),
      401,
    );
    await login(t.gatewayUrl, account.username, 'another-Passphrase-7');
  });
});

describe('administering users', () => {
  it('is for admins only', async () => {
    const { tokens, user } = await registerAndLogin(t.gatewayUrl);
    expectProblem(
      await call(t.gatewayUrl, 'GET', '/api/v1/users', { token: tokens.accessToken }),
      403,
      'forbidden',
    );
    expectProblem(
      await call(t.gatewayUrl, 'GET', `/api/v1/users/${adminId}`, { token: tokens.accessToken }),
      403,
    );
    expectProblem(
      await call(t.gatewayUrl, 'PUT', `/api/v1/users/${user.id}/roles`, {
        token: tokens.accessToken,
        body: { roles: ['ADMIN'] },
      }),
      403,
    );
    expectProblem(await call(t.gatewayUrl, 'GET', '/api/v1/users'), 401);
  });

  it('searches by text and role, newest first, a page at a time', async () => {
    const marker = `zebra${Date.now().toString(36)}`;
    const created = [];
    for (let i = 0; i < 5; i++)
      created.push((await registerAndLogin(t.gatewayUrl, { lastName: `${marker}${i}` })).user);
    const first = await call(t.gatewayUrl, 'GET', `/api/v1/users?q=${marker}&limit=2`, { token: adminToken });
    expect(first.status).toBe(200);
    expect(first.body.items.map((user: { id: string }) => user.id)).toEqual([created[4].id, created[3].id]);
    const second = await call(
      t.gatewayUrl,
      'GET',
      `/api/v1/users?q=${marker}&limit=2&cursor=${first.body.nextCursor}`,
      { token: adminToken },
    );
    expect(second.body.items.map((user: { id: string }) => user.id)).toEqual([created[2].id, created[1].id]);
    const third = await call(
      t.gatewayUrl,
      'GET',
      `/api/v1/users?q=${marker}&limit=2&cursor=${second.body.nextCursor}`,
      { token: adminToken },
    );
    expect(third.body.items).toHaveLength(1);
    expect(third.body.nextCursor).toBeNull();
    const admins = await call(t.gatewayUrl, 'GET', '/api/v1/users?role=ADMIN', { token: adminToken });
    expect(admins.body.items.map((user: { id: string }) => user.id)).toContain(adminId);
    expectProblem(
      await call(t.gatewayUrl, 'GET', '/api/v1/users?limit=1000', { token: adminToken }),
      400,
      'validation_failed',
      'limit',
    );
    expectProblem(
      await call(t.gatewayUrl, 'GET', '/api/v1/users?role=KING', { token: adminToken }),
      400,
      'validation_failed',
    );
  });

  it('changes roles, which take effect at the next login', async () => {
    const { account, user, tokens } = await registerAndLogin(t.gatewayUrl);
    const changed = await call(t.gatewayUrl, 'PUT', `/api/v1/users/${user.id}/roles`, {
      token: adminToken,
      body: { roles: ['ORGANIZER', 'USER'] },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.roles).toEqual(['ORGANIZER', 'USER']);
    const again = await login(t.gatewayUrl, account.username, account.password);
    expect(again.user.roles).toEqual(['ORGANIZER', 'USER']);
    const refreshed = await call(t.gatewayUrl, 'POST', '/api/v1/auth/refresh', {
      body: { refreshToken: tokens.refreshToken },
    });
    expect(refreshed.body.user.roles).toEqual(['ORGANIZER', 'USER']);
  });

  it('refuses unknown roles, unknown users, and an admin removing their own ADMIN role', async () => {
    const setRoles = (id: string, roles: unknown) =>
      call(t.gatewayUrl, 'PUT', `/api/v1/users/${id}/roles`, { token: adminToken, body: { roles } });
    expectProblem(await setRoles(adminId, ['KING']), 400, 'validation_failed');
    expectProblem(await setRoles(adminId, []), 400, 'validation_failed', 'roles');
    expectProblem(await setRoles('01a21470-0000-7000-8000-000000000000', ['USER']), 404, 'not_found');
    expectProblem(await setRoles('not-a-uuid', ['USER']), 400, 'validation_failed', 'id');
    expectProblem(await setRoles(adminId, ['USER']), 409, 'cannot_remove_own_admin', 'roles');
  });
});

describe('the service behind the gateway', () => {
  it('refuses calls that did not come through the gateway or another service', async () => {
    const direct = await call(t.platform.url('user'), 'GET', '/api/v1/users/me');
    expectProblem(direct, 401, 'internal_token_required');
    const forged = await call(t.platform.url('user'), 'GET', '/api/v1/users/me', {
      headers: { 'x-internal-token': 'x.y.z' },
    });
    expectProblem(forged, 401, 'internal_token_required');
  });

  it('lets another service read a user without a user identity', async () => {
    const { user } = await registerAndLogin(t.gatewayUrl);
    const order = t.platform.services.get('user')!.context.client('user');
    const response = await order.call<{ id: string }>({ method: 'GET', path: `/api/v1/users/${user.id}` });
    expect(response.status).toBe(200);
    expect(response.body.id).toBe(user.id);
  });

  it('reports its health, metrics and API document', async () => {
    const health = await call(t.gatewayUrl, 'GET', '/actuator/health');
    expect(health.body).toMatchObject({ status: 'UP', components: { db: { status: 'UP' } } });
    const userHealth = await call(t.platform.url('user'), 'GET', '/actuator/health/db');
    expect(userHealth.body.status).toBe('UP');
    const metrics = await call(t.platform.managementUrl, 'GET', '/metrics');
    expect(metrics.body).toContain('http_request_duration_seconds_bucket');
    expect(metrics.body).toContain('user_logins_total');
    // Only on the management port: not on the service's own port, nor through the gateway.
    expect((await call(t.platform.url('user'), 'GET', '/metrics')).status).toBe(404);
    expect((await call(t.gatewayUrl, 'GET', '/metrics')).status).toBe(404);
    const openapi = await call(t.platform.url('user'), 'GET', '/openapi.json');
    expect(Object.keys(openapi.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/register',
        '/api/v1/auth/login',
        '/api/v1/users/me',
        '/api/v1/users/{id}/roles',
      ]),
    );
  });
});
