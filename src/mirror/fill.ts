import { existsSync, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import PQueue from 'p-queue';
import { UpstreamError } from '../core/errors.js';
import { log } from '../core/log.js';
import { sha256File } from '../fetch/cache.js';
import { hostKey } from '../net/address.js';
import { HttpClient } from '../net/http.js';
import type { MirrorFile } from './manifest.js';

export const DEBIAN_MIRROR = 'http://deb.debian.org/debian';

export interface FillResult {
  path: string;
  status: 'present' | 'downloaded';
}

/**
 * Download the manifest's files from Debian's pool into `dir/<path>` and check each sha256.
 * Files already there with the right hash are kept; a wrong one is replaced.
 */
export async function fillMirror(
  dir: string,
  files: ReadonlyArray<MirrorFile & { upstream: string }>,
  options: { debianMirror?: string; http?: HttpClient } = {},
): Promise<FillResult[]> {
  const base = (options.debianMirror ?? DEBIAN_MIRROR).replace(/\/$/, '');
  // The one Debian mirror named here, whatever its address resolves to (some build networks
  // answer with a private or documentation-range proxy); every file's sha256 is pinned.
  const allowHosts = [hostKey(new URL(base))];
  const http = options.http ?? new HttpClient({ allowHosts, rewrites: [], timeoutMs: 300_000, maxBytes: 256 * 1024 * 1024, perHost: 4 });
  const queue = new PQueue({ concurrency: 4 });
  try {
    return await Promise.all(
      files.map((file) =>
        queue.add(async (): Promise<FillResult> => {
          const target = path.join(dir, ...file.path.split('/'));
          if (existsSync(target) && (await sha256File(target)) === file.sha256) return { path: file.path, status: 'present' };
          mkdirSync(path.dirname(target), { recursive: true });
          const download = await http.download({ url: `${base}/${file.pool}`, upstream: file.upstream, file: target });
          if (download.sha256 !== file.sha256) {
            await rm(target, { force: true });
            throw new UpstreamError(file.upstream, `${base}/${file.pool}: sha256 is ${download.sha256}, the manifest says ${file.sha256}`);
          }
          log.info('mirror file downloaded', { path: file.path, size: download.size });
          return { path: file.path, status: 'downloaded' };
        }, { throwOnTimeout: true }),
      ),
    );
  } finally {
    if (!options.http) http.close();
  }
}
