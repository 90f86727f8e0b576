import { createHash } from 'node:crypto';
import { xz } from '@napi-rs/lzma';
import { UpstreamError } from '../../core/errors.js';
import { fetchCached } from '../fetch-json.js';
import type { WatchContext } from '../types.js';

/**
 * A suite's Sources index, reduced to what watch needs: per source package its versions, folder
 * and orig tarball. The stored copy is this reduced form (a few MB rather than the 40+ MB of
 * deb822), keyed by the index URL plus `#reduced`.
 */
export interface SourceEntry {
  version: string;
  directory: string;
  origFile: string | undefined;
  origSha256: string | undefined;
}

export type SourcesIndex = Map<string, SourceEntry[]>;

export const DEFAULT_MIRROR = 'http://deb.debian.org/debian';

/** deb822 paragraphs, read permissively: unknown fields and odd spacing are fine. */
export function* paragraphs(text: string): Generator<Map<string, string>> {
  for (const block of text.split(/\n[ \t]*\n/)) {
    const fields = new Map<string, string>();
    let current: string | undefined;
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      if ((line.startsWith(' ') || line.startsWith('\t')) && current) {
        fields.set(current, `${fields.get(current)}\n${line.trim()}`);
        continue;
      }
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      current = line.slice(0, colon).trim().toLowerCase();
      fields.set(current, line.slice(colon + 1).trim());
    }
    if (fields.size > 0) yield fields;
  }
}

/** The orig tarball (not an orig-component one) and its sha256, from Checksums-Sha256 or Files. */
function origTarball(fields: Map<string, string>): { file: string; sha256: string | undefined } | undefined {
  const isOrig = (name: string) => /\.orig\.tar\.(gz|xz|bz2|lzma|zst)$/.test(name);
  for (const line of (fields.get('checksums-sha256') ?? '').split('\n')) {
    const [hash, , name] = line.trim().split(/\s+/);
    if (name && isOrig(name)) return { file: name, sha256: hash };
  }
  for (const line of (fields.get('files') ?? '').split('\n')) {
    const name = line.trim().split(/\s+/)[2];
    if (name && isOrig(name)) return { file: name, sha256: undefined };
  }
  return undefined;
}

export function parseSources(text: string): SourcesIndex {
  const index: SourcesIndex = new Map();
  for (const fields of paragraphs(text)) {
    const name = fields.get('package');
    const version = fields.get('version');
    if (!name || !version) continue;
    const orig = origTarball(fields);
    const entry = { version, directory: fields.get('directory') ?? '', origFile: orig?.file, origSha256: orig?.sha256 };
    index.set(name, [...(index.get(name) ?? []), entry]);
  }
  return index;
}

function serialize(index: SourcesIndex): Buffer {
  const lines: string[] = [];
  for (const [name, entries] of index) {
    for (const entry of entries) lines.push([name, entry.version, entry.directory, entry.origFile ?? '', entry.origSha256 ?? ''].join('\t'));
  }
  return Buffer.from(lines.join('\n'));
}

function deserialize(body: Buffer): SourcesIndex {
  const index: SourcesIndex = new Map();
  for (const line of body.toString('utf8').split('\n')) {
    const [name, version, directory, origFile, origSha256] = line.split('\t');
    if (!name || !version) continue;
    const entry = { version, directory: directory ?? '', origFile: origFile || undefined, origSha256: origSha256 || undefined };
    index.set(name, [...(index.get(name) ?? []), entry]);
  }
  return index;
}

export function sourcesUrl(mirror: string, suite: string, component: string): string {
  return `${mirror.replace(/\/$/, '')}/dists/${suite}/${component}/source/Sources.xz`;
}

/** The sha256 InRelease lists for a file of the suite, or undefined when there is no InRelease. */
async function listedSha256(ctx: WatchContext, mirror: string, suite: string, file: string, upstream: string): Promise<string | undefined> {
  const inRelease = await fetchCached(ctx, `${mirror.replace(/\/$/, '')}/dists/${suite}/InRelease`, { upstream });
  if (!inRelease) return undefined;
  const text = inRelease.body.toString('utf8');
  const section = text.slice(text.indexOf('\nSHA256:'));
  const line = section.split('\n').find((candidate) => candidate.trim().split(/\s+/)[2] === file);
  return line?.trim().split(/\s+/)[0];
}

/**
 * Debian's mirrors send no validators, so a run first reads the suite's InRelease (~200 kB) and
 * reuses the stored index when its listed sha256 is unchanged; the download is checked against it.
 * (The signature is not verified here: this only tells what a distribution ships.) Without an
 * InRelease, plain conditional requests are used.
 */
async function loadIndex(ctx: WatchContext, mirror: string, suite: string, component: string, upstream: string): Promise<SourcesIndex | null> {
  const url = sourcesUrl(mirror, suite, component);
  const reducedKey = `${url}#reduced`;
  const cached = ctx.cache.get(reducedKey);
  const listed = await listedSha256(ctx, mirror, suite, `${component}/source/Sources.xz`, upstream);
  if (listed && cached?.etag === `sha256:${listed}`) return deserialize(cached.body);
  const validators = listed ? {} : { etag: cached?.etag, lastModified: cached?.lastModified };
  const response = await ctx.http.get({ url, upstream, ...validators }).catch((error: unknown) => {
    if (error instanceof UpstreamError && error.status === 404) return null;
    throw error;
  });
  if (!response) return null;
  if (response.notModified && cached) return deserialize(cached.body);
  if (listed && createHash('sha256').update(response.body).digest('hex') !== listed) {
    throw new UpstreamError(upstream, `${url}: does not match the sha256 listed in InRelease (mirror mid-update?)`);
  }
  let text: string;
  try {
    text = (await xz.decompress(response.body)).toString('utf8');
  } catch (error) {
    throw new UpstreamError(upstream, `${url}: not a valid xz file (${(error as Error).message})`);
  }
  const index = parseSources(text);
  if (index.size === 0) throw new UpstreamError(upstream, `${url}: no source packages in the index`);
  const etag = listed ? `sha256:${listed}` : response.headers.etag;
  const lastModified = listed ? undefined : response.headers['last-modified'];
  if (etag || lastModified) ctx.cache.set(reducedKey, { etag, lastModified, body: serialize(index) });
  return index;
}

/** One download and parse per index and run, shared by every recipe; null when the suite has no such index. */
export function sourcesIndex(ctx: WatchContext, mirror: string, suite: string, component = 'main'): Promise<SourcesIndex | null> {
  const url = sourcesUrl(mirror, suite, component);
  let pending = ctx.memo.get(url) as Promise<SourcesIndex | null> | undefined;
  if (!pending) {
    pending = loadIndex(ctx, mirror, suite, component, `Sources index ${suite}/${component}`);
    ctx.memo.set(url, pending);
  }
  return pending;
}
