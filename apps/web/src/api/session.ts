// The signed-in session: the token pair and the user, kept in localStorage so a reload (or
// the installed app opened offline) stays signed in. Components subscribe to changes.
import type { TokenPair, UserView } from './types';

export interface Session {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms when the access token stops being accepted. */
  accessExpiresAt: number;
  user: UserView;
}

const STORAGE_KEY = 'ticketing.session';
/**
 * The last refresh token this browser held, kept after logout: it proves at the next login that
 * the account used this device before, which gets past a block an attacker's failed logins put
 * on the account. Spent (rotated or logged out), it opens no session by itself.
 */
const DEVICE_KEY = 'ticketing.device';

export function sessionFromTokens(tokens: TokenPair, now = Date.now()): Session {
  return {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    accessExpiresAt: now + tokens.expiresIn * 1000,
    user: tokens.user,
  };
}

/** Refresh this long before the access token expires, so a request never goes out with a stale one. */
export const REFRESH_MARGIN_MS = 30_000;

export function needsRefresh(session: Session, now = Date.now()): boolean {
  return session.accessExpiresAt - now < REFRESH_MARGIN_MS;
}

type Listener = (session: Session | null) => void;

export class SessionStore {
  private current: Session | null;
  private readonly listeners = new Set<Listener>();

  constructor(private readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null) {
    this.current = null;
    try {
      const stored = storage?.getItem(STORAGE_KEY);
      if (stored) this.current = JSON.parse(stored) as Session;
    } catch {
      this.current = null;
    }
  }

  get(): Session | null {
    return this.current;
  }

  /** The refresh token this device held last, even after logout. */
  deviceProof(): string | undefined {
    try {
      return this.storage?.getItem(DEVICE_KEY) ?? this.current?.refreshToken;
    } catch {
      return this.current?.refreshToken;
    }
  }

  set(session: Session | null): void {
    this.current = session;
    try {
      if (session) {
        this.storage?.setItem(STORAGE_KEY, JSON.stringify(session));
        this.storage?.setItem(DEVICE_KEY, session.refreshToken);
      } else this.storage?.removeItem(STORAGE_KEY);
    } catch {
      // Private mode without storage: the session lives as long as the tab.
    }
    for (const listener of this.listeners) listener(session);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
