import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Parser, type ReadEntry } from 'tar';
import { runStreaming } from '../../core/exec.js';
import { UnsafeArchiveError, type RawEntry } from './policy.js';

export type ArchiveFormat = 'tar' | 'tar.gz' | 'tar.xz' | 'tar.bz2' | 'tar.zst' | 'zip';

/** The format from the first bytes, not the name: a `.tar.gz` that is really xz still unpacks safely. */
export async function sniffFormat(archive: string): Promise<ArchiveFormat> {
  const handle = await open(archive, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await handle.read(head, 0, 512, 0);
    const starts = (...bytes: number[]) => bytes.every((byte, index) => head[index] === byte);
    if (starts(0x1f, 0x8b)) return 'tar.gz';
    if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'tar.xz';
    if (starts(0x42, 0x5a, 0x68)) return 'tar.bz2';
    if (starts(0x28, 0xb5, 0x2f, 0xfd)) return 'tar.zst';
    if (starts(0x50, 0x4b, 0x03, 0x04) || starts(0x50, 0x4b, 0x05, 0x06)) return 'zip';
    if (bytesRead >= 262 && head.toString('latin1', 257, 262) === 'ustar') return 'tar';
    throw new UnsafeArchiveError(archive, 'not a tar (plain, gzip, xz, bzip2, zstd) or zip archive');
  } finally {
    await handle.close();
  }
}

const decompressors: Partial<Record<ArchiveFormat, [string, string[]]>> = {
  'tar.xz': ['xz', ['-dc']],
  'tar.bz2': ['bzip2', ['-dc']],
  'tar.zst': ['zstd', ['-dc']],
};

/** Called for every entry with its body stream; throw to stop reading. The body must be consumed or resumed. */
export type TarVisitor = (raw: RawEntry, body: ReadEntry) => void;

function toRaw(entry: ReadEntry): RawEntry {
  return {
    path: entry.path,
    type: entry.type,
    size: entry.size ?? 0,
    mode: entry.mode ?? 0o644,
    linkTarget: entry.linkpath,
  };
}

/**
 * Read a tar stream entry by entry. gzip is decoded by node-tar itself; xz, bzip2 and zstd by the
 * system's decompressors, whose output is read as it comes, so memory stays bounded and a bomb
 * is cut off as soon as a limit is crossed (the decompressor is stopped).
 */
export function walkTar(archive: string, format: ArchiveFormat, visit: TarVisitor): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let failed = false;
    const decompressor = decompressors[format];
    const child = decompressor ? runStreaming(decompressor[0], decompressor[1], { inputFile: archive }) : undefined;
    const source = (child ? child.stdout : createReadStream(archive)) as Readable;
    const parser = new Parser({
      strict: true,
      noResume: true,
      onReadEntry: (entry) => {
        if (failed) return entry.resume();
        try {
          visit(toRaw(entry), entry);
        } catch (error) {
          fail(error);
          entry.resume();
        }
      },
    });
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      child?.stop();
      source.unpipe(parser as unknown as NodeJS.WritableStream);
      source.destroy();
      reject(error instanceof Error ? error : new Error(String(error)));
    };
    parser.on('error', (error: Error) => fail(new UnsafeArchiveError(archive, `not a valid tar stream: ${error.message}`)));
    parser.on('end', () => {
      if (failed) return;
      if (!child) return resolve();
      child.done.then(resolve, fail);
    });
    source.on('error', fail);
    source.pipe(parser as unknown as NodeJS.WritableStream);
  });
}
