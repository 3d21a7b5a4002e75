// The typed client of the platform's public API (through the gateway, same origin). It adds
// the access token, refreshes it before it expires or once after a 401 (one refresh at a time,
// since refresh tokens rotate), and turns every error answer into an ApiProblem.
import { admissionToken } from '../queue/admissions';
import { ApiProblem, networkProblem, problemFromResponse } from './problem';
import { needsRefresh, type Session, SessionStore, sessionFromTokens } from './session';
import type {
  CheckinResult,
  CreateEventInput,
  CreateHoldBody,
  EventDetail,
  EventSearch,
  EventSummary,
  HoldView,
  MailFileView,
  NotificationView,
  OrderView,
  Page,
  PaymentsConfig,
  PreferenceItem,
  PushSubscriptionInput,
  PushSubscriptionView,
  QueueChallenge,
  QueuePlaceView,
  RenderedPreview,
  Role,
  SalesReport,
  SeatMap,
  SoldTicket,
  TemplateView,
  TokenPair,
  UserView,
  VenueView,
  WaitingRoomView,
} from './types';

type Query = Record<string, string | number | boolean | string[] | undefined>;

interface RequestOptions {
  body?: unknown;
  query?: Query;
  headers?: Record<string, string>;
  /** Send the access token (when signed in). Default true. */
  auth?: boolean;
  signal?: AbortSignal;
}

export function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) continue;
    if (Array.isArray(value)) for (const item of value) params.append(key, item);
    else params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

export interface RegisterInput {
  username: string;
  email: string;
  password: string;
  firstName: string;
  lastName: string;
  phoneNumber?: string;
}

export interface CardInput {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
  holderName?: string;
}

export type PaymentInput = { card: CardInput } | { token: string };

export interface GatewayUpstreams {
  services: {
    service: string;
    circuit: string;
    instances: {
      url: string;
      healthy: boolean;
      circuit: string;
      lastCheckedAt: string | null;
      lastError: string | null;
    }[];
  }[];
}

export class ApiClient {
  private refreshing: Promise<Session | null> | null = null;

