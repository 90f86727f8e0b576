import net from 'node:net';

/**
 * Where freshet may connect. Upstream URLs come from recipes and from redirects chosen by remote
 * servers, so a hostile index or redirect must not reach the machine's own services, a cloud
 * metadata endpoint (169.254.169.254) or the private network. A local mirror is allowed by naming
 * its host:port in the config's `allowHosts`.
 */
const blocked = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8], // "this network": 0.0.0.0 reaches the local host
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  blocked.addSubnet(prefix, bits, 'ipv4');
}
for (const [prefix, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
] as const) {
  blocked.addSubnet(prefix, bits, 'ipv6');
}

/** True for loopback, private, link-local and unspecified addresses (IPv4, IPv6, IPv4-mapped IPv6). */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return blocked.check(mapped[1]!, 'ipv4');
  const family = net.isIP(bare);
  if (family === 4) return blocked.check(bare, 'ipv4');
  if (family === 6) return blocked.check(bare, 'ipv6');
  return false;
}

/** A URL's hostname without IPv6 brackets. */
export function bareHostname(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/** host:port with the scheme's default port filled in: the key for allowHosts and per-host queues. */
export function hostKey(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.hostname}:${port}`;
}

/** An allowHosts entry is `host:port`, or `host` for every port. */
export function isAllowedHost(url: URL, allowHosts: readonly string[]): boolean {
  const key = hostKey(url);
  return allowHosts.some((entry) => entry === key || entry === url.hostname);
}

/** True for a literal private address; names are checked once resolved (src/net/http.ts). */
export function isPrivateLiteral(url: URL): boolean {
  return isPrivateAddress(bareHostname(url));
}
