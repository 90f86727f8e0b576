import { z } from 'zod';
import { UpstreamError } from '../../core/errors.js';
import { fetchCached, nextLink, parseJson, type Fetched } from '../fetch-json.js';
import type { UpstreamRelease, UpstreamSource, WatchContext } from '../types.js';
import { GitlabUpstream } from './schema.js';

const MAX_PAGES = 10;

const Release = z.object({
  tag_name: z.string(),
  released_at: z.string().nullish(),
  upcoming_release: z.boolean().optional(),
  assets: z.object({ sources: z.array(z.object({ format: z.string(), url: z.string() })).optional() }).optional(),
});
const Tag = z.object({ name: z.string(), commit: z.object({ created_at: z.string().nullish() }).nullish() });

/** GitLab paginates with x-next-page (and a Link header); either is followed. */
function nextPage(fetched: Fetched, current: string): string | undefined {
  const link = nextLink(fetched.headers);
  if (link) return link;
  const next = fetched.headers['x-next-page'];
  if (!next || !/^\d+$/.test(next)) return undefined;
  const url = new URL(current);
  url.searchParams.set('page', next);
  return url.href;
}

async function pages<T>(ctx: WatchContext, first: string, item: z.ZodType<T>, upstream: string): Promise<T[] | null> {
  const items: T[] = [];
  let url: string | undefined = first;
  for (let page = 0; url && page < MAX_PAGES; page++) {
    // Sent only to the configured GitLab origin: another recipe `host` or next-page origin is read without it.
    const fetched = await fetchCached(ctx, url, { bearer: ctx.tokens.gitlab, upstream });
    if (!fetched) {
      if (page === 0) return null;
      throw new UpstreamError(upstream, `${url}: page ${page + 1} of the list disappeared (404)`, { status: 404 });
    }
    items.push(...parseJson(fetched, z.array(item), upstream));
    url = nextPage(fetched, url);
  }
  return items;
}

function versionOf(tag: string, tagPattern: string | undefined): string | undefined {
  if (!tagPattern) return /^v?(.+)$/.exec(tag)?.[1];
  return new RegExp(`^(?:${tagPattern})$`).exec(tag)?.[1];
}

export const gitlab: UpstreamSource<GitlabUpstream> = {
  kind: 'gitlab',
  schema: GitlabUpstream,
  describe: (upstream) => `gitlab:${upstream.project}`,
  async getReleases(upstream, ctx) {
    const host = (upstream.host ?? 'https://gitlab.com').replace(/\/$/, '');
    const api = `${host}/api/v4/projects/${encodeURIComponent(upstream.project)}`;
    const name = `${ctx.recipe} (${gitlab.describe(upstream)})`;
    const archive = (tag: string) => {
      const base = upstream.project.split('/').pop()!;
      return `${host}/${upstream.project}/-/archive/${encodeURIComponent(tag)}/${base}-${encodeURIComponent(tag)}.tar.gz`;
    };
    if (upstream.use === 'tags') {
      const tags = await pages(ctx, `${api}/repository/tags?per_page=100`, Tag, name);
      if (!tags) return null;
      return tags.flatMap((tag) => {
        const version = versionOf(tag.name, upstream.tagPattern);
        return version ? [{ version, url: archive(tag.name), publishedAt: tag.commit?.created_at ?? undefined }] : [];
      });
    }
    const releases = await pages(ctx, `${api}/releases?per_page=100`, Release, name);
    if (!releases) return null;
    const found: UpstreamRelease[] = [];
    for (const release of releases) {
      const version = versionOf(release.tag_name, upstream.tagPattern);
      if (!version) continue;
      const source = release.assets?.sources?.find((candidate) => candidate.format === 'tar.gz');
      found.push({
        version,
        url: source?.url ?? archive(release.tag_name),
        publishedAt: release.released_at ?? undefined,
        prerelease: release.upcoming_release ?? false,
      });
    }
    return found;
  },
};
