import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { LRUCache } from 'lru-cache';

/**
 * dnf fetches `repodata/repomd.xml`, then `repodata/repomd.xml.asc` in a second request. A publish
 * that switches `repodata` between the two would pair the old repomd.xml with the new signature and
 * fail that client's refresh; no signature file can cover both, since gpg in batch mode reads only
 * the first signature (docs/rpm.md). The server knows which generation it sent repomd.xml from, so
 * it sends that client the signature of the same generation while the generation still exists (the
 * publisher keeps the one before the live one). Clients are told apart by address and User-Agent,
 * and remembered for a minute.
 *
 * Any caller can add clients (a new User-Agent is a new client), so the table is an LRU with a cap
 * and a TTL, and each key is a fixed-size hash, not a User-Agent of up to the header size limit.
 */
const TTL_MS = 60_000;
export const MAX_PINNED_CLIENTS = 10_000;

export class RepodataPins {
  private readonly pins: LRUCache<string, string>;

  constructor(options: { maxClients?: number; now?: () => number } = {}) {
    this.pins = new LRUCache({
      max: options.maxClients ?? MAX_PINNED_CLIENTS,
      ttl: TTL_MS,
      ttlResolution: 0,
      ...(options.now ? { perf: { now: options.now } } : {}),
    });
  }

  /** Clients remembered now (at most the cap). */
  get size(): number {
    return this.pins.size;
  }

  /** The file to send for a resolved path: the pinned generation's signature, or the file itself. */
  readonly select = (request: http.IncomingMessage, file: string): string => {
    const repodata = path.dirname(file);
    if (path.basename(repodata) !== 'repodata') return file;
    const name = path.basename(file);
    // .generations/<n>/repodata/repomd.xml: the repository is three levels up.
    const key = createHash('sha256')
      .update(`${request.socket.remoteAddress ?? ''}\0${request.headers['user-agent'] ?? ''}\0${path.resolve(repodata, '../../..')}`)
      .digest('base64');
    if (name === 'repomd.xml') {
      this.pins.set(key, repodata);
      return file;
    }
    if (name !== 'repomd.xml.asc') return file;
    const pinned = this.pins.get(key);
    if (!pinned || pinned === repodata) return file;
    const signature = path.join(pinned, name);
    return existsSync(signature) ? signature : file;
  };
}
