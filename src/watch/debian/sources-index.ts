import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import { UpstreamError, errorMessage } from '../../core/errors.js';
import { runStreaming } from '../../core/exec.js';
import type { WatchContext } from '../types.js';
import { paragraphs } from './deb822.js';
import { verifiedInRelease, type ListedFile, type VerifiedRelease } from './inrelease.js';

/**
 * A suite's Sources index, reduced to what watch needs: per source package its versions, folder
 * and orig tarball. The stored copy is this reduced form (a few MB rather than the 40+ MB of
 * deb822), keyed by the index URL plus `#signed`, with the signed sha256 it was made from.
 */
export interface SourceEntry {
  version: string;
  directory: string;
  origFile: string | undefined;
  /** From Checksums-Sha256, under the signed InRelease: the only bytes fetch will accept. */
  origSha256: string | undefined;
  origSize: number | undefined;
}

export type SourcesIndex = Map<string, SourceEntry[]>;

export const DEFAULT_MIRROR = 'http://deb.debian.org/debian';

/**
 * The orig tarball (not an orig-component one) with its sha256 and size from Checksums-Sha256; one
 * listed only under Files (MD5) has no hash worth checking.
 */
function origTarball(fields: Map<string, string>): Pick<SourceEntry, 'origFile' | 'origSha256' | 'origSize'> {
  const isOrig = (name: string) => /\.orig\.tar\.(gz|xz|bz2|lzma|zst)$/.test(name);
  for (const line of (fields.get('checksums-sha256') ?? '').split('\n')) {
    const [hash, size, name] = line.trim().split(/\s+/);
    if (!name || !isOrig(name)) continue;
    const valid = /^[0-9a-f]{64}$/.test(hash ?? '') && /^\d+$/.test(size ?? '');
    return { origFile: name, origSha256: valid ? hash : undefined, origSize: valid ? Number(size) : undefined };
  }
  for (const line of (fields.get('files') ?? '').split('\n')) {
    const name = line.trim().split(/\s+/)[2];
    if (name && isOrig(name)) return { origFile: name, origSha256: undefined, origSize: undefined };
  }
  return { origFile: undefined, origSha256: undefined, origSize: undefined };
}

export function parseSources(text: string): SourcesIndex {
  const index: SourcesIndex = new Map();
  for (const fields of paragraphs(text)) {
    const name = fields.get('package');
    const version = fields.get('version');
    if (!name || !version) continue;
    const entry = { version, directory: fields.get('directory') ?? '', ...origTarball(fields) };
    index.set(name, [...(index.get(name) ?? []), entry]);
  }
  return index;
}

function serialize(index: SourcesIndex): Buffer {
  const lines: string[] = [];
  for (const [name, entries] of index) {
    for (const entry of entries) lines.push([name, entry.version, entry.directory, entry.origFile ?? '', entry.origSha256 ?? '', entry.origSize ?? ''].join('\t'));
  }
  return Buffer.from(lines.join('\n'));
}

function deserialize(body: Buffer): SourcesIndex {
  const index: SourcesIndex = new Map();
  for (const line of body.toString('utf8').split('\n')) {
    const [name, version, directory, origFile, origSha256, origSize] = line.split('\t');
    if (!name || !version) continue;
    const entry = { version, directory: directory ?? '', origFile: origFile || undefined, origSha256: origSha256 || undefined, origSize: origSize ? Number(origSize) : undefined };
    index.set(name, [...(index.get(name) ?? []), entry]);
  }
  return index;
}

/** Where a suite's index is, and the keyring its InRelease must be signed by. */
export interface IndexSource {
  mirror: string;
  suite: string;
  component: string;
  keyring: string;
}

type Compression = 'xz' | 'gz';

/** The compressed Sources the signed InRelease lists (xz preferred), and what it lists for the plain text. */
function listedIndex(release: VerifiedRelease, component: string): { file: string; compression: Compression; listed: ListedFile; plain: ListedFile | undefined } | undefined {
  const plain = release.files.get(`${component}/source/Sources`);
  for (const compression of ['xz', 'gz'] as const) {
    const file = `${component}/source/Sources.${compression}`;
    const listed = release.files.get(file);
    if (listed) return { file, compression, listed, plain };
  }
  return undefined;
}

