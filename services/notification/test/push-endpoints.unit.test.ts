// Where Web Push may connect: only browser push services' hosts are stored, and a connection is
// made only to a public address, whatever the name resolves to.
import { describe, expect, it } from 'vitest';
import { lookupPublicOnly } from '../src/push.js';
import { BROWSER_PUSH_SERVICE_HOSTS, isPublicAddress, pushEndpointProblem } from '../src/push-endpoints.js';

describe('a push endpoint', () => {
  it("is accepted on the browsers' push services", () => {
    for (const endpoint of [
      'https://fcm.googleapis.com/fcm/send/abc',
      'https://updates.push.services.mozilla.com/wpush/v2/abc',
      'https://db5p.notify.windows.com/w/?token=abc',
      'https://web.push.apple.com/QGuQyavXutnMH',
    ])
      expect(pushEndpointProblem(endpoint, BROWSER_PUSH_SERVICE_HOSTS), endpoint).toBeUndefined();
  });

  it('is refused anywhere else, as an address, on another port or over http', () => {
    for (const endpoint of [
      'https://169.254.169.254/latest/meta-data/',
      'https://[::1]/x',
      'https://fcm.googleapis.com:444/x',
      'https://fcm.googleapis.com.evil.test/x',
      'https://push.services.mozilla.com.evil.test/x',
      'http://fcm.googleapis.com/x',
      'not a url',
    ])
      expect(pushEndpointProblem(endpoint, BROWSER_PUSH_SERVICE_HOSTS), endpoint).toBeDefined();
  });
});

describe('a public address', () => {
  it('is one routable on the internet, not private, loopback, link-local or mapped', () => {
    expect(isPublicAddress('142.250.74.110')).toBe(true);
    expect(isPublicAddress('2a00:1450:4001:82b::200a')).toBe(true);
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      '::ffff:169.254.169.254',
      'not-an-address',
    ])
      expect(isPublicAddress(address), address).toBe(false);
  });

  it('is all a push connection may resolve to: a name for this machine fails to connect', async () => {
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      lookupPublicOnly('localhost', { all: true }, (failure) => resolve(failure)),
    );
    expect(error?.code).toBe('ENOTPUBLIC');
  });
});
