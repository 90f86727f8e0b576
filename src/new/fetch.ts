import { mkdtempSync } from 'node:fs';
import { z } from 'zod';
import os from 'node:os';
import path from 'node:path';
import { UserError, errorMessage } from '../core/errors.js';
import { log } from '../core/log.js';
import { unpackArchive, type UnpackResult } from '../fetch/unpack/index.js';
import type { HttpClient } from '../net/http.js';
import { upstreamCompare } from '../versioning/upstream.js';
import { extractLinks } from '../watch/html-index/index.js';
import { isTarballName, parseArchiveName, TARBALL_EXTENSION } from './archive-name.js';

/** The release `freshet new` packages: a tarball URL, and signatures seen beside it. */
export interface ChosenRelease {
  tarballUrl: string;
  signatureUrl?: string;
}

function fileOf(url: URL): string {
  return decodeURIComponent(url.pathname.slice(url.pathname.lastIndexOf('/') + 1));
}

/** Links of a page, resolved against it; unparsable ones dropped. */
async function pageLinks(http: HttpClient, pageUrl: string): Promise<URL[]> {
  const page = await http.get({ url: pageUrl, upstream: pageUrl, maxBytes: 8 * 1024 * 1024 });
  const base = new URL(page.url);
  return extractLinks(page.body.toString('utf8')).flatMap((href) => {
    try {
      return [new URL(href, base)];
    } catch {
      return [];
    }
  });
}

/**
 * The newest tarball linked from a download page, like the html-index kind reads one: among the
 * links whose file name parses as name-version.ext, those of the wanted name (or of the most
 * common one), newest by Debian's ordering.
 */
export function newestTarball(links: readonly URL[], name?: string): ChosenRelease | undefined {
  const tarballs = links
    .map((link) => ({ link, parsed: parseArchiveName(fileOf(link)) }))
    .filter((entry): entry is { link: URL; parsed: NonNullable<typeof entry.parsed> } => entry.parsed !== undefined);
  const counts = new Map<string, number>();
  for (const { parsed } of tarballs) counts.set(parsed.name, (counts.get(parsed.name) ?? 0) + 1);
  const wanted = name ?? [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const candidates = tarballs.filter(({ parsed }) => parsed.name.toLowerCase() === wanted?.toLowerCase());
  candidates.sort((a, b) => upstreamCompare(b.parsed.version.replace(/-/g, '.'), a.parsed.version.replace(/-/g, '.')) || a.parsed.extension.localeCompare(b.parsed.extension));
  const newest = candidates[0];
  if (!newest) return undefined;
  return { tarballUrl: newest.link.href, signatureUrl: signatureBeside(links, newest.link) };
}

function signatureBeside(links: readonly URL[], tarball: URL): string | undefined {
  const names = new Set(['.sig', '.asc', '.sign'].map((suffix) => `${tarball.href}${suffix}`));
  return links.find((link) => names.has(link.href))?.href;
}

const GithubRelease = z.object({
  tag_name: z.string(),
  draft: z.boolean().optional(),
  prerelease: z.boolean().optional(),
  assets: z.array(z.object({ name: z.string(), browser_download_url: z.string() })).optional(),
});

/**
 * A GitHub tag archive or repository URL → the release's own tarball asset: a real file with an
 * extension and the generated `configure`, which the tag archive (tarball_url) lacks. The one with a
 * signature beside it wins. For a repository URL whose releases carry no tarball asset, the newest
 * release's tag archive; undefined when there is no release.
 */
export async function githubReleaseAsset(http: HttpClient, url: URL): Promise<ChosenRelease | undefined> {
  const [owner, repo, section, ...rest] = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (!owner || !repo || section === 'releases') return undefined;
  const tag = section === 'archive' ? rest.at(-1)!.replace(TARBALL_EXTENSION, '') : undefined;
  const api = `https://api.github.com/repos/${owner}/${repo}/releases?per_page=100`;
  const response = await http.get({ url: api, upstream: api, maxBytes: 16 * 1024 * 1024, headers: { accept: 'application/vnd.github+json' } }).catch((error: unknown) => {
    log.debug('no GitHub releases read', { url: api, error: errorMessage(error) });
    return undefined;
  });
  if (!response) return undefined;
  const parsed = z.array(GithubRelease).safeParse(JSON.parse(response.body.toString('utf8')));
  if (!parsed.success) return undefined;
  const releases = parsed.data.filter((release) => !release.draft && (tag ? release.tag_name === tag : !release.prerelease));
  for (const release of releases) {
    const assets = release.assets ?? [];
    const tarballs = assets.filter((asset) => parseArchiveName(asset.name) !== undefined);
    const signed = (asset: { name: string }) => assets.some((other) => ['.asc', '.sig', '.sign'].some((suffix) => other.name === `${asset.name}${suffix}`));
    const chosen = tarballs.find(signed) ?? tarballs[0];
    if (!chosen) continue;
    const signature = assets.find((other) => ['.asc', '.sig', '.sign'].some((suffix) => other.name === `${chosen.name}${suffix}`));
    return { tarballUrl: chosen.browser_download_url, signatureUrl: signature?.browser_download_url };
  }
  // A repository whose releases carry no files (xxHash, libcbor): the newest release's tag archive, the only tarball there is.
  const newest = tag ? undefined : releases[0];
  return newest ? { tarballUrl: `https://github.com/${owner}/${repo}/archive/refs/tags/${encodeURIComponent(newest.tag_name)}.tar.gz` } : undefined;
}

/** A tarball URL as given, or the newest one a download page links to. */
export async function chooseRelease(http: HttpClient, url: string, name?: string): Promise<ChosenRelease> {
  const parsed = new URL(url);
  if (parsed.hostname === 'github.com') {
    const asset = await githubReleaseAsset(http, parsed);
    if (asset) return asset;
  }
  if (isTarballName(fileOf(parsed))) {
    // A tarball in a listed folder may have its signature beside it; a folder that cannot be listed is fine.
    const folder = new URL('.', parsed).href;
    const links = parsed.hostname === 'github.com' ? [] : await pageLinks(http, folder).catch((error: unknown) => {
      log.debug('folder not listable', { url: folder, error: errorMessage(error) });
      return [] as URL[];
    });
    return { tarballUrl: parsed.href, signatureUrl: signatureBeside(links, parsed) };
  }
  const chosen = newestTarball(await pageLinks(http, url), name);
  if (!chosen) throw new UserError(`${url}: the page links to no release tarball${name ? ` named ${name}-VERSION` : ''}`, { hint: 'give the tarball URL itself, or --name' });
  return chosen;
}

/** Download into a fresh temporary folder and unpack there with the fetch stage's safety rules. */
export async function downloadAndUnpack(http: HttpClient, tarballUrl: string): Promise<{ dir: string; sha256: string; unpacked: UnpackResult }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'freshet-new-'));
  const file = path.join(dir, fileOf(new URL(tarballUrl)).replace(/[^A-Za-z0-9._+-]/g, '_'));
  const download = await http.download({ url: tarballUrl, upstream: tarballUrl, file });
  const unpacked = await unpackArchive(file, path.join(dir, 'tree'));
  return { dir, sha256: download.sha256, unpacked };
}
