import { z } from 'zod';
import { fetchCached, parseJson } from '../fetch-json.js';
import type { UpstreamRelease, UpstreamSource } from '../types.js';
import { NpmUpstream } from './schema.js';

/** Abbreviated metadata (the install format) is a fraction of the full document. */
const ACCEPT = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';

const Packument = z.object({
  versions: z.record(z.string(), z.object({ dist: z.object({ tarball: z.string() }), deprecated: z.unknown().optional() })),
  /** Only in the full document: publication time per version. */
  time: z.record(z.string(), z.string()).optional(),
});

export const npm: UpstreamSource<NpmUpstream> = {
  kind: 'npm',
  schema: NpmUpstream,
  describe: (upstream) => `npm:${upstream.package}`,
  async getReleases(upstream, ctx) {
    const registry = (upstream.registry ?? 'https://registry.npmjs.org').replace(/\/$/, '');
    const url = `${registry}/${upstream.package.replace('/', '%2f')}`;
    const name = `${ctx.recipe} (${npm.describe(upstream)})`;
    const fetched = await fetchCached(ctx, url, { headers: { accept: ACCEPT }, upstream: name });
    if (!fetched) return null;
    const packument = parseJson(fetched, Packument, name);
    const found: UpstreamRelease[] = [];
    for (const [version, manifest] of Object.entries(packument.versions)) {
      found.push({ version, url: manifest.dist.tarball, publishedAt: packument.time?.[version] });
    }
    return found;
  },
};
