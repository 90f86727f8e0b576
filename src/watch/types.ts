import type { z } from 'zod';
import type { Bearer, HttpClient } from '../net/http.js';

/** A release as an upstream lists it, before freshet normalizes, mangles and filters it. */
export interface UpstreamRelease {
  /** The version exactly as upstream spells it (untrusted). */
  version: string;
  /** The release tarball. */
  url: string;
  signatureUrl?: string;
  checksumUrl?: string;
  /** A hash upstream publishes beside the file (PyPI digests, Debian Checksums-Sha256): a hint for fetch. */
  sha256?: string;
  /**
   * The tarball's hash and size as a signed index lists them (Debian's Checksums-Sha256 under a
   * verified InRelease): recorded with the release, so fetch refuses any other bytes.
   */
  signedHash?: { sha256: string; size: number };
  publishedAt?: string;
  /** Upstream itself marks it as a pre-release (GitHub, GitLab upcoming releases). */
  prerelease?: boolean;
}

/** Stored validators and body of an earlier answer, for conditional requests. */
export interface CachedAnswer {
  etag?: string;
  lastModified?: string;
  body: Buffer;
}

export interface HttpValidatorCache {
  get(url: string): CachedAnswer | undefined;
  set(url: string, entry: CachedAnswer): void;
}

export interface WatchContext {
  http: HttpClient;
  /** The recipe being checked: the name errors carry. */
  recipe: string;
  cache: HttpValidatorCache;
  /** Forge tokens, each with the API origin it may be sent to. */
  tokens: { github?: Bearer; gitlab?: Bearer };
  /** Work shared by all recipes of one run (a suite's parsed Sources index). */
  memo: Map<string, Promise<unknown>>;
}

/**
 * One kind of upstream. `getReleases` returns null when the project itself does not exist (404),
 * and throws UpstreamError when the upstream cannot be asked (timeout, 429, 5xx, a body that is
 * not what the API promises): a host that is down is never "no new release".
 */
export interface UpstreamSource<U extends { kind: string }> {
  kind: U['kind'];
  schema: z.ZodType<U>;
  /** One line naming the upstream in messages: `github:owner/name`. */
  describe(upstream: U): string;
  getReleases(upstream: U, ctx: WatchContext): Promise<UpstreamRelease[] | null>;
}