  constructor(
    readonly session: SessionStore,
    private readonly baseUrl = '',
    private readonly fetchImpl: typeof fetch = (...args) => fetch(...args),
  ) {}

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.authorizedFetch(method, path, options);
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    if (!response.ok) throw problemFromResponse(response.status, response.statusText, body);
    return body as T;
  }

  /** The answer with its body unread (a stream reads it as it comes); refreshes the token as request() does. */
  private async authorizedFetch(method: string, path: string, options: RequestOptions): Promise<Response> {
    const auth = options.auth ?? true;
    let session = this.session.get();
    if (auth && session && needsRefresh(session)) session = await this.refresh(session);
    let response = await this.send(method, path, options, auth ? session : null);
    if (response.status === 401 && auth && session) {
      // The token was revoked or the clock is off: one refresh, one retry.
      const renewed = await this.refresh(session);
      if (renewed) response = await this.send(method, path, options, renewed);
    }
    return response;
  }

  private async send(method: string, path: string, options: RequestOptions, session: Session | null) {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (session) headers.authorization = `Bearer ${session.accessToken}`;
    try {
      return await this.fetchImpl(`${this.baseUrl}${path}${queryString(options.query)}`, {
        method,
        headers,
        body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
        signal: options.signal,
      });
    } catch (error) {
      throw networkProblem(error);
    }
  }

  /** Swaps the refresh token for a new pair; signs out when it is no longer valid. */
  private refresh(session: Session): Promise<Session | null> {
    this.refreshing ??= (async () => {
      try {
        const tokens = await this.request<TokenPair>('POST', '/api/v1/auth/refresh', {
          auth: false,
          body: { refreshToken: session.refreshToken },
        });
        const renewed = sessionFromTokens(tokens);
        this.session.set(renewed);
        return renewed;
      } catch (error) {
        // Offline: keep the session (the tickets stay visible); refused: sign out.
        if (error instanceof ApiProblem && error.status !== 0) this.session.set(null);
        return error instanceof ApiProblem && error.status === 0 ? session : null;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  // ------------------------------------------------------------ account

  async login(usernameOrEmail: string, password: string): Promise<Session> {
    const previousRefreshToken = this.session.deviceProof();
    const tokens = await this.request<TokenPair>('POST', '/api/v1/auth/login', {
      auth: false,
      body: { username: usernameOrEmail, password, ...(previousRefreshToken && { previousRefreshToken }) },
    });
    const session = sessionFromTokens(tokens);
    this.session.set(session);
    return session;
  }

  register(input: RegisterInput): Promise<UserView> {
    return this.request('POST', '/api/v1/auth/register', { auth: false, body: input });
  }

  async logout(): Promise<void> {
    const session = this.session.get();
    this.session.set(null);
    if (session)
      await this.request('POST', '/api/v1/auth/logout', {
        auth: false,
        body: { refreshToken: session.refreshToken },
      }).catch(() => undefined);
  }

  me(): Promise<UserView> {
    return this.request('GET', '/api/v1/users/me');
  }

  async updateMe(
    changes: Partial<Pick<UserView, 'email' | 'firstName' | 'lastName' | 'phoneNumber' | 'locale'>>,
  ) {
    const user = await this.request<UserView>('PATCH', '/api/v1/users/me', { body: changes });
    const session = this.session.get();
    if (session) this.session.set({ ...session, user });
    return user;
  }

  changePassword(currentPassword: string, newPassword: string): Promise<void> {
    return this.request('POST', '/api/v1/users/me/password', { body: { currentPassword, newPassword } });
  }

  // ------------------------------------------------------------ storefront

  events(search: EventSearch = {}): Promise<Page<EventSummary>> {
    return this.request('GET', '/api/v1/events', { query: { ...search } });
  }

  event(id: string): Promise<EventDetail> {
    return this.request('GET', `/api/v1/events/${encodeURIComponent(id)}`);
  }

  seats(eventId: string): Promise<SeatMap> {
    return this.request('GET', `/api/v1/events/${encodeURIComponent(eventId)}/seats`, { auth: false });
  }

  /** Under a waiting room, the admission token of this user and event goes along (Queue-Token). */
  hold(body: CreateHoldBody): Promise<HoldView> {
    return this.request('POST', '/api/v1/holds', { body, headers: this.queueTokenHeader(body.eventId) });
  }

  getHold(id: string): Promise<HoldView> {
    return this.request('GET', `/api/v1/holds/${encodeURIComponent(id)}`);
  }

  releaseHold(id: string): Promise<void> {
    return this.request('DELETE', `/api/v1/holds/${encodeURIComponent(id)}`);
  }

  /** How checkout takes a card: the sandbox's form, or Stripe Elements. */
  paymentsConfig(): Promise<PaymentsConfig> {
    return this.request('GET', '/api/v1/payments/config', { auth: false });
  }

  /**
   * Pays with a typed card (the sandbox) or a Stripe PaymentMethod id made by Stripe.js. The
   * idempotency key makes a retried purchase (a lost answer, a double tap) charge once.
   */
  placeOrder(
    holdId: string,
    payment: PaymentInput,
    idempotencyKey: string,
    eventId?: string,
  ): Promise<OrderView> {
    return this.request('POST', '/api/v1/orders', {
      body: { holdId, payment: { method: 'card', ...payment } },
      headers: { 'idempotency-key': idempotencyKey, ...(eventId && this.queueTokenHeader(eventId)) },
    });
  }

  private queueTokenHeader(eventId: string): Record<string, string> {
    const userId = this.session.get()?.user.id;
    const token = userId ? admissionToken(userId, eventId) : undefined;
    return token ? { 'queue-token': token } : {};
  }

  // ------------------------------------------------------------ the waiting room (ADR 0021)

  waitingRoom(eventId: string): Promise<WaitingRoomView> {
    return this.request('GET', `/api/v1/events/${encodeURIComponent(eventId)}/waiting-room`, { auth: false });
  }

  queueChallenge(eventId: string): Promise<QueueChallenge> {
    return this.request('GET', `/api/v1/events/${encodeURIComponent(eventId)}/queue/challenge`);
  }

  /** A new place needs a solved challenge; with a live place the same place comes back without one. */
  joinQueue(eventId: string, solved?: { challenge: string; nonce: string }): Promise<QueuePlaceView> {
    return this.request('POST', `/api/v1/events/${encodeURIComponent(eventId)}/queue`, {
      body: solved ?? {},
    });
  }

  queuePlace(id: string): Promise<QueuePlaceView> {
    return this.request('GET', `/api/v1/queue/${encodeURIComponent(id)}`);
  }

  /**
   * The place's Server-Sent Events, read with fetch (EventSource cannot send the access token).
   * Answers the open response; an error answer becomes an ApiProblem.
   */
  async queueStream(id: string, signal: AbortSignal): Promise<Response> {
    const response = await this.authorizedFetch('GET', `/api/v1/queue/${encodeURIComponent(id)}/stream`, {
      headers: { accept: 'text/event-stream' },
      signal,
    });
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Not problem+json (a proxy's page).
      }
      throw problemFromResponse(response.status, response.statusText, body);
    }
    return response;
  }

  order(id: string): Promise<OrderView> {
    return this.request('GET', `/api/v1/orders/${encodeURIComponent(id)}`);
  }

  myOrders(cursor?: string): Promise<Page<OrderView>> {
    return this.request('GET', '/api/v1/orders', { query: { cursor } });
  }

  cancelOrder(id: string, reason?: string): Promise<OrderView> {
    return this.request('POST', `/api/v1/orders/${encodeURIComponent(id)}/cancel`, {
      body: reason ? { reason } : {},
    });
  }

  myTickets(): Promise<{ items: SoldTicket[] }> {
    return this.request('GET', '/api/v1/tickets');
  }

  notifications(cursor?: string): Promise<Page<NotificationView>> {
    return this.request('GET', '/api/v1/notifications', { query: { cursor } });
  }

  preferences(): Promise<{ items: PreferenceItem[] }> {
    return this.request('GET', '/api/v1/notifications/preferences');
  }

  updatePreferences(
    preferences: Record<string, Partial<PreferenceItem['channels']>>,
  ): Promise<{ items: PreferenceItem[] }> {
    return this.request('PUT', '/api/v1/notifications/preferences', { body: { preferences } });
  }

  /** The VAPID key browsers subscribe with; null when the platform sends no Web Push. */
  pushPublicKey(): Promise<{ publicKey: string | null }> {
    return this.request('GET', '/api/v1/notifications/push/public-key');
  }

  subscribePush(subscription: PushSubscriptionInput): Promise<PushSubscriptionView> {
    return this.request('POST', '/api/v1/notifications/push/subscriptions', { body: subscription });
  }

  unsubscribePush(id: string): Promise<void> {
    return this.request('DELETE', `/api/v1/notifications/push/subscriptions/${encodeURIComponent(id)}`);
  }

  // ------------------------------------------------------------ staff

  checkIn(code: string, eventId?: string): Promise<CheckinResult> {
    return this.request('POST', '/api/v1/checkin', { body: eventId ? { code, eventId } : { code } });
  }

  // ------------------------------------------------------------ organizers and admins

  createEvent(input: CreateEventInput): Promise<EventDetail> {
    return this.request('POST', '/api/v1/events', { body: input });
  }

  /** Changes of a draft replace its venue and ticket types; a published event keeps its seats. */
  updateEvent(id: string, changes: Partial<CreateEventInput>): Promise<EventDetail> {
    return this.request('PATCH', `/api/v1/events/${encodeURIComponent(id)}`, { body: changes });
  }

  /** Every seat of the event's venue (organizers), drafts included. */
  venue(id: string): Promise<VenueView> {
    return this.request('GET', `/api/v1/events/${encodeURIComponent(id)}/venue`);
  }

  publishEvent(id: string): Promise<EventDetail> {
    return this.request('POST', `/api/v1/events/${encodeURIComponent(id)}/publish`);
  }

  cancelEvent(id: string, reason?: string): Promise<EventDetail> {
    return this.request('POST', `/api/v1/events/${encodeURIComponent(id)}/cancel`, {
      body: reason ? { reason } : {},
    });
  }

  salesReport(id: string, bucket: 'hour' | 'day' | 'week' = 'day'): Promise<SalesReport> {
    return this.request('GET', `/api/v1/events/${encodeURIComponent(id)}/analytics`, { query: { bucket } });
  }

  searchOrders(query: { eventId?: string; status?: string; cursor?: string } = {}): Promise<Page<OrderView>> {
    return this.request('GET', '/api/v1/orders/search', { query });
  }

  users(query: { q?: string; role?: Role; cursor?: string } = {}): Promise<Page<UserView>> {
    return this.request('GET', '/api/v1/users', { query });
  }

  setRoles(userId: string, roles: Role[]): Promise<UserView> {
    return this.request('PUT', `/api/v1/users/${encodeURIComponent(userId)}/roles`, { body: { roles } });
  }

  templates(): Promise<{ items: TemplateView[] }> {
    return this.request('GET', '/api/v1/notifications/admin/templates');
  }

  saveTemplate(
    template: Pick<TemplateView, 'type' | 'channel' | 'locale' | 'subject' | 'text' | 'html'>,
  ): Promise<TemplateView> {
    const { type, channel, locale, ...parts } = template;
    return this.request('PUT', `/api/v1/notifications/admin/templates/${type}/${channel}/${locale}`, {
      body: parts,
    });
  }

  previewTemplate(
    template: Pick<TemplateView, 'type' | 'channel' | 'locale' | 'subject' | 'text' | 'html'>,
  ): Promise<RenderedPreview> {
    return this.request('POST', '/api/v1/notifications/admin/templates/preview', { body: template });
  }

  mailbox(): Promise<{ items: MailFileView[] }> {
    return this.request('GET', '/api/v1/notifications/admin/mail');
  }

  async mail(name: string): Promise<string> {
    return this.request<string>('GET', `/api/v1/notifications/admin/mail/${encodeURIComponent(name)}`);
  }

  upstreams(): Promise<GatewayUpstreams> {
    return this.request('GET', '/api/v1/gateway/upstreams');
  }
}

export const sessionStore = new SessionStore(typeof localStorage === 'undefined' ? null : localStorage);
export const api = new ApiClient(sessionStore);
