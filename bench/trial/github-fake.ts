import { readdirSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createStaticHandler, listen, parseListen } from '../../src/serve/static.js';

/**
 * api.github.com and github.com on loopback, from what a mirror folder holds under
 * github.com/OWNER/REPO/: `GET /repos/OWNER/REPO/releases` and `/tags` answer in the API's own JSON
 * shape (each `releases/download/TAG/FILE` is an asset of release TAG; a repository with only
 * `archive/refs/tags/TAG.tar.gz` has releases without assets, as xxHash and libcbor publish them);
 * `/OWNER/REPO/tags` is the tags page linking each tag's archive; anything else is the mirror's file.
 * Asset and archive URLs are github.com's real ones: point the config's rewrites of both
 * https://api.github.com/ and https://github.com/ here.
 */
export function githubReleasesHandler(mirrorRoot: string): (request: IncomingMessage, response: ServerResponse) => void {
  const files = createStaticHandler({ root: path.join(mirrorRoot, 'github.com'), listings: false });
  return (request, response) => {
    const url = new URL(request.url ?? '/', 'http://api.github.invalid');
    const page = /^\/([\w.-]+)\/([\w.-]+)\/tags$/.exec(url.pathname);
    if (page && page[1] !== 'repos' && isDir(path.join(mirrorRoot, 'github.com', page[1]!, page[2]!))) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(tagsPage(path.join(mirrorRoot, 'github.com', page[1]!, page[2]!), page[1]!, page[2]!));
      return;
    }
    const match = /^(?:\/api)?\/repos\/([\w.-]+)\/([\w.-]+)\/(releases|tags)$/.exec(url.pathname);
    if (!match) {
      files(request, response);
      return;
    }
    const repoDir = path.join(mirrorRoot, 'github.com', match[1]!, match[2]!);
    if (!isDir(repoDir)) {
      response.writeHead(404, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' }));
      return;
    }
    const [, owner, repo, what] = match;
    const body = what === 'tags' ? tagsOf(repoDir, owner!, repo!) : releasesOf(repoDir, owner!, repo!);
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'x-github-api-version-selected': '2022-11-28' }).end(JSON.stringify(body, null, 2));
  };
}

const isDir = (dir: string) => statSync(dir, { throwIfNoEntry: false })?.isDirectory() ?? false;
const list = (dir: string) => (isDir(dir) ? readdirSync(dir).sort() : []);
/** Tags named in the mirror, newest first as GitHub lists them (by version, for this fake). */
function tagNames(repoDir: string): string[] {
  const released = list(path.join(repoDir, 'releases', 'download'));
  const archived = list(path.join(repoDir, 'archive', 'refs', 'tags')).map((file) => file.replace(/\.(tar\.gz|zip)$/, ''));
  return [...new Set([...released, ...archived])].sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
}

/** The tags page as github.com renders its links: each tag's .zip and .tar.gz archive, newest first. */
function tagsPage(repoDir: string, owner: string, repo: string): string {
  const rows = tagNames(repoDir).map(
    (tag) =>
      `<div class="Box-row"><h2 class="f4 d-inline"><a href="/${owner}/${repo}/releases/tag/${tag}" class="Link--primary">${tag}</a></h2>\n` +
      `<a class="Link--muted" href="/${owner}/${repo}/archive/refs/tags/${tag}.zip" rel="nofollow">zip</a>\n` +
      `<a class="Link--muted" href="/${owner}/${repo}/archive/refs/tags/${tag}.tar.gz" rel="nofollow">tar.gz</a></div>`,
  );
  return `<!DOCTYPE html>\n<html lang="en"><head><title>Tags · ${owner}/${repo} · GitHub</title></head><body>\n${rows.join('\n')}\n</body></html>\n`;
}

function tagsOf(repoDir: string, owner: string, repo: string) {
  return tagNames(repoDir).map((tag) => ({
    name: tag,
    zipball_url: `https://api.github.com/repos/${owner}/${repo}/zipball/refs/tags/${tag}`,
    tarball_url: `https://api.github.com/repos/${owner}/${repo}/tarball/refs/tags/${tag}`,
    commit: { sha: '0'.repeat(40), url: `https://api.github.com/repos/${owner}/${repo}/commits/${'0'.repeat(40)}` },
    node_id: `REF_${tag}`,
  }));
}

function releasesOf(repoDir: string, owner: string, repo: string) {
  const api = `https://api.github.com/repos/${owner}/${repo}`;
  return tagNames(repoDir).map((tag, index) => {
    const id = 1000 + index;
    const assetDir = path.join(repoDir, 'releases', 'download', tag);
    const published = statSync(isDir(assetDir) ? assetDir : repoDir).mtime.toISOString().replace(/\.\d+Z$/, 'Z');
    return {
      url: `${api}/releases/${id}`,
      assets_url: `${api}/releases/${id}/assets`,
      upload_url: `https://uploads.github.com/repos/${owner}/${repo}/releases/${id}/assets{?name,label}`,
      html_url: `https://github.com/${owner}/${repo}/releases/tag/${tag}`,
      id,
      author: { login: owner, id: 1, type: 'User', site_admin: false },
      node_id: `RE_${id}`,
      tag_name: tag,
      target_commitish: 'master',
      name: tag,
      draft: false,
      immutable: false,
      prerelease: false,
      created_at: published,
      updated_at: published,
      published_at: published,
      assets: list(assetDir).map((file, assetIndex) => ({
        url: `${api}/releases/assets/${id * 100 + assetIndex}`,
        id: id * 100 + assetIndex,
        node_id: `RA_${id * 100 + assetIndex}`,
        name: file,
        label: '',
        uploader: { login: owner, id: 1, type: 'User', site_admin: false },
        content_type: /\.(sig|asc)$/.test(file) ? 'application/pgp-signature' : /\.xz$/.test(file) ? 'application/x-xz' : 'application/gzip',
        state: 'uploaded',
        size: statSync(path.join(assetDir, file)).size,
        digest: null,
        download_count: 0,
        created_at: published,
        updated_at: published,
        browser_download_url: `https://github.com/${owner}/${repo}/releases/download/${tag}/${file}`,
      })),
      tarball_url: `${api}/tarball/${tag}`,
      zipball_url: `${api}/zipball/${tag}`,
      body: '',
    };
  });
}

// node dist/.bench/bench/trial/github-fake.js [mirror-dir] [host:port]
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { host, port } = parseListen(process.argv[3] ?? '127.0.0.1:8782');
  const server = await listen(githubReleasesHandler(path.resolve(process.argv[2] ?? 'var/mirror')), host, port);
  console.log(`api.github.com fake on ${server.url}`);
}
