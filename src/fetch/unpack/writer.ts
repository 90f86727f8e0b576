import { chmodSync, closeSync, fchmodSync, linkSync, mkdirSync, openSync, symlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { UnsafeArchiveError, type CheckedEntry } from './policy.js';

/** A stream of file contents; tar and zip bodies both fit. */
interface Body {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  resume(): unknown;
}

/**
 * Writes checked entries into a fresh, empty folder. Files are created with O_EXCL (never
 * through an existing file or link); symlinks are made last, so no entry is ever written through
 * one; modes never carry setuid, setgid or sticky bits.
 */
export class TreeWriter {
  private readonly pending: Promise<void>[] = [];
  private readonly symlinks: CheckedEntry[] = [];
  private written = 0;

  constructor(
    private readonly root: string,
    private readonly archive: string,
    private readonly maxBytes: number,
  ) {}

  private target(entryPath: string): string {
    return path.join(this.root, ...entryPath.split('/'));
  }

  write(entry: CheckedEntry, body: Body | undefined): void {
    const target = this.target(entry.path);
    mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
    if (entry.kind === 'directory') {
      mkdirSync(target, { recursive: true, mode: entry.mode });
      chmodSync(target, entry.mode);
    } else if (entry.kind === 'symlink') {
      this.symlinks.push(entry);
    } else if (entry.kind === 'hardlink') {
      linkSync(this.target(entry.linkTarget!), target);
    } else {
      const writing = this.writeFile(target, entry, body);
      writing.catch(() => undefined); // Reported by finish(); not an unhandled rejection meanwhile.
      this.pending.push(writing);
      return;
    }
    body?.resume();
  }

  private writeFile(target: string, entry: CheckedEntry, body: Body | undefined): Promise<void> {
    const fd = openSync(target, 'wx', entry.mode);
    fchmodSync(fd, entry.mode);
    if (!body) {
      closeSync(fd);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      let size = 0;
      let failed = false;
      body.on('data', (chunk: Buffer) => {
        if (failed) return;
        size += chunk.length;
        this.written += chunk.length;
        if (size > entry.size || this.written > this.maxBytes) {
          failed = true;
          closeSync(fd);
          reject(new UnsafeArchiveError(this.archive, `${entry.path} has more data than its header says`));
          return;
        }
        writeSync(fd, chunk);
      });
      body.on('end', () => {
        if (failed) return;
        closeSync(fd);
        resolve();
      });
      body.on('error', (error) => {
        if (failed) return;
        failed = true;
        closeSync(fd);
        reject(error);
      });
    });
  }

  async finish(): Promise<void> {
    await Promise.all(this.pending);
    for (const link of this.symlinks) symlinkSync(link.linkTarget!, this.target(link.path));
  }
}
