// Registration stories: what a newcomer sees when signing up, and every way it can go wrong.
import type { DomainEvent } from '@ticketing/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../../tools/test/http.js';
import { startTestPlatform, type TestPlatform } from '../../../tools/test/platform.js';
import { expectProblem, newAccount, register } from './support.js';

let t: TestPlatform;
const published: DomainEvent[] = [];

beforeAll(async () => {
  t = await startTestPlatform({ services: ['user', 'gateway'] });
  await t.platform.infrastructure.bus.subscribe({
    group: 'registration-test',
    topics: ['user-registered'],
    handle: async (event) => {
      published.push(event);
    },
  });
});
afterAll(() => t?.stop());

const registerWith = (body: unknown) => call(t.gatewayUrl, 'POST', '/api/v1/auth/register', { body });

describe('registering an account', () => {
  it('creates a USER account and announces it with user-registered', async () => {
    const account = newAccount({ phoneNumber: '+4915112345678' });
    const { user } = await register(t.gatewayUrl, account);
    expect(user).toMatchObject({
      username: account.username,
      email: account.email,
      firstName: 'Ada',
      lastName: 'Lovelace',
      phoneNumber: '+4915112345678',
      roles: ['USER'],
      locale: 'en',
    });
    expect(user).not.toHaveProperty('password');
    expect(user).not.toHaveProperty('passwordHash');
    await expect
      .poll(() => published.find((event) => event.key === user.id), { timeout: 5_000 })
      .toBeDefined();
    const event = published.find((candidate) => candidate.key === user.id)!;
    expect(event.type).toBe('user-registered');
    expect(event.source).toBe('user');
    expect(event.payload).toMatchObject({
      userId: user.id,
      email: account.email,
      username: account.username,
    });
  });

  it('refuses a taken username, whatever its case, naming the field', async () => {
    const { account } = await register(t.gatewayUrl);
    const response = await registerWith(newAccount({ username: account.username.toUpperCase() }));
    expectProblem(response, 409, 'username_taken', 'username');
  });

  it('refuses a taken email, naming the field', async () => {
    const { account } = await register(t.gatewayUrl);
    const response = await registerWith(newAccount({ email: account.email.toUpperCase() }));
    expectProblem(response, 409, 'email_taken', 'email');
  });

  it('gives exactly one of ten simultaneous sign-ups with one username the account', async () => {
    const username = newAccount().username;
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        registerWith(newAccount({ username, email: `race${i}_${username}@example.com` })),
      ),
    );
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1);
    for (const answer of answers.filter((candidate) => candidate.status !== 201)) {
      expectProblem(answer, 409, 'username_taken', 'username');
    }
  });

  it.each([
    ['too short', 'Ab1-short'],
    ['only letters', 'onlyletterspassword'],
    ['one of the most common', 'password123'],
    ['too few different characters', 'aaaa1111aaaa'],
  ])('refuses a weak password (%s)', async (_reason, password) => {
    expectProblem(await registerWith(newAccount({ password })), 400, 'weak_password', 'password');
  });

  it('refuses a password containing the username', async () => {
    const account = newAccount({ username: 'stardust_fan' });
    expectProblem(
      await registerWith({ ...account, password: 'stardust_fan-2026' }),
      400,
      'weak_password',
      'password',
    );
  });

  it.each([
    ['a malformed email', { email: 'not-an-email' }, 'email'],
    ['a username with spaces', { username: 'two words' }, 'username'],
    ['an oversized username', { username: 'u'.repeat(33) }, 'username'],
    ['an oversized first name', { firstName: 'x'.repeat(101) }, 'firstName'],
    ['a blank last name', { lastName: '   ' }, 'lastName'],
    ['a phone number not in E.164', { phoneNumber: '0151 1234' }, 'phoneNumber'],
    ['an unknown locale', { locale: 'fr' }, 'locale'],
    ['an unknown field', { isAdmin: true }, 'isAdmin'],
    ['a number for a name', { firstName: 42 }, 'firstName'],
  ])('answers 400 naming the field for %s', async (_case, change, field) => {
    const response = await registerWith(newAccount(change));
    expectProblem(response, 400, 'validation_failed', field);
  });

  it('answers 400 naming a missing field', async () => {
    const { firstName: _omitted, ...rest } = newAccount();
    expectProblem(await registerWith(rest), 400, 'validation_failed', 'firstName');
  });

  it('answers 400 for a body that is not JSON, and 413 for an oversized one', async () => {
    const broken = await call(t.gatewayUrl, 'POST', '/api/v1/auth/register', { rawBody: '{"username": ' });
    expectProblem(broken, 400);
    const huge = await call(t.gatewayUrl, 'POST', '/api/v1/auth/register', {
      rawBody: JSON.stringify({ ...newAccount(), firstName: 'x'.repeat(2_000_000) }),
    });
    expectProblem(huge, 413);
  });

  it('writes nothing when the registration is refused', async () => {
    const account = newAccount({ password: 'short1' });
    await registerWith(account);
    const retry = await registerWith({ ...account, password: 'a-Sturdy-passphrase-42' });
    expect(retry.status).toBe(201);
  });
});