/**
 * Decompress a verified index as a stream, stopping at `limit` bytes: a small file that inflates
 * without end (a bomb) costs at most that much memory. xz runs as the system's decompressor, gzip
 * in process.
 */
async function decompressCapped(file: string, compression: Compression, limit: number, upstream: string, url: string): Promise<Buffer> {
  const xz = compression === 'xz' ? runStreaming('xz', ['--decompress', '--stdout', '--threads=1'], { inputFile: file, timeoutMs: 300_000 }) : undefined;
  const stream = xz ? xz.stdout : createReadStream(file).pipe(createGunzip());
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw new UpstreamError(upstream, `${url}: decompresses to more than ${limit} bytes (the limit); refusing it`);
      chunks.push(chunk);
    }
    await xz?.done;
  } catch (error) {
    xz?.stop();
    await xz?.done.catch(() => undefined);
    if (error instanceof UpstreamError) throw error;
    throw new UpstreamError(upstream, `${url}: not a valid ${compression} file (${errorMessage(error)})`);
  }
  return Buffer.concat(chunks, size);
}

/**
 * An index is trusted only through its suite's InRelease, verified against the keyring: the
 * Sources file must have the size and sha256 the signed text lists before it is decompressed,
 * and its plain text the listed sha256 when InRelease lists one (Debian's and Ubuntu's do).
 * The stored reduced copy is reused while the signed sha256 is unchanged (Debian's mirrors send
 * no validators, so that is the cheap way to learn nothing changed).
 */
async function loadIndex(ctx: WatchContext, source: IndexSource, upstream: string): Promise<SourcesIndex | null> {
  const mirror = source.mirror.replace(/\/$/, '');
  const release = await verifiedInRelease(ctx, mirror, source.suite, source.keyring, upstream);
  if (!release) return null;
  const index = listedIndex(release, source.component);
  if (!index) throw new UpstreamError(upstream, `${release.url}: lists no ${source.component}/source/Sources.xz or Sources.gz; refusing an index it does not sign`);
  const url = `${mirror}/dists/${source.suite}/${index.file}`;
  const reducedKey = `${url}#signed`;
  const signedTag = `sha256:${index.listed.sha256}`;
  const cached = ctx.cache.get(reducedKey);
  if (cached?.etag === signedTag) return deserialize(cached.body);
  const work = await mkdtemp(path.join(os.tmpdir(), 'freshet-sources-'));
  try {
    const download = await ctx.http.download({ url, upstream, file: path.join(work, path.basename(index.file)), maxBytes: index.listed.size });
    if (download.size !== index.listed.size || download.sha256 !== index.listed.sha256) {
      throw new UpstreamError(
        upstream,
        `${url}: sha256 ${download.sha256} (${download.size} bytes) is not the ${index.listed.sha256} (${index.listed.size} bytes) that the signed InRelease lists (mirror mid-update, or tampered); refusing it`,
      );
    }
    const limit = Math.min(index.plain?.size ?? Number.POSITIVE_INFINITY, ctx.http.policy.maxBytes);
    const plain = await decompressCapped(download.file, index.compression, limit, upstream, url);
    if (index.plain && createHash('sha256').update(plain).digest('hex') !== index.plain.sha256) {
      throw new UpstreamError(upstream, `${url}: decompressed text does not match the sha256 that the signed InRelease lists for ${source.component}/source/Sources; refusing it`);
    }
    const parsed = parseSources(plain.toString('utf8'));
    if (parsed.size === 0) throw new UpstreamError(upstream, `${url}: no source packages in the index`);
    ctx.cache.set(reducedKey, { etag: signedTag, body: serialize(parsed) });
    return parsed;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** One verification, download and parse per index and run, shared by every recipe; null when the suite has no InRelease. */
export function sourcesIndex(ctx: WatchContext, source: IndexSource): Promise<SourcesIndex | null> {
  const key = `${source.mirror.replace(/\/$/, '')}/dists/${source.suite}/${source.component}/source#${source.keyring}`;
  let pending = ctx.memo.get(key) as Promise<SourcesIndex | null> | undefined;
  if (!pending) {
    pending = loadIndex(ctx, source, `Sources index ${source.suite}/${source.component}`);
    ctx.memo.set(key, pending);
  }
  return pending;
}
