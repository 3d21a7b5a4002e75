// The ticket service's one Ed25519 key, kept in its schema so every instance signs with it,
// created once (advisory lock) on the first start. It signs two kinds of token, told apart by
// their JWS `typ` (and, for admissions, an audience): e-ticket codes (e-tickets.ts) and
// waiting-room admissions (queue-tokens.ts). The proof-of-work challenges' HMAC key is derived
// from it too, so no second secret needs storing or sharing between instances.
import { hkdfSync } from 'node:crypto';
import {
  type Clock,
  type Database,
  findPublishedSigningKeys,
  loadActiveSigningKey,
  SIGNING_ALGORITHM,
} from '@ticketing/platform';
import { importJWK, type JWK } from 'jose';
import { TICKET_SCHEMA } from './tables.js';

export const ALGORITHM = SIGNING_ALGORITHM;

export type SigningKey = Awaited<ReturnType<typeof importJWK>>;

export class ServiceSigningKeys {
  private active: { kid: string; key: SigningKey; secret: Buffer } | undefined;
  private readonly verifiers = new Map<string, SigningKey>();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  /** Loads the active key, creating one on first start (once, even with several instances). */
  async load(): Promise<void> {
    const active = await loadActiveSigningKey(this.db, TICKET_SCHEMA, this.clock);
    const privateJwk = active.privateJwk;
    this.active = {
      kid: active.kid,
      key: await importJWK(privateJwk, ALGORITHM),
      secret: Buffer.from(privateJwk.d ?? '', 'base64url'),
    };
  }

  /** The key new tokens are signed with. */
  async signingKey(): Promise<{ kid: string; key: SigningKey }> {
    if (!this.active) await this.load();
    return this.active!;
  }

  /** A 32-byte key for one purpose (an HMAC), derived from the private key: the same on every instance. */
  async derivedKey(purpose: string): Promise<Buffer> {
    if (!this.active) await this.load();
    return Buffer.from(hkdfSync('sha256', this.active!.secret, Buffer.alloc(0), purpose, 32));
  }

  /** The public key of a kid, or undefined when no key of ours has it. */
  async verifierFor(kid: string): Promise<SigningKey | undefined> {
    const cached = this.verifiers.get(kid);
    if (cached) return cached;
    const { keys } = await this.publicKeys();
    const jwk = keys.find((key) => key.kid === kid);
    if (!jwk) return undefined;
    const key = await importJWK(jwk, ALGORITHM);
    this.verifiers.set(kid, key);
    return key;
  }

  /** Active and retired public keys (tickets outlive keys). */
  async publicKeys(): Promise<{ keys: JWK[] }> {
    const keys = await findPublishedSigningKeys(this.db.orm, TICKET_SCHEMA, new Date(0));
    return { keys: keys.map((key) => key.publicJwk) };
  }
}
