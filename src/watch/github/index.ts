import { z } from 'zod';
import { UpstreamError } from '../../core/errors.js';
import { fetchCached, nextLink, parseJson } from '../fetch-json.js';
import type { UpstreamRelease, UpstreamSource, WatchContext } from '../types.js';
import { GithubUpstream } from './schema.js';

const MAX_PAGES = 10;

const Release = z.object({
  tag_name: z.string(),
  draft: z.boolean().optional(),
  prerelease: z.boolean().optional(),
  published_at: z.string().nullish(),
  tarball_url: z.string().nullish(),
  assets: z.array(z.object({ name: z.string(), browser_download_url: z.string() })).optional(),
});
const Tag = z.object({ name: z.string(), tarball_url: z.string() });

const HEADERS = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };

/** All pages of a list endpoint, following the Link header; null when the first page is a 404. */
async function pages<T>(ctx: WatchContext, first: string, item: z.ZodType<T>, upstream: string): Promise<T[] | null> {
  const items: T[] = [];
  let url: string | undefined = first;
  for (let page = 0; url && page < MAX_PAGES; page++) {
    // The HTTP client sends the token only to its configured API origin, so a recipe's `api` or a
    // next-page link naming another host is read without it.
    const fetched = await fetchCached(ctx, url, { headers: HEADERS, bearer: ctx.tokens.github, upstream });
    if (!fetched) {
      if (page === 0) return null;
      throw new UpstreamError(upstream, `${url}: page ${page + 1} of the list disappeared (404)`, { status: 404 });
    }
    items.push(...parseJson(fetched, z.array(item), upstream));
    url = nextLink(fetched.headers);
  }
  return items;
}

function versionOf(tag: string, tagPattern: string | undefined): string | undefined {
  if (!tagPattern) return /^v?(.+)$/.exec(tag)?.[1];
  return new RegExp(`^(?:${tagPattern})$`).exec(tag)?.[1];
}

export const github: UpstreamSource<GithubUpstream> = {
  kind: 'github',
  schema: GithubUpstream,
  describe: (upstream) => `github:${upstream.repo}`,
  async getReleases(upstream, ctx) {
    const api = (upstream.api ?? 'https://api.github.com').replace(/\/$/, '');
    const name = `${ctx.recipe} (${github.describe(upstream)})`;
    if (upstream.use === 'tags') {
      const tags = await pages(ctx, `${api}/repos/${upstream.repo}/tags?per_page=100`, Tag, name);
      if (!tags) return null;
      return tags.flatMap((tag) => {
        const version = versionOf(tag.name, upstream.tagPattern);
        return version ? [{ version, url: tag.tarball_url }] : [];
      });
    }
    const releases = await pages(ctx, `${api}/repos/${upstream.repo}/releases?per_page=100`, Release, name);
    if (!releases) return null;
    const assetPattern = upstream.asset ? new RegExp(`^(?:${upstream.asset})$`) : undefined;
    const found: UpstreamRelease[] = [];
    for (const release of releases) {
      if (release.draft) continue;
      const version = versionOf(release.tag_name, upstream.tagPattern);
      if (!version) continue;
      const url = assetPattern
        ? release.assets?.find((asset) => assetPattern.test(asset.name))?.browser_download_url
        : (release.tarball_url ?? undefined);
      if (!url) continue;
      found.push({ version, url, prerelease: release.prerelease ?? false, publishedAt: release.published_at ?? undefined });
    }
    return found;
  },
};
