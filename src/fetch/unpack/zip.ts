import type { Readable } from 'node:stream';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { UnsafeArchiveError, type RawEntry } from './policy.js';

const S_IFMT = 0o170000;
const fileTypes: Record<number, string> = { 0o100000: 'File', 0o040000: 'Directory', 0o120000: 'SymbolicLink' };
const MAX_LINK_TARGET = 4096;

export type ZipVisitor = (raw: RawEntry, body: Readable | undefined) => Promise<void> | void;

function openZip(archive: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    // yauzl checks names itself too (absolute, `..`, backslashes) and that sizes match the data.
    yauzl.open(archive, { lazyEntries: true, autoClose: true, strictFileNames: true, validateEntrySizes: true }, (error, zip) =>
      error ? reject(new UnsafeArchiveError(archive, error.message)) : resolve(zip),
    );
  });
}

function openEntry(zip: ZipFile, entry: Entry): Promise<Readable> {
  return new Promise((resolve, reject) => zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream))));
}

async function readLinkTarget(zip: ZipFile, entry: Entry, archive: string): Promise<string> {
  if (entry.uncompressedSize > MAX_LINK_TARGET) throw new UnsafeArchiveError(archive, `symlink ${entry.fileName} has an oversized target`);
  const chunks: Buffer[] = [];
  for await (const chunk of await openEntry(zip, entry)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function rawEntry(entry: Entry): RawEntry {
  const unixMode = (entry.externalFileAttributes >>> 16) & 0xffff;
  const isDirectory = entry.fileName.endsWith('/');
  const type = isDirectory ? 'Directory' : unixMode === 0 ? 'File' : (fileTypes[unixMode & S_IFMT] ?? `special file (mode ${unixMode.toString(8)})`);
  return { path: entry.fileName, type, size: entry.uncompressedSize, mode: unixMode & 0o7777 || (isDirectory ? 0o755 : 0o644) };
}

/** Read a zip entry by entry; bodies are opened only when `withBodies` (the write pass). */
export async function walkZip(archive: string, withBodies: boolean, visit: ZipVisitor): Promise<void> {
  const zip = await openZip(archive);
  await new Promise<void>((resolve, reject) => {
    const fail = (error: unknown) => {
      zip.close();
      reject(error instanceof UnsafeArchiveError ? error : new UnsafeArchiveError(archive, (error as Error).message));
    };
    zip.on('error', fail);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: Entry) => {
      void (async () => {
        const raw = rawEntry(entry);
        if (raw.type === 'SymbolicLink') raw.linkTarget = await readLinkTarget(zip, entry, archive);
        const body = withBodies && raw.type === 'File' ? await openEntry(zip, entry) : undefined;
        await visit(raw, body);
        zip.readEntry();
      })().catch(fail);
    });
    zip.readEntry();
  });
}
