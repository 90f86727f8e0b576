import { compare, parse } from '../../versioning/deb.js';
import type { UpstreamRelease, UpstreamSource, WatchContext } from '../types.js';
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
    const index = await sourcesIndex(ctx, mirror, upstream.suite, upstream.component ?? 'main');
    const entries = index?.get(upstream.package);
    if (!entries) return null;
    const found: UpstreamRelease[] = [];
    for (const entry of entries) {
      if (!entry.origFile) continue; // A native package has no upstream tarball.
      found.push({
        version: upstreamPart(entry.version),
        url: `${mirror}/${entry.directory}/${entry.origFile}`,
        sha256: entry.origSha256,
      });
    }
    return found;
  },
};

/**
 * The highest version of a source package over a target's suites (bookworm + bookworm-updates),
 * or null when none of them ships it. A suite without an index (404) ships nothing.
 */
export async function shippedVersion(
  mirror: string,
  suites: readonly string[],
  sourcePackage: string,
  ctx: WatchContext,
): Promise<string | null> {
  let best: string | null = null;
  for (const suite of suites) {
    const index = await sourcesIndex(ctx, mirror, suite);
    for (const entry of index?.get(sourcePackage) ?? []) {
      if (best === null || compare(entry.version, best) > 0) best = entry.version;
    }
  }
  return best;
}
