// The Ed25519 signing keys a service keeps in its own schema (a `signing_keys` table), so every
// instance signs with the same key: the user service's access tokens, the ticket service's
// e-ticket codes and admission tokens. Like the outbox and the inbox, the SQL takes the schema's
// name; the first start creates the key once, even when several instances start together.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Clock } from './clock.js';
import type { Database, Executor } from './database/pool.js';

export const SIGNING_ALGORITHM = 'EdDSA';

export interface SigningKeyRow {
  kid: string;
  algorithm: string;
  publicJwk: JWK;
  privateJwk: JWK;
  createdAt: Date;
  retiredAt: Date | null;
}

export async function generateSigningKey(now: Date): Promise<SigningKeyRow> {
  const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALGORITHM, {
    crv: 'Ed25519',
    extractable: true,
  });
  const kid = randomUUID();
  return {
    kid,
    algorithm: SIGNING_ALGORITHM,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALGORITHM, use: 'sig' },
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALGORITHM },
    createdAt: now,
    retiredAt: null,
  };
}

/** The active key of the schema, created on first start (once, even with several instances). */
export async function loadActiveSigningKey(
  db: Database,
  schema: string,
  clock: Clock,
): Promise<SigningKeyRow> {
  return db.transaction(async (tx) => {
    await lockSigningKeys(tx, schema);
    const keys = await findPublishedSigningKeys(tx, schema, clock.now());
    const current = keys.find((key) => key.retiredAt === null);
    if (current) return current;
    const row = await generateSigningKey(clock.now());
    await insertSigningKey(tx, schema, row);
    return row;
  });
}

/** The active key and the keys retired after `retiredAfter`, newest first. */
export async function findPublishedSigningKeys(
  db: Executor,
  schema: string,
  retiredAfter: Date,
): Promise<SigningKeyRow[]> {
  const result = await db.execute(sql`
    SELECT kid, algorithm, public_jwk AS "publicJwk", private_jwk AS "privateJwk",
           created_at AS "createdAt", retired_at AS "retiredAt"
    FROM ${sql.identifier(schema)}.signing_keys
    WHERE retired_at IS NULL OR retired_at > ${retiredAfter}
    ORDER BY created_at DESC`);
  return result.rows as unknown as SigningKeyRow[];
}

/** Serialises key creation across instances: one advisory lock per schema, held to commit. */
async function lockSigningKeys(tx: Executor, schema: string): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`${schema}:signing-keys`}))`);
}

async function insertSigningKey(tx: Executor, schema: string, key: SigningKeyRow): Promise<void> {
  await tx.execute(sql`
    INSERT INTO ${sql.identifier(schema)}.signing_keys
      (kid, algorithm, public_jwk, private_jwk, created_at, retired_at)
    VALUES (${key.kid}, ${key.algorithm}, ${JSON.stringify(key.publicJwk)}::jsonb,
            ${JSON.stringify(key.privateJwk)}::jsonb, ${key.createdAt}, ${key.retiredAt})`);
}
