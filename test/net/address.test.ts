import { describe, expect, it } from 'vitest';
import { hostKey, isAllowedHost, isPrivateAddress } from '../../src/net/address.js';

describe('isPrivateAddress', () => {
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
  ])('%s → %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });
});

describe('allowHosts', () => {
  it('matches host:port with default ports, or a bare host for every port', () => {
    expect(hostKey(new URL('https://example.org/x'))).toBe('example.org:443');
    expect(isAllowedHost(new URL('http://127.0.0.1:8781/'), ['127.0.0.1:8781'])).toBe(true);
    expect(isAllowedHost(new URL('http://127.0.0.1:8782/'), ['127.0.0.1:8781'])).toBe(false);
    expect(isAllowedHost(new URL('http://mirror.lan:9000/'), ['mirror.lan'])).toBe(true);
  });
});
