// A new Ed25519 signing key as services store it (in their own schema, so every instance
// signs with the same key): the user service's access tokens, the ticket service's e-ticket codes.
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

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
