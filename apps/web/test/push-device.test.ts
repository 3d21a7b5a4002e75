// Web Push on this device, the parts that need no browser: the VAPID key as PushManager wants it,
// and feature detection where the Push API is missing (the browser test covers the rest).
import { createECDH } from 'node:crypto';
import { afterEach, describe, expect, test, vi } from 'vitest';

const subscribePush = vi.fn();
vi.mock('../src/api/client', () => ({ api: { subscribePush: (body: unknown) => subscribePush(body) } }));

const { applicationServerKey, pushSupport, turnPushOn } = await import('../src/account/push-device');

describe('push on this device', () => {
  test('the base64url VAPID key becomes its 65 bytes (an uncompressed P-256 point)', () => {
    const ecdh = createECDH('prime256v1');
    const publicKey = ecdh.generateKeys();
    const bytes = applicationServerKey(publicKey.toString('base64url'));
    expect(bytes).toHaveLength(65);
    expect(Buffer.from(bytes).equals(publicKey)).toBe(true);
  });

  test('a runtime without service workers and the Push API is unsupported', () => {
    expect(pushSupport()).toBe('unsupported');
  });
});

describe('turning push on in a browser another account used before', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    subscribePush.mockReset();
  });

  test('takes a fresh subscription of its own when the platform says the old one is taken (409)', async () => {
    const subscription = (endpoint: string) => ({
      endpoint,
      toJSON: () => ({ endpoint, keys: { p256dh: 'key', auth: 'auth' } }),
      unsubscribe: vi.fn(async () => true),
    });
    const previous = subscription('https://fcm.googleapis.com/fcm/send/previous-account');
    const fresh = subscription('https://fcm.googleapis.com/fcm/send/fresh');
    const pushManager = { getSubscription: vi.fn(async () => previous), subscribe: vi.fn(async () => fresh) };
    const registration = { pushManager };
    vi.stubGlobal('Notification', { requestPermission: async () => 'granted', permission: 'granted' });
    vi.stubGlobal('navigator', {
      serviceWorker: { getRegistration: async () => registration, ready: Promise.resolve(registration) },
    });
    const storage = new Map<string, string>();
    vi.stubGlobal('localStorage', { setItem: (key: string, value: string) => storage.set(key, value) });
    subscribePush
      .mockRejectedValueOnce(Object.assign(new Error('taken'), { status: 409 }))
      .mockResolvedValueOnce({ id: 'subscription-2', endpoint: fresh.endpoint });

    const ecdh = createECDH('prime256v1');
    await turnPushOn('user-b', ecdh.generateKeys().toString('base64url'));

    expect(previous.unsubscribe).toHaveBeenCalledOnce();
    expect(subscribePush.mock.calls.map(([body]) => body.endpoint)).toEqual([
      previous.endpoint,
      fresh.endpoint,
    ]);
    expect(JSON.parse(storage.get('push-subscription:user-b')!)).toEqual({
      id: 'subscription-2',
      endpoint: fresh.endpoint,
    });
  });
});
