import { compare, parse } from '../../versioning/deb.js';
import type { UpstreamRelease, UpstreamSource, WatchContext } from '../types.js';
import { DISTRO_KEYRINGS } from './inrelease.js';
import { DebianUpstream } from './schema.js';
import { DEFAULT_MIRROR, sourcesIndex } from './sources-index.js';

/** The upstream part of a Debian version: no epoch, no revision. */
export function upstreamPart(debianVersion: string): string {
  return parse(debianVersion).upstream;
}

export const debian: UpstreamSource<DebianUpstream> = {
  kind: 'debian',
  schema: DebianUpstream,
  describe: (upstream) => `debian:${upstream.suite}/${upstream.package}`,
  async getReleases(upstream, ctx) {
    const mirror = (upstream.mirror ?? DEFAULT_MIRROR).replace(/\/$/, '');
    const keyring = upstream.keyring ?? DISTRO_KEYRINGS[upstream.distro ?? 'debian'];
    const index = await sourcesIndex(ctx, { mirror, suite: upstream.suite, component: upstream.component ?? 'main', keyring });
    const entries = index?.get(upstream.package);
    if (!entries) return null;
    const found: UpstreamRelease[] = [];
    for (const entry of entries) {
      // A native package has no upstream tarball; one without a sha256 cannot be tied to the signed index.
      if (!entry.origFile || !entry.origSha256 || entry.origSize === undefined) continue;
      found.push({
        version: upstreamPart(entry.version),
        url: `${mirror}/${entry.directory}/${entry.origFile}`,
        sha256: entry.origSha256,
        signedHash: { sha256: entry.origSha256, size: entry.origSize },
      });
    }
    return found;
  },
};

/** Where a deb target's own index is and who signs it. */
export interface TargetIndex {
  mirror: string;
  /** Suites that together make the release (bookworm + bookworm-updates). */
  suites: readonly string[];
  keyring: string;
}

/**
 * The highest version of a source package over a target's suites, or null when none of them
 * ships it. A suite without an InRelease (404) ships nothing; an index that does not verify is an error.
 */
export async function shippedVersion(target: TargetIndex, sourcePackage: string, ctx: WatchContext): Promise<string | null> {
  let best: string | null = null;
  for (const suite of target.suites) {
    const index = await sourcesIndex(ctx, { mirror: target.mirror, suite, component: 'main', keyring: target.keyring });
    for (const entry of index?.get(sourcePackage) ?? []) {
      if (best === null || compare(entry.version, best) > 0) best = entry.version;
    }
  }
  return best;
}
