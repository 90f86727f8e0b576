import { z } from 'zod';
import { fetchCached, parseJson } from '../fetch-json.js';
import type { UpstreamRelease, UpstreamSource } from '../types.js';
import { PypiUpstream } from './schema.js';

const File = z.object({
  packagetype: z.string(),
  url: z.string(),
  yanked: z.boolean().optional(),
  digests: z.object({ sha256: z.string().optional() }).optional(),
  upload_time_iso_8601: z.string().nullish(),
});
const Project = z.object({ releases: z.record(z.string(), z.array(File)) });

export const pypi: UpstreamSource<PypiUpstream> = {
  kind: 'pypi',
  schema: PypiUpstream,
  describe: (upstream) => `pypi:${upstream.project}`,
  async getReleases(upstream, ctx) {
    const index = (upstream.index ?? 'https://pypi.org/pypi').replace(/\/$/, '');
    const name = `${ctx.recipe} (${pypi.describe(upstream)})`;
    const fetched = await fetchCached(ctx, `${index}/${encodeURIComponent(upstream.project)}/json`, {
      headers: { accept: 'application/json' },
      upstream: name,
    });
    if (!fetched) return null;
    const project = parseJson(fetched, Project, name);
    const found: UpstreamRelease[] = [];
    for (const [version, files] of Object.entries(project.releases)) {
      const sdist = files.find((file) => file.packagetype === 'sdist' && !file.yanked);
      if (!sdist) continue;
      found.push({
        version,
        url: sdist.url,
        sha256: sdist.digests?.sha256,
        publishedAt: sdist.upload_time_iso_8601 ?? undefined,
      });
    }
    return found;
  },
};
