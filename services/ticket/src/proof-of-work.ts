// The proof-of-work asked of a buyer before joining a waiting room: a challenge (HMAC-signed
// with a key derived from the service's signing key, bound to the user and the event, expiring,
// spendable once) and a difficulty in leading zero bits of sha256(challenge + nonce) that rises
// with the room's join rate of the last minute. The browser solves it by itself, with no
// puzzle to see or hear, so it does not lock out anyone using assistive technology; it only
// makes joining in bulk cost a script real CPU time.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { QueueChallenge } from '@ticketing/contracts';
import { type Clock, type Database, newId } from '@ticketing/platform';
import type { QueueSettings } from './config.js';
import { ChallengeUsedError, InvalidChallengeError } from './errors.js';
import * as repository from './repository.js';
import type { ServiceSigningKeys } from './signing-keys.js';

const VERSION = 'pow1';
/** The join rate is read again at most this often per event and instance. */
const RATE_CACHE_MS = 2_000;

/** How many leading bits of the digest are zero. */
export function leadingZeroBits(digest: Uint8Array): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

/** Whether sha256(challenge + nonce) has at least `difficulty` leading zero bits. */
export function isSolution(challenge: string, nonce: string, difficulty: number): boolean {
  return (
    leadingZeroBits(
      createHash('sha256')
        .update(challenge + nonce)
        .digest(),
    ) >= difficulty
  );
}

/** The difficulty for a join rate: the minimum, plus a bit per doubling of joinsPerBit. */
export function difficultyForRate(joinsPerMinute: number, settings: QueueSettings): number {
  if (settings.powMinBits === 0) return 0;
  const extra =
    joinsPerMinute < settings.powJoinsPerBit
      ? 0
      : Math.floor(Math.log2(joinsPerMinute / settings.powJoinsPerBit)) + 1;
  return Math.min(settings.powMaxBits, settings.powMinBits + extra);
}

interface ChallengeClaims {
  /** Challenge id (spent once). */
  i: string;
  e: string;
  u: string;
  d: number;
  /** Expiry, in milliseconds since the epoch. */
  x: number;
}

export interface ProofOfWorkDeps {
  db: Database;
  clock: Clock;
  queue: QueueSettings;
  keys: ServiceSigningKeys;
}

export class ProofOfWork {
  private readonly recentJoins = new Map<string, { readAt: number; joins: number }>();

  constructor(private readonly deps: ProofOfWorkDeps) {}

  /** Whether joining asks for a solved challenge at all (TICKET_QUEUE_POW_MIN_BITS > 0). */
  get required(): boolean {
    return this.deps.queue.powMinBits > 0;
  }

  async difficultyFor(eventId: string): Promise<number> {
    if (!this.required) return 0;
    const now = this.deps.clock.now().getTime();
    let recent = this.recentJoins.get(eventId);
    if (!recent || now - recent.readAt > RATE_CACHE_MS || now < recent.readAt) {
      const joins = await repository.countRecentJoins(this.deps.db.orm, eventId, new Date(now - 60_000));
      recent = { readAt: now, joins };
      this.recentJoins.set(eventId, recent);
    }
    return difficultyForRate(recent.joins, this.deps.queue);
  }

  async issue(eventId: string, userId: string): Promise<QueueChallenge> {
    const expiresAt = this.deps.clock.now().getTime() + this.deps.queue.challengeSeconds * 1000;
    const claims: ChallengeClaims = {
      i: newId(),
      e: eventId,
      u: userId,
      d: await this.difficultyFor(eventId),
      x: expiresAt,
    };
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const body = `${VERSION}.${payload}`;
    return {
      challenge: `${body}.${await this.mac(body)}`,
      difficulty: claims.d,
      algorithm: 'sha256-leading-zero-bits',
      expiresAt: new Date(expiresAt).toISOString(),
    };
  }

  /**
   * Accepts a solved challenge of this user and event once; 400 naming `challenge` or `nonce`
   * for a missing, forged, expired or unsolved one, 409 for one used before.
   */
  async redeem(eventId: string, userId: string, challenge: string | undefined, nonce: string | undefined) {
    if (!this.required) return;
    if (!challenge)
      throw new InvalidChallengeError(
        'challenge_required',
        'challenge',
        'challenge is required: GET /api/v1/events/{id}/queue/challenge, then send it with a nonce solving it',
      );
    const claims = await this.readChallenge(challenge);
    if (claims.e !== eventId || claims.u !== userId)
      throw new InvalidChallengeError(
        'invalid_challenge',
        'challenge',
        'challenge was issued for another event or user',
      );
    if (this.deps.clock.now().getTime() >= claims.x)
      throw new InvalidChallengeError(
        'challenge_expired',
        'challenge',
        'challenge has expired; fetch a new one',
      );
    if (!nonce)
      throw new InvalidChallengeError(
        'challenge_not_solved',
        'nonce',
        'nonce is required: the solution of the challenge',
      );
    if (!isSolution(challenge, nonce, claims.d))
      throw new InvalidChallengeError(
        'challenge_not_solved',
        'nonce',
        `sha256(challenge + nonce) must start with ${claims.d} zero bits`,
      );
    if (!(await repository.spendChallenge(this.deps.db.orm, claims.i, new Date(claims.x))))
      throw new ChallengeUsedError();
  }

  private async readChallenge(challenge: string): Promise<ChallengeClaims> {
    const forged = () =>
      new InvalidChallengeError(
        'invalid_challenge',
        'challenge',
        'challenge is not one this platform issued',
      );
    const parts = challenge.split('.');
    if (parts.length !== 3 || parts[0] !== VERSION) throw forged();
    const expected = Buffer.from(await this.mac(`${parts[0]}.${parts[1]}`));
    const given = Buffer.from(parts[2]!);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw forged();
    try {
      const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as ChallengeClaims;
      if (typeof claims.i !== 'string' || typeof claims.d !== 'number' || typeof claims.x !== 'number')
        throw forged();
      return claims;
    } catch {
      throw forged();
    }
  }

  private async mac(body: string): Promise<string> {
    const key = await this.deps.keys.derivedKey('ticketing:queue-challenge');
    return createHmac('sha256', key).update(body).digest('base64url');
  }
}
