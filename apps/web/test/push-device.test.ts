// Web Push on this device, the parts that need no browser: the VAPID key as PushManager wants it,
// and feature detection where the Push API is missing (the browser test covers the rest).
import { createECDH } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { applicationServerKey, pushSupport } from '../src/account/push-device';

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
