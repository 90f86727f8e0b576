import type { z } from 'zod';
import { UpstreamError } from '../core/errors.js';
import type { Bearer, HttpResponse } from '../net/http.js';
import type { WatchContext } from './types.js';

/** Answers bigger than this are not kept for conditional requests (a huge npm packument). */
const MAX_CACHED_BYTES = 4 * 1024 * 1024;

export interface Fetched {
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * GET with the state's validators: a 304 answers from the stored body, so an unchanged upstream
 * costs one small round trip. Returns null on 404 (the caller decides what "missing" means).
 */
export async function fetchCached(
  ctx: WatchContext,
  url: string,
  options: { headers?: Record<string, string>; bearer?: Bearer; upstream?: string; cacheKey?: string; maxBytes?: number } = {},
): Promise<Fetched | null> {
  const key = options.cacheKey ?? url;
  const cached = ctx.cache.get(key);
  let response: HttpResponse;
  try {
    response = await ctx.http.get({
      url,
      upstream: options.upstream ?? ctx.recipe,
      headers: options.headers,
      bearer: options.bearer,
      maxBytes: options.maxBytes,
      etag: cached?.etag,
      lastModified: cached?.lastModified,
    });
  } catch (error) {
    if (error instanceof UpstreamError && error.status === 404) return null;
    throw error;
  }
  if (response.notModified && cached) return { url: response.url, headers: response.headers, body: cached.body };
  const etag = response.headers.etag;
  const lastModified = response.headers['last-modified'];
  if ((etag || lastModified) && response.body.length <= MAX_CACHED_BYTES) {
    ctx.cache.set(key, { etag, lastModified, body: response.body });
  }
  return { url: response.url, headers: response.headers, body: response.body };
}

/** Parse a JSON answer permissively (only the fields we use); HTML or a cut-off body is an UpstreamError. */
export function parseJson<T>(fetched: Fetched, schema: z.ZodType<T>, upstream: string): T {
  let data: unknown;
  try {
    data = JSON.parse(fetched.body.toString('utf8'));
  } catch (error) {
    const type = fetched.headers['content-type'] ?? 'no content type';
    const start = fetched.body.subarray(0, 40).toString('utf8').replace(/\s+/g, ' ');
    throw new UpstreamError(upstream, `${fetched.url}: expected JSON, got ${type} starting ${JSON.stringify(start)} (${(error as Error).message})`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UpstreamError(upstream, `${fetched.url}: unexpected answer: ${issue?.path.join('.') || '(top)'}: ${issue?.message}`);
  }
  return parsed.data;
}

/** The `rel="next"` target of a Link header (GitHub, GitLab pagination). */
export function nextLink(headers: Record<string, string>): string | undefined {
  const link = headers.link;
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;(.*)/.exec(part.trim());
    if (match && /\brel="?next"?/.test(match[2]!)) return match[1];
  }
  return undefined;
}
