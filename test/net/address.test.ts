import { describe, expect, it } from 'vitest';
import { hostKey, isAllowedHost, isPrivateAddress } from '../../src/net/address.js';

describe('case 4: isPrivateAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['10.0.0.8', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['172.32.0.1', false],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['0.0.0.0', true],
    ['::1', true],
    ['[::1]', true],
    ['fd00::1', true],
    ['fe80::1', true],
    ['::ffff:127.0.0.1', true],
    ['151.101.2.132', false],
    ['2a04:4e42::644', false],
    ['deb.debian.org', false],
    ['::ffff:10.1.2.3', true],
    ['100.64.0.1', true],
    ['198.20.0.1', false],
    ['192.0.1.1', false],
    ['::ffff:151.101.2.132', false],
    ['2606:4700::6810:84e5', false],
  ])('%s → %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });

  it.each([
    ['64:ff9b::a9fe:a9fe', 'NAT64 of 169.254.169.254'],
    ['64:ff9b::808:808', 'NAT64 of a public address: the gateway, not freshet, picks the target'],
    ['[64:ff9b::7f00:1]', 'NAT64 of 127.0.0.1, bracketed'],
    ['192.0.0.8', 'IETF protocol assignments 192.0.0.0/24'],
    ['192.0.0.170', 'NAT64 discovery'],
    ['198.18.0.1', 'benchmarking 198.18.0.0/15'],
    ['198.19.255.254', 'benchmarking, upper half'],
    ['2002:a9fe:a9fe::', '6to4 of 169.254.169.254'],
    ['2001:0:4136:e378::1', 'Teredo'],
    ['::ffff:198.18.0.1', 'IPv4-mapped benchmarking'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['2001:db8::1', 'documentation'],
    ['ff02::1', 'IPv6 multicast'],
  ])('case 41: %s is not public (%s)', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });
});

describe('case 4: allowHosts', () => {
  it('matches host:port with default ports, or a bare host for every port', () => {
    expect(hostKey(new URL('https://example.org/x'))).toBe('example.org:443');
    expect(isAllowedHost(new URL('http://127.0.0.1:8781/'), ['127.0.0.1:8781'])).toBe(true);
    expect(isAllowedHost(new URL('http://127.0.0.1:8782/'), ['127.0.0.1:8781'])).toBe(false);
    expect(isAllowedHost(new URL('http://mirror.lan:9000/'), ['mirror.lan'])).toBe(true);
  });
});
