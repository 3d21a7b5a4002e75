// Password policy and hashing (argon2id with OWASP's recommended parameters, via
// @node-rs/argon2: prebuilt per platform, no install script; see docs/adr/0001).
import { hash, verify } from '@node-rs/argon2';

// Algorithm.Argon2id of @node-rs/argon2 (an ambient const enum, so spelled out here).
const ARGON2ID = 2;

import { WeakPasswordError } from './errors.js';

const HASH_OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

// The most common passwords that would pass the length and character rules.
const COMMON = new Set([
  'password123',
  'password1234',
  'qwerty12345',
  'qwertyuiop1',
  '1234567890a',
  'iloveyou123',
  'welcome1234',
  'admin12345',
  'letmein1234',
  'football123',
  'baseball123',
  'sunshine123',
  'princess123',
  'passw0rd123',
  'abc123456789',
  'trustno1234',
  'monkey12345',
  'dragon12345',
  'master12345',
  'superman123',
  'starwars123',
]);

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 128;

/** Throws WeakPasswordError naming `field` when the password fails the policy. */
export function checkPasswordPolicy(field: string, password: string, personal: string[]): void {
  if (password.length < PASSWORD_MIN_LENGTH)
    throw new WeakPasswordError(field, `use at least ${PASSWORD_MIN_LENGTH} characters`);
  if (password.length > PASSWORD_MAX_LENGTH)
    throw new WeakPasswordError(field, `use at most ${PASSWORD_MAX_LENGTH} characters`);
  if (!/\p{L}/u.test(password) || !/[^\p{L}]/u.test(password)) {
    throw new WeakPasswordError(field, 'mix letters with digits or symbols');
  }
  if (new Set(password).size < 5) throw new WeakPasswordError(field, 'use more different characters');
  const lower = password.toLowerCase();
  if (COMMON.has(lower)) throw new WeakPasswordError(field, 'it is one of the most common passwords');
  for (const value of personal) {
    const part = value.toLowerCase().split('@')[0] ?? '';
    if (part.length >= 4 && lower.includes(part))
      throw new WeakPasswordError(field, 'do not include your username or email');
  }
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, HASH_OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/** Spends the same work as a real verification, for logins of unknown users. */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword('dummy-password-for-timing-9f3a');
  await verifyPassword(await dummyHash, password);
  return false;
}
