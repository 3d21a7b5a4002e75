// Which range an address counts against for the per-range purchase cap.
import { describe, expect, it } from 'vitest';
import { ipRangeOf } from '../src/ip-ranges.js';

describe('ipRangeOf', () => {
  it('puts an IPv4 address in its /24', () => {
    expect(ipRangeOf('203.0.113.77')).toBe('203.0.113.0/24');
    expect(ipRangeOf(' 10.1.2.3 ')).toBe('10.1.2.0/24');
  });

  it('treats an IPv4-mapped IPv6 address as the IPv4 address', () => {
    expect(ipRangeOf('::ffff:198.51.100.9')).toBe('198.51.100.0/24');
  });

  it('puts an IPv6 address in its /48, however it is written', () => {
    expect(ipRangeOf('2001:db8:1:2::1')).toBe('2001:db8:1::/48');
    expect(ipRangeOf('2001:0db8:0001:ffff:0:0:0:1')).toBe('2001:db8:1::/48');
    expect(ipRangeOf('2001:db8::1')).toBe('2001:db8:0::/48');
    expect(ipRangeOf('::1')).toBe('0:0:0::/48');
    expect(ipRangeOf('fe80::1%eth0')).toBe('fe80:0:0::/48');
    expect(ipRangeOf('64:ff9b::192.0.2.1')).toBe('64:ff9b:0::/48');
  });

  it('has no range for what is not an address', () => {
    expect(ipRangeOf(undefined)).toBeUndefined();
    expect(ipRangeOf('')).toBeUndefined();
    expect(ipRangeOf('not-an-ip')).toBeUndefined();
    expect(ipRangeOf('300.1.1.1')).toBeUndefined();
  });
});
