import { createRequire } from 'node:module';
import type IpAddr from 'ipaddr.js';

// Required on first use: every command resolves its config through this module, and few look at an address (20 ms of a start; issue 17).
let ipaddrLoaded: typeof IpAddr | undefined;
const ipaddr = () => (ipaddrLoaded ??= createRequire(import.meta.url)('ipaddr.js') as typeof IpAddr);

/**
 * Where freshet may connect. Upstream URLs come from recipes and from redirects chosen by remote
 * servers, so a hostile index or redirect must not reach the machine's own services, a cloud
 * metadata endpoint (169.254.169.254) or the private network. A local mirror is allowed by naming
 * its host:port in the config's `allowHosts`.
 *
 * Only global unicast is public, as ipaddr.js classifies it (its `range()` follows the IANA
 * special-purpose registries): loopback, private, link-local, carrier-grade NAT, benchmarking
 * (198.18.0.0/15), IETF protocol assignments (192.0.0.0/24), documentation, multicast and
 * reserved space are not. IPv4-mapped IPv6 is judged by its IPv4 address; the translation and
 * tunnel prefixes (NAT64 64:ff9b::/96, 6to4, Teredo) are refused whole, since the IPv4 address
 * they reach is chosen by a gateway freshet cannot see.
 */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  // Names are not addresses: they are judged once resolved (src/net/http.ts).
  if (!ipaddr().isValid(bare)) return false;
  // process() turns IPv4-mapped IPv6 into the IPv4 address it stands for.
  return ipaddr().process(bare).range() !== 'unicast';
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

/** True for a literal loopback address (127.0.0.0/8, ::1); a name is never taken for one. */
export function isLoopbackLiteral(url: URL): boolean {
  const bare = bareHostname(url);
  return ipaddr().isValid(bare) && ipaddr().process(bare).range() === 'loopback';
}
