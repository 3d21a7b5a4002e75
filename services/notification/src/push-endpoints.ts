// Where Web Push may send: a subscription's endpoint is a URL the browser's push service handed
// out, and the service POSTs to it with its VAPID signature. Taking any https URL would make the
// service a request forwarder into the network it runs in (a link-local metadata address, a
// private admin port). So an endpoint must be on a known push service's host (the browsers' own
// by default, NOTIFICATION_PUSH_SERVICE_HOSTS to change), never an address literal, on port 443;
// and when sending, the connection is refused unless the name resolves to public addresses.
import { BlockList, isIP } from 'node:net';

/** The push services of Chrome/Edge/Opera (FCM), Firefox (Mozilla autopush), Edge (WNS) and Safari (Apple). */
export const BROWSER_PUSH_SERVICE_HOSTS = [
  'fcm.googleapis.com',
  '*.push.services.mozilla.com',
  '*.notify.windows.com',
  '*.push.apple.com',
] as const;

/** `fcm.googleapis.com` or `*.push.apple.com`: a host, or any subdomain of one. */
export const PUSH_SERVICE_HOST_PATTERN = /^(\*\.)?([a-z0-9-]+\.)+[a-z]{2,}$/;

export function isPushServiceHost(hostname: string, hosts: readonly string[]): boolean {
  const host = hostname.toLowerCase();
  return hosts.some((pattern) =>
    pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern,
  );
}

/** Why an endpoint is refused, or undefined when it may be stored. */
export function pushEndpointProblem(endpoint: string, hosts: readonly string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:') return 'must be an https:// URL';
  if (url.username || url.password) return 'must not carry credentials';
  if (url.port !== '') return 'must use the default https port';
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(hostname) !== 0) return 'must name a push service, not an address';
  if (!isPushServiceHost(hostname, hosts)) return `must be on a browser push service (${hosts.join(', ')})`;
  return undefined;
}

const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 3],
] as const)
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 127],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');

/** Whether an address is routable on the public internet (not private, loopback, link-local, ...). */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  const mapped = family === 6 && /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return !NOT_PUBLIC.check(mapped[1]!, 'ipv4');
  return !NOT_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}
