// Admission tokens of the waiting room: a JWT signed with the service's Ed25519 key (the same
// key as e-ticket codes, told apart by its `typ` and audience), bound to the user, the event and
// the queue place, expiring when the admission ends. The signature proves who was admitted; the
// place's row says whether the admission still holds (an idle place expires before its token).
import { type Clock, SIGNING_ALGORITHM } from '@ticketing/platform';
import { errors, jwtVerify, SignJWT } from 'jose';
import { QueueAdmissionError } from './errors.js';
import type { ServiceSigningKeys } from './signing-keys.js';

export const ADMISSION_TOKEN_TYPE = 'queue-admission+jwt';
export const ADMISSION_AUDIENCE = 'ticketing:queue-admission';
const ISSUER = 'ticketing:ticket-service';

export interface AdmissionClaims {
  userId: string;
  eventId: string;
  placeId: string;
  /** The admission's start: a place admitted again (after requeueing) gets a new token. */
  admittedAt: Date;
  expiresAt: Date;
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

export class QueueAdmissionTokens {
  constructor(
    private readonly keys: ServiceSigningKeys,
    private readonly clock: Clock,
  ) {}

  /** The token of an admitted place; the same place always gets the same token. */
  async issue(place: {
    id: string;
    userId: string;
    eventId: string;
    admittedAt: Date;
    admissionEndsAt: Date;
  }): Promise<string> {
    const { kid, key } = await this.keys.signingKey();
    return new SignJWT({ evt: place.eventId })
      .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid, typ: ADMISSION_TOKEN_TYPE })
      .setIssuer(ISSUER)
      .setAudience(ADMISSION_AUDIENCE)
      .setSubject(place.userId)
      .setJti(place.id)
      .setIssuedAt(seconds(place.admittedAt))
      .setExpirationTime(seconds(place.admissionEndsAt))
      .sign(key);
  }

  /** The claims of a genuine, unexpired admission token; 403 queue_token_invalid / _expired otherwise. */
  async verify(token: string): Promise<AdmissionClaims> {
    try {
      const { payload } = await jwtVerify(
        token,
        async (header) => {
          const key = typeof header.kid === 'string' ? await this.keys.verifierFor(header.kid) : undefined;
          if (!key) throw new errors.JWSSignatureVerificationFailed();
          return key;
        },
        {
          algorithms: [SIGNING_ALGORITHM],
          typ: ADMISSION_TOKEN_TYPE,
          audience: ADMISSION_AUDIENCE,
          issuer: ISSUER,
          currentDate: this.clock.now(),
          requiredClaims: ['sub', 'jti', 'exp', 'iat'],
        },
      );
      if (typeof payload.evt !== 'string') throw new errors.JWTInvalid('no event');
      return {
        userId: payload.sub!,
        eventId: payload.evt,
        placeId: payload.jti!,
        admittedAt: new Date(payload.iat! * 1000),
        expiresAt: new Date(payload.exp! * 1000),
      };
    } catch (error) {
      if (error instanceof errors.JWTExpired)
        throw new QueueAdmissionError(
          'queue_token_expired',
          'The admission token has expired: your admission ended; join the queue again',
        );
      throw new QueueAdmissionError(
        'queue_token_invalid',
        'The Queue-Token header is not an admission token of this platform',
      );
    }
  }
}
