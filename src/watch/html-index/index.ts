import { Parser } from 'htmlparser2';
import { UpstreamError } from '../../core/errors.js';
import { isAllowedHost, isPrivateLiteral } from '../../net/address.js';
import { fetchCached } from '../fetch-json.js';
import type { UpstreamRelease, UpstreamSource } from '../types.js';
import { HtmlIndexUpstream } from './schema.js';

/** Every `<a href>` of a page, as written (entities decoded by the parser). */
export function extractLinks(html: string): string[] {
  const links: string[] = [];
  const parser = new Parser({
    onopentag(name, attributes) {
      if (name === 'a' && attributes.href) links.push(attributes.href.trim());
    },
  });
  parser.write(html);
  parser.end();
  return links;
}

/**
 * A link freshet will follow from an index page: http(s) only; on the page's host only inside the
 * index's folder (no `../` climbs); elsewhere never a private or loopback host unless allowed.
 */
export function acceptableLink(link: URL, page: URL, allowHosts: readonly string[]): boolean {
  if (link.protocol !== 'http:' && link.protocol !== 'https:') return false;
  if (link.host === page.host) {
    const folder = page.pathname.slice(0, page.pathname.lastIndexOf('/') + 1);
    return link.pathname.startsWith(folder);
  }
  if (isAllowedHost(link, allowHosts)) return true;
  return !isPrivateLiteral(link) && link.hostname !== 'localhost';
}

/** The last path segment, percent-decoded when it decodes cleanly. */
function fileName(link: URL): string {
  const raw = link.pathname.slice(link.pathname.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export const htmlIndex: UpstreamSource<HtmlIndexUpstream> = {
  kind: 'html-index',
  schema: HtmlIndexUpstream,
  describe: (upstream) => `html-index:${upstream.url}`,
  async getReleases(upstream, ctx) {
    const page = await fetchCached(ctx, upstream.url);
    if (!page) return null;
    const text = page.body.toString('utf8');
    if (text.includes('\u0000')) throw new UpstreamError(ctx.recipe, `${page.url}: expected an HTML page, got binary data`);
    const base = new URL(page.url);
    const pattern = new RegExp(`^(?:${upstream.pattern})$`);
    const releases = new Map<string, UpstreamRelease>();
    for (const href of extractLinks(text)) {
      let link: URL;
      try {
        link = new URL(href, base);
      } catch {
        continue;
      }
      if (!acceptableLink(link, base, ctx.http.policy.allowHosts)) continue;
      const version = pattern.exec(fileName(link))?.[1];
      if (version && !releases.has(version)) {
        link.hash = '';
        releases.set(version, { version, url: link.href });
      }
    }
    return [...releases.values()];
  },
};
