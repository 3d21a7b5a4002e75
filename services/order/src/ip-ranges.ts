// The IP range a buyer's address belongs to, for the per-range purchase cap: an IPv4 /24 or
// an IPv6 /48 (what one site, home or small network usually gets), so one network buying
// through many addresses counts once. Pure functions.
import { isIPv4, isIPv6 } from 'node:net';

/** `203.0.113.0/24` or `2001:db8:1::/48`; undefined for something that is not an address. */
export function ipRangeOf(address: string | undefined): string | undefined {
  if (!address) return undefined;
  let ip = address.trim();
  // An IPv4 address in IPv6 clothing (as a dual-stack socket reports it) is an IPv4 address.
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) ip = mapped[1]!;
  if (isIPv4(ip)) {
    const [a, b, c] = ip.split('.');
    return `${Number(a)}.${Number(b)}.${Number(c)}.0/24`;
  }
  // A zone id (fe80::1%eth0) names the interface, not the network.
  const withoutZone = ip.split('%')[0]!;
  if (!isIPv6(withoutZone)) return undefined;
  const groups = expandIPv6(withoutZone);
  return `${groups
    .slice(0, 3)
    .map((group) => group.toString(16))
    .join(':')}::/48`;
}

/** The eight 16-bit groups of an IPv6 address (which may end in dotted IPv4). */
function expandIPv6(ip: string): number[] {
  let text = ip;
  const dotted = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailGroups];
  return groups.map((group) => Number.parseInt(group, 16));
}
