import { writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { UpstreamError, UserError } from '../core/errors.js';
import { log } from '../core/log.js';
import type { HttpClient } from '../net/http.js';
import type { Upstream } from '../recipe/schema.js';
import type { FetchedRelease, Release } from '../types.js';
import { TarballCache, sha256File, type CacheRecord } from './cache.js';
import { findChecksum, parseChecksumFile } from './checksum-file.js';
import { armorSignature } from './armor.js';
import { recipeKeyFiles, verifyDetachedSignature } from './openpgp.js';

/** The verification parts of a recipe's upstream section. */
export type UpstreamVerification = Pick<Upstream, 'signature' | 'checksumFile' | 'sha256' | 'sha512'>;

export interface FetchOptions {
  http: HttpClient;
  cacheDir: string;
  /** recipes/<name>/: where the signing key(s) named by the recipe live. */
  recipeFilesDir: string;
  /** The hash state recorded the first time this version was seen. */
  knownSha256?: string;
}

export class ReservedError extends UserError {
  constructor(release: Release, known: string, got: string) {
    super(
      `${release.recipe}: upstream re-served version ${release.upstreamVersion} with different bytes ` +
        `(first seen as sha256 ${known}, now ${got}, from ${release.url}); refusing it`,
      { hint: 'a release that changes after publication needs a human look; if upstream re-rolled it on purpose, run freshet forget <recipe> <version> (docs/upstreams.md)' },
    );
    this.name = 'ReservedError';
  }
}

function fillTemplate(template: string, release: Release): string {
  return template.replaceAll('{url}', release.url).replaceAll('{version}', release.upstreamVersion).replaceAll('{name}', release.recipe);
}

function tarballName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.split('/').pop() || 'tarball');
}

interface Verified {
  verifiedBy: string[];
  /** The upstream signature as verified, ASCII-armored, when the recipe declares one. */
  signature: Buffer | undefined;
}

async function verify(
  release: Release,
  upstream: UpstreamVerification,
  download: { file: string; sha256: string; sha512: string },
  options: FetchOptions,
): Promise<Verified> {
  const verifiedBy: string[] = [];
  const version = release.upstreamVersion;
  const fail = (message: string) => new UpstreamError(release.recipe, `${release.url}: ${message}`);
  const pinned256 = upstream.sha256?.[version];
  if (pinned256) {
    if (pinned256 !== download.sha256) throw fail(`sha256 is ${download.sha256}, the recipe pins ${pinned256}`);
    verifiedBy.push('sha256-pinned');
  }
  const pinned512 = upstream.sha512?.[version];
  if (pinned512) {
    if (pinned512 !== download.sha512) throw fail(`sha512 is ${download.sha512}, the recipe pins ${pinned512}`);
    verifiedBy.push('sha512-pinned');
  }
  const checksumUrl = release.checksumUrl ?? (upstream.checksumFile ? fillTemplate(upstream.checksumFile.url, release) : undefined);
  if (checksumUrl && upstream.checksumFile) {
    const algorithm = upstream.checksumFile.algorithm;
    const response = await options.http.get({ url: checksumUrl, upstream: release.recipe, maxBytes: 1024 * 1024 });
    const listed = findChecksum(parseChecksumFile(response.body.toString('utf8')), tarballName(release.url), algorithm);
    if (!listed) throw fail(`${checksumUrl} does not list ${tarballName(release.url)}`);
    const actual = algorithm === 'sha256' ? download.sha256 : download.sha512;
    if (listed !== actual) throw fail(`${algorithm} is ${actual}, but ${checksumUrl} lists ${listed}`);
    verifiedBy.push('checksum-file');
  }
  let signature: Buffer | undefined;
  if (upstream.signature) {
    const signatureUrl = release.signatureUrl ?? fillTemplate(upstream.signature.url, release);
    const signatureFile = `${download.file}.asc`;
    const response = await options.http.get({ url: signatureUrl, upstream: release.recipe, maxBytes: 256 * 1024 }).catch((error: unknown) => {
      throw new UpstreamError(release.recipe, `the recipe declares a signing key, but the signature ${signatureUrl} could not be fetched: ${(error as Error).message}`);
    });
    signature = await armorSignature(release.recipe, tarballName(release.url), response.body);
    writeFileSync(signatureFile, signature);
    try {
      const fingerprint = await verifyDetachedSignature({
        upstream: release.recipe,
        data: download.file,
        signature: signatureFile,
        label: tarballName(release.url),
        keyFiles: recipeKeyFiles(options.recipeFilesDir, upstream.signature.key),
      });
      verifiedBy.push(`openpgp:${fingerprint}`);
    } finally {
      await rm(signatureFile, { force: true });
    }
  }
  if (options.knownSha256) verifiedBy.push('sha256-recorded');
  return { verifiedBy, signature };
}

