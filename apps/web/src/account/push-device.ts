// Web Push on this device: whether the browser can do it, and turning it on (ask permission,
// subscribe through the app's service worker, register the subscription with the notification
// service) and off. The id the service gave the subscription is kept per user in localStorage,
// since DELETE needs it and the browser only knows the endpoint.
import { api } from '../api/client';
import type { PushSubscriptionInput } from '../api/types';

export type PushSupport = 'supported' | 'unsupported';

export function pushSupport(): PushSupport {
  return typeof navigator !== 'undefined' &&
    'serviceWorker' in navigator &&
    typeof window !== 'undefined' &&
    'PushManager' in window &&
    'Notification' in window
    ? 'supported'
    : 'unsupported';
}

/** Why turning push on did not work, in words the page shows. */
export class PushSetupError extends Error {
  constructor(
    readonly reason: 'denied' | 'dismissed' | 'no-worker' | 'subscribe-failed',
    message: string,
  ) {
    super(message);
  }
}

interface StoredSubscription {
  id: string;
  endpoint: string;
}

const storageKey = (userId: string) => `push-subscription:${userId}`;

function stored(userId: string): StoredSubscription | null {
  try {
    const text = localStorage.getItem(storageKey(userId));
    return text ? (JSON.parse(text) as StoredSubscription) : null;
  } catch {
    return null;
  }
}

/** The app's service worker (registered by main.tsx in a build; registered here in development). */
async function serviceWorker(): Promise<ServiceWorkerRegistration> {
  const existing = await navigator.serviceWorker.getRegistration();
  if (!existing) await navigator.serviceWorker.register('/sw.js');
  const ready = await Promise.race([
    navigator.serviceWorker.ready,
    new Promise<null>((settle) => setTimeout(() => settle(null), 10_000)),
  ]);
  if (!ready)
    throw new PushSetupError(
      'no-worker',
      'The app’s background worker did not start. Reload the page and try again.',
    );
  return ready;
}

/** On when this browser holds a subscription that this user registered with the platform. */
export async function isPushOn(userId: string): Promise<boolean> {
  const mine = stored(userId);
  if (!mine || Notification.permission !== 'granted') return false;
  const registration = await navigator.serviceWorker.getRegistration();
  const subscription = await registration?.pushManager.getSubscription();
  return subscription?.endpoint === mine.endpoint;
}

/** The public key is base64url; PushManager wants its bytes. */
export function applicationServerKey(base64Url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64Url.replaceAll('-', '+').replaceAll('_', '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/** Asks for permission (only ever from a click), subscribes and registers the subscription. */
export async function turnPushOn(userId: string, publicKey: string): Promise<void> {
  const permission = await Notification.requestPermission();
  if (permission === 'denied')
    throw new PushSetupError(
      'denied',
      'Notifications are blocked for this site. Allow them in your browser’s site settings, then try again.',
    );
  if (permission !== 'granted')
    throw new PushSetupError('dismissed', 'You did not allow notifications. Try again and choose “Allow”.');
  const registration = await serviceWorker();
  let subscription: PushSubscription;
  try {
    subscription =
      (await registration.pushManager.getSubscription()) ??
      (await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: applicationServerKey(publicKey),
      }));
  } catch (error) {
    throw new PushSetupError(
      'subscribe-failed',
      `This browser could not set up push messages (${(error as Error).message || 'no reason given'}).`,
    );
  }
  const register = (current: PushSubscription) => {
    const json = current.toJSON();
    const body: PushSubscriptionInput = {
      endpoint: current.endpoint,
      keys: { p256dh: json.keys?.p256dh ?? '', auth: json.keys?.auth ?? '' },
    };
    return api.subscribePush(body);
  };
  let saved: Awaited<ReturnType<typeof register>>;
  try {
    saved = await register(subscription);
  } catch (error) {
    // 409: this browser's subscription was registered by another account that used it before.
    // The platform never moves it; a fresh subscription (a new endpoint) is this account's own.
    if ((error as { status?: number }).status !== 409) throw error;
    await subscription.unsubscribe();
    subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: applicationServerKey(publicKey),
    });
    saved = await register(subscription);
  }
  localStorage.setItem(storageKey(userId), JSON.stringify({ id: saved.id, endpoint: saved.endpoint }));
}

/** Unsubscribes the browser and tells the platform to stop; either may already be gone. */
export async function turnPushOff(userId: string): Promise<void> {
  const mine = stored(userId);
  const registration = await navigator.serviceWorker.getRegistration();
  const subscription = await registration?.pushManager.getSubscription();
  if (mine)
    await api.unsubscribePush(mine.id).catch((error: { status?: number }) => {
      // Already removed on the platform (it drops subscriptions the push service reports gone).
      if (error.status !== 404) throw error;
    });
  localStorage.removeItem(storageKey(userId));
  await subscription?.unsubscribe();
}
