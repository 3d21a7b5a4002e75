// Tokens whose signature was already checked, until they expire. A buyer's access token reaches
// the gateway on every request of a purchase, and a caller reuses its internal token for ten
// seconds across every hop: checking the same signature again gives the same answer, so only
// the expiry is checked again. Revocation is not cached here; callers check it every time.

/** Entries kept at most; past it the oldest half is dropped (a Map iterates in insertion order). */
const MAX_ENTRIES = 20_000;

export class VerifiedTokens<Claims> {
  private readonly entries = new Map<string, { claims: Claims; expiresAtMs: number }>();

  /** The claims of a token verified before and not yet expired at nowMs. */
  get(token: string, nowMs: number): Claims | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= nowMs) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.claims;
  }

  /** Remembers a verified token; one without an expiry (seconds since the epoch) is not kept. */
  remember(token: string, claims: Claims, exp: number | undefined): void {
    if (exp === undefined) return;
    if (this.entries.size >= MAX_ENTRIES) {
      let drop = this.entries.size / 2;
      for (const key of this.entries.keys()) {
        this.entries.delete(key);
        if (--drop <= 0) break;
      }
    }
    this.entries.set(token, { claims, expiresAtMs: exp * 1000 });
  }
}
