// E-tickets: each sale of a ticket gets an unguessable code, a compact JWS signed with the
// service's Ed25519 key (signing-keys.ts: kept in the database so every instance signs with
// it), which a scanner verifies offline with the public key; rendered as a QR code for its owner.
import { randomUUID } from 'node:crypto';
import type { SoldTicket } from '@ticketing/contracts';
import { CompactSign, compactVerify, decodeProtectedHeader, type JWK } from 'jose';
import QRCode from 'qrcode';
import type { CatalogueDeps } from './catalogue.js';
import { ForgedTicketCodeError, MalformedTicketCodeError, TicketNotFoundError } from './errors.js';
import { toHeldTicket, typeNamesOf } from './holds.js';
import * as repository from './repository.js';
import { ALGORITHM, type ServiceSigningKeys } from './signing-keys.js';

const CODE_TYPE = 'ticket+jws';

/** What a code says: which ticket, of which event, and which issue of it (a resale gets a new one). */
export interface TicketCodeClaims {
  ticketId: string;
  eventId: string;
  codeId: string;
}

export class TicketCodeSigner {
  constructor(private readonly keys: ServiceSigningKeys) {}

  /** A new code for one sale of a ticket. */
  async issue(ticket: { ticketId: string; eventId: string }): Promise<{ codeId: string; code: string }> {
    const active = await this.keys.signingKey();
    const codeId = randomUUID();
    const payload = new TextEncoder().encode(
      JSON.stringify({ t: ticket.ticketId, e: ticket.eventId, c: codeId }),
    );
    const code = await new CompactSign(payload)
      .setProtectedHeader({ alg: ALGORITHM, kid: active.kid, typ: CODE_TYPE })
      .sign(active.key);
    return { codeId, code };
  }

  /** The claims of a genuine code; throws for text that is no code, or one not signed by us. */
  async verify(code: string): Promise<TicketCodeClaims> {
    let kid: string | undefined;
    try {
      const header = decodeProtectedHeader(code);
      kid = header.kid;
      if (header.alg !== ALGORITHM || header.typ !== CODE_TYPE || typeof kid !== 'string') throw new Error();
    } catch {
      throw new MalformedTicketCodeError();
    }
    const key = await this.keys.verifierFor(kid);
    if (!key) throw new ForgedTicketCodeError();
    let payload: Uint8Array;
    try {
      ({ payload } = await compactVerify(code, key, { algorithms: [ALGORITHM] }));
    } catch {
      throw new ForgedTicketCodeError();
    }
    const claims = JSON.parse(new TextDecoder().decode(payload)) as { t?: unknown; e?: unknown; c?: unknown };
    if (typeof claims.t !== 'string' || typeof claims.e !== 'string' || typeof claims.c !== 'string')
      throw new MalformedTicketCodeError();
    return { ticketId: claims.t, eventId: claims.e, codeId: claims.c };
  }

  /** The public keys scanners verify codes with (active and retired ones: tickets outlive keys). */
  publicKeys(): Promise<{ keys: JWK[] }> {
    return this.keys.publicKeys();
  }
}

export function toSoldTicket(
  ticket: repository.TicketWithCode,
  currency: string,
  names: Map<string, string>,
): SoldTicket {
  return {
    ...toHeldTicket(ticket, currency, names),
    status: ticket.status,
    orderId: ticket.orderId,
    ownerId: ticket.ownerId,
    soldAt: ticket.soldAt?.toISOString() ?? null,
    code: ticket.status === 'SOLD' ? ticket.code : null,
    checkedInAt: ticket.checkedInAt?.toISOString() ?? null,
  };
}

async function withCurrency(
  deps: CatalogueDeps,
  tickets: repository.TicketWithCode[],
): Promise<SoldTicket[]> {
  const events = [...new Set(tickets.map((ticket) => ticket.eventId))];
  const context = new Map<string, { currency: string; names: Map<string, string> }>();
  for (const eventId of events) {
    const [inventory, types] = await Promise.all([
      deps.catalogue.inventory(eventId),
      deps.catalogue.ticketTypes(eventId),
    ]);
    context.set(eventId, {
      currency: inventory?.currency ?? 'XXX',
      names: typeNamesOf(types),
    });
  }
  return tickets.map((ticket) => {
    const { currency, names } = context.get(ticket.eventId)!;
    return toSoldTicket(ticket, currency, names);
  });
}

/** The order's tickets with their codes (for the order service). */
export async function ticketsOfOrder(deps: CatalogueDeps, orderId: string): Promise<SoldTicket[]> {
  return withCurrency(deps, await repository.findTicketsWithCodes(deps.db.orm, { orderId }));
}

/** The tickets a user owns, optionally of one event. */
export async function ticketsOfOwner(
  deps: CatalogueDeps,
  ownerId: string,
  eventId: string | undefined,
): Promise<SoldTicket[]> {
  const filter = eventId ? { ownerId, eventId } : { ownerId };
  return withCurrency(deps, await repository.findTicketsWithCodes(deps.db.orm, filter));
}

/** One ticket of its owner (someone else's ticket does not exist for them). */
export async function ticketOfOwner(
  deps: CatalogueDeps,
  ticketId: string,
  ownerId: string,
): Promise<SoldTicket> {
  const [ticket] = await repository.findTicketsWithCodes(deps.db.orm, { ticketId });
  if (ticket?.status !== 'SOLD' || ticket.ownerId !== ownerId) throw new TicketNotFoundError();
  const [sold] = await withCurrency(deps, [ticket]);
  return sold!;
}

/** The QR code of the owner's ticket, as SVG. */
export async function renderTicketQr(
  deps: CatalogueDeps,
  ticketId: string,
  ownerId: string,
): Promise<string> {
  const ticket = await ticketOfOwner(deps, ticketId, ownerId);
  if (!ticket.code) throw new TicketNotFoundError();
  return QRCode.toString(ticket.code, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
