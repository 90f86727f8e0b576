import { existsSync } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';

/**
 * dnf fetches `repodata/repomd.xml`, then `repodata/repomd.xml.asc` in a second request. A publish
 * that switches `repodata` between the two would pair the old repomd.xml with the new signature and
 * fail that client's refresh; no signature file can cover both, since gpg in batch mode reads only
 * the first signature (docs/rpm.md). The server knows which generation it sent repomd.xml from, so
 * it sends that client the signature of the same generation while the generation still exists (the
 * publisher keeps the one before the live one). Clients are told apart by address and User-Agent,
 * and remembered for a minute.
 */
const TTL_MS = 60_000;
const MAX_CLIENTS = 10_000;

interface Pin {
  repodata: string;
  at: number;
}

export class RepodataPins {
  private readonly pins = new Map<string, Pin>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The file to send for a resolved path: the pinned generation's signature, or the file itself. */
  readonly select = (request: http.IncomingMessage, file: string): string => {
    const repodata = path.dirname(file);
    if (path.basename(repodata) !== 'repodata') return file;
    const name = path.basename(file);
    // .generations/<n>/repodata/repomd.xml: the repository is three levels up.
    const key = `${request.socket.remoteAddress ?? ''}\0${request.headers['user-agent'] ?? ''}\0${path.resolve(repodata, '../../..')}`;
    if (name === 'repomd.xml') {
      this.remember(key, repodata);
      return file;
    }
    if (name !== 'repomd.xml.asc') return file;
    const pin = this.pins.get(key);
    if (!pin || this.now() - pin.at > TTL_MS || pin.repodata === repodata) return file;
    const pinned = path.join(pin.repodata, name);
    return existsSync(pinned) ? pinned : file;
  };

  private remember(key: string, repodata: string): void {
    this.pins.delete(key);
    this.pins.set(key, { repodata, at: this.now() });
    // A Map iterates in insertion order: the first key is the least recently seen client.
    if (this.pins.size > MAX_CLIENTS) this.pins.delete(this.pins.keys().next().value!);
  }
}