/**
 * Download a release into the content-addressed cache and verify it: pinned hashes, the
 * upstream's checksum file, its OpenPGP signature, and the hash recorded when this version was
 * first seen. Only verified bytes are stored; a failed check leaves nothing behind.
 */
export async function fetchRelease(release: Release, upstream: UpstreamVerification, options: FetchOptions): Promise<FetchedRelease> {
  const cache = new TarballCache(options.cacheDir);
  const cached = cache.lookup(release.recipe, release.upstreamVersion);
  // An entry cached before signatures were kept has none to ship: fetch and verify it again, and
  // build from the cache without it if the upstream cannot be reached.
  if (cached && (cached.signatureSha256 || !upstream.signature)) return fromCache(cache, cached, release, upstream, options);
  try {
    return await download(cache, release, upstream, options);
  } catch (error) {
    if (!cached || !(error instanceof UpstreamError)) throw error;
    log.warn('building from the cached tarball without its upstream signature: the upstream could not be reached', { recipe: release.recipe, error: error.message });
    return fromCache(cache, cached, release, upstream, options);
  }
}

async function fromCache(cache: TarballCache, cached: CacheRecord, release: Release, upstream: UpstreamVerification, options: FetchOptions): Promise<FetchedRelease> {
  const actual = await sha256File(cache.blobPath(cached.sha256));
  if (actual !== cached.sha256) throw new UserError(`${cache.blobPath(cached.sha256)}: cached tarball is corrupt (sha256 ${actual}); delete it`);
  if (options.knownSha256 && options.knownSha256 !== cached.sha256) throw new ReservedError(release, options.knownSha256, cached.sha256);
  const pinned = upstream.sha256?.[release.upstreamVersion];
  if (pinned && pinned !== cached.sha256) {
    throw new UpstreamError(release.recipe, `cached ${release.upstreamVersion} has sha256 ${cached.sha256}, the recipe pins ${pinned}`);
  }
  const signature = cached.signatureSha256 && cache.blobPath(cached.signatureSha256);
  if (signature && cached.signatureSha256 !== (await sha256File(signature))) throw new UserError(`${signature}: cached upstream signature is corrupt; delete it`);
  log.debug('tarball cached', { recipe: release.recipe, version: release.upstreamVersion, sha256: cached.sha256 });
  return { ...release, sha256: cached.sha256, size: cached.size, tarball: cache.blobPath(cached.sha256), signature, verifiedBy: cached.verifiedBy };
}

async function download(cache: TarballCache, release: Release, upstream: UpstreamVerification, options: FetchOptions): Promise<FetchedRelease> {
  const incoming = cache.incomingFile(tarballName(release.url));
  try {
    const download = await options.http.download({ url: release.url, upstream: release.recipe, file: incoming });
    if (options.knownSha256 && options.knownSha256 !== download.sha256) throw new ReservedError(release, options.knownSha256, download.sha256);
    const { verifiedBy, signature } = await verify(release, upstream, { file: incoming, sha256: download.sha256, sha512: download.sha512 }, options);
    if (verifiedBy.length === 0) log.warn('tarball not verified: the recipe declares no signature, checksum file or pinned hash', { recipe: release.recipe });
    const stored = cache.store(release.recipe, release.upstreamVersion, incoming, { url: release.url, sha256: download.sha256, size: download.size, verifiedBy }, signature);
    log.info('tarball fetched', { recipe: release.recipe, version: release.upstreamVersion, sha256: download.sha256, verifiedBy: verifiedBy.join(',') });
    return { ...release, sha256: download.sha256, size: download.size, tarball: stored.tarball, signature: stored.signature, verifiedBy };
  } finally {
    await rm(incoming, { force: true });
  }
}
