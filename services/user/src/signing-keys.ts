// Access tokens: EdDSA (Ed25519) JWTs signed with a key kept in the database, so
// every instance signs with the same key and the JWKS lists it for the gateway.
import { randomUUID } from 'node:crypto';
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER } from '@ticketing/contracts';
import {
  type Clock,
  type Database,
  findPublishedSigningKeys,
  loadActiveSigningKey,
  type Role,
  SIGNING_ALGORITHM,
} from '@ticketing/platform';
import { importJWK, type JWK, SignJWT } from 'jose';
import { USER_SCHEMA } from './accounts.js';

const ALGORITHM = SIGNING_ALGORITHM;

export interface AccessTokenSubject {
  id: string;
  username: string;
  roles: Role[];
}

export class AccessTokenSigner {
  private signingKey: { kid: string; key: Awaited<ReturnType<typeof importJWK>> } | undefined;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly ttlSeconds: number,
  ) {}

  /** Loads the active key, creating one on first start (once, even with several instances). */
  async load(): Promise<void> {
    const active = await loadActiveSigningKey(this.db, USER_SCHEMA, this.clock);
    this.signingKey = { kid: active.kid, key: await importJWK(active.privateJwk, ALGORITHM) };
  }

  /**
   * issuedAt is when the subject's roles and status were read (default: now), to the millisecond
   * (`iat` may carry a fraction, RFC 7519 §2): a cut-off set after that read refuses the token.
   */
  async sign(
    subject: AccessTokenSubject,
    readAt: Date = this.clock.now(),
  ): Promise<{ token: string; tokenId: string; expiresIn: number }> {
    if (!this.signingKey) await this.load();
    const tokenId = randomUUID();
    const issuedAt = readAt.getTime() / 1000;
    const token = await new SignJWT({ roles: subject.roles, username: subject.username })
      .setProtectedHeader({ alg: ALGORITHM, kid: this.signingKey!.kid, typ: 'JWT' })
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setSubject(subject.id)
      .setJti(tokenId)
      .setIssuedAt(issuedAt)
      .setExpirationTime(Math.floor(issuedAt) + this.ttlSeconds)
      .sign(this.signingKey!.key);
    return { token, tokenId, expiresIn: this.ttlSeconds };
  }

  /** The public keys for verification: the active one and those retired less than a day ago. */
  async jwks(): Promise<{ keys: JWK[] }> {
    const keys = await findPublishedSigningKeys(
      this.db.orm,
      USER_SCHEMA,
      new Date(this.clock.now().getTime() - 86_400_000),
    );
    return { keys: keys.map((key) => key.publicJwk) };
  }
}
