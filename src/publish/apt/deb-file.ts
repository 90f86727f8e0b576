import { open } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import { UserError } from '../../core/errors.js';
import { CommandError, runStreaming } from '../../core/exec.js';

/**
 * The control file of a .deb, read in-process: a .deb is an ar archive of `debian-binary`
 * ("2.0"), `control.tar[.gz|.xz|.zst]` and `data.tar.*` (deb(5)). Adding 10,000 packages would
 * otherwise spawn 10,000 dpkg-debs, and `dpkg-deb --field` unpacks the control archive into the
 * host's temp folder with no limit. Only the first two members are read, never the data; the
 * control archive is decompressed as a stream and refused past the limits below.
 */
const AR_MAGIC = '!<arch>\n';
const HEADER_SIZE = 60;
/** The compressed control member. */
const MAX_CONTROL_BYTES = 16 * 1024 * 1024;
/** The decompressed control.tar: control, md5sums (large for packages of many files), scripts. */
export const MAX_CONTROL_TAR_BYTES = 64 * 1024 * 1024;
export const MAX_CONTROL_MEMBERS = 1000;
const MAX_CONTROL_FILE_BYTES = 4 * 1024 * 1024;
/** zstd's window limit; the default (128 MiB) allows far more than a control archive needs. */
const ZSTD_MEMORY = '16MiB';

interface Member {
  name: string;
  offset: number;
  size: number;
}

async function readAt(handle: Awaited<ReturnType<typeof open>>, offset: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, offset);
  return buffer.subarray(0, bytesRead);
}

function parseHeader(header: Buffer, offset: number, file: string): Member {
  const name = header.subarray(0, 16).toString('latin1').trimEnd().replace(/\/$/, '');
  const size = header.subarray(48, 58).toString('latin1').trim();
  if (header.length !== HEADER_SIZE || header.subarray(58, 60).toString('latin1') !== '`\n' || !/^\d+$/.test(size)) {
    throw new UserError(`${file}: not a Debian binary package (bad ar member header)`);
  }
  return { name, offset: offset + HEADER_SIZE, size: Number(size) };
}

type Decompressed = { chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>; stop(): void; done: Promise<void> };

/**
 * The control member's bytes, decompressed as they are read: nothing holds more than a chunk of the
 * output. Only the decompressor the member needs is loaded (xz-decompress alone took 5–8 ms to
 * import at each CLI start, for .debs whose control member is gzip; issue 17).
 */
async function decompress(member: string, compressed: Buffer, file: string): Promise<Decompressed> {
  const suffix = member.slice('control.tar'.length);
  const finished = { stop: () => undefined, done: Promise.resolve() };
  if (suffix === '') return { chunks: [compressed], ...finished };
  if (suffix === '.gz') {
    const small = gunzipSmall(compressed);
    return { chunks: small ? [small] : Readable.from([compressed]).pipe(createGunzip()), ...finished };
  }
  if (suffix === '.xz') {
    // xz-decompress (xz-embedded in WebAssembly) is pulled: it decodes only as far as it is read, and
    // refuses a dictionary over its limit before allocating it.
    const { XzReadableStream } = (await import('xz-decompress')).default;
    return { chunks: new XzReadableStream(new Blob([compressed]).stream()) as unknown as AsyncIterable<Uint8Array>, ...finished };
  }
  if (suffix === '.zst') {
    // Rare in control members (Ubuntu's dpkg writes it); zstd reads the window size from the input,
    // so its memory is capped too.
    const child = runStreaming('zstd', ['--decompress', '--stdout', `--memory=${ZSTD_MEMORY}`], { input: compressed, timeoutMs: 60_000 });
    return { chunks: child.stdout as AsyncIterable<Uint8Array>, stop: () => child.stop(), done: child.done };
  }
  throw new UserError(`${file}: ${member}: unknown control archive compression`);
}

/**
 * A control archive that inflates to at most this much is inflated in one call: most are a few KB,
 * and setting up a stream cost more than inflating (2,000 times in a big publish; issue 17).
 */
const SMALL_CONTROL_TAR_BYTES = 256 * 1024;

/** The inflated bytes, or undefined when they are larger or the data is damaged: the stream decides then. */
function gunzipSmall(compressed: Buffer): Buffer | undefined {
  try {
    return gunzipSync(compressed, { maxOutputLength: SMALL_CONTROL_TAR_BYTES });
  } catch {
    return undefined;
  }
}

const BLOCK = 512;
/** A GNU long name or link name ('L', 'K' entries): Linux's PATH_MAX. */
const MAX_LONG_NAME_BYTES = 4096;
/** The records of one pax extended header ('x' or 'g' entry). */
const MAX_PAX_BYTES = 64 * 1024;
/** Entry types GNU tar extracts besides regular files: hard and symbolic links, devices, folders, FIFOs. */
const OTHER_TYPES = new Set(['1', '2', '3', '4', '5', '6']);

/**
 * A control.tar read block by block as it is decompressed. dpkg-deb hands the control member to
 * GNU tar, so this reads what GNU tar would extract: ustar and GNU headers, ustar's name prefix,
 * GNU long names and pax `path` and `size` records (a reader that ignored them would check another
 * control file than the one dpkg installs). Anything that could make the two disagree (sparse
 * files, a global `path`, other entry types, a folder or link with data, pax records GNU tar parses
 * otherwise, an entry under a link) is refused. Kept small on purpose: node-tar took 6–8 ms to
 * import at each CLI publish (issue 17).
 */
export class ControlTarReader {
  readonly found = new Map<string, string>();
  ended = false;
  private members = 0;
  private header: Buffer = Buffer.alloc(0);
  private headersRead = 0;
  private longName: string | undefined;
  private pax = new Map<string, string>();
  private readonly seen = new Set<string>();
  /** Entries other than folders: GNU tar writes `x/control` through a symbolic link `x` to `.` as `control`. */
  private readonly notFolders = new Set<string>();
  private body: { data: number; padding: number; chunks?: Buffer[]; onEnd?: (data: Buffer) => void } | undefined;

  constructor(
    private readonly wanted: readonly string[],
    private readonly refuse: (reason: string) => UserError,
  ) {}

  write(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this.ended) {
      const body = this.body;
      if (body) {
        const data = Math.min(body.data, chunk.length - at);
        // Copied: a decompressor may reuse its output buffer.
        if (data > 0) body.chunks?.push(Buffer.from(chunk.subarray(at, at + data)));
        body.data -= data;
        at += data;
        const padding = body.data === 0 ? Math.min(body.padding, chunk.length - at) : 0;
        body.padding -= padding;
        at += padding;
        if (body.data === 0 && body.padding === 0) {
          this.body = undefined;
          body.onEnd?.(Buffer.concat(body.chunks ?? []));
        }
        continue;
      }
      const taken = chunk.subarray(at, at + BLOCK - this.header.length);
      at += taken.length;
      this.header = this.header.length === 0 && taken.length === BLOCK ? taken : Buffer.concat([this.header, taken]);
      if (this.header.length === BLOCK) {
        const block = this.header;
        this.header = Buffer.alloc(0);
        this.readHeader(block);
      }
    }
  }

  /** The input is complete: refuses an archive cut off inside an entry. */
  end(): void {
    if (this.headersRead === 0 && !this.ended) throw this.refuse('it does not hold a plain tar archive');
    if (this.body || this.header.length > 0 || this.longName !== undefined || this.pax.size > 0) throw this.unreadable('truncated');
  }

  private unreadable(reason: string): UserError {
    return this.refuse(`unreadable tar archive (${reason})`);
  }

  private readHeader(block: Buffer): void {
    if (block.every((byte) => byte === 0)) {
      this.ended = true;
      return;
    }
    const magic = block.toString('latin1', 257, 265);
    if (!magic.startsWith('ustar')) throw this.headersRead === 0 ? this.refuse('it does not hold a plain tar archive') : this.unreadable('an entry without a ustar header');
    this.headersRead += 1;
    let sum = 0;
    for (let index = 0; index < BLOCK; index += 1) sum += index >= 148 && index < 156 ? 0x20 : block[index]!;
    if (octal(block, 148, 8) !== sum) throw this.unreadable('bad header checksum');
    const headerSize = octal(block, 124, 12);
    const type = String.fromCharCode(block[156]!);
    if (type === 'L' || type === 'K' || type === 'x' || type === 'g') {
      if (headerSize === undefined) throw this.unreadable('bad size field');
      const limit = type === 'L' || type === 'K' ? MAX_LONG_NAME_BYTES : MAX_PAX_BYTES;
      if (headerSize > limit) throw this.refuse(`a ${type === 'L' || type === 'K' ? 'long name' : 'pax header'} over ${limit} bytes`);
      this.startBody(headerSize, (data) => this.readMeta(type, data));
      return;
    }
    // POSIX ustar keeps the start of a long name in a prefix field; GNU headers have times there.
    // GNU tar takes the prefix whenever the magic is `ustar\0`, whatever the version after it.
    const prefix = magic.startsWith('ustar\u0000') ? cString(block, 345, 155) : '';
    const stored = this.pax.get('path') ?? this.longName ?? (prefix ? `${prefix}/${cString(block, 0, 100)}` : cString(block, 0, 100));
    if (stored.split('/').includes('..')) throw this.refuse(`its entry ${JSON.stringify(stored)} names a parent folder`);
    // The file GNU tar would write: `./control`, `control` and `.//./control` are one file.
    const name = path.posix.normalize(stored).replace(/^\/+/, '').replace(/\/$/, '');
    const paxSize = this.pax.get('size');
    const size = paxSize === undefined ? headerSize : /^\d{1,15}$/.test(paxSize) ? Number(paxSize) : undefined;
    if (size === undefined) throw this.unreadable(`entry ${JSON.stringify(name)} has a bad size`);
    this.longName = undefined;
    this.pax = new Map();
    this.members += 1;
    if (this.members > MAX_CONTROL_MEMBERS) throw this.refuse(`more than ${MAX_CONTROL_MEMBERS} members`);
    // GNU tar extracts a contiguous file ('7') as a regular one.
    const isFile = type === '0' || type === '\0' || type === '7';
    if (!isFile && !OTHER_TYPES.has(type)) throw this.refuse(`its entry ${JSON.stringify(name)} has tar type ${JSON.stringify(type)}`);
    // Readers disagree on whether such an entry's data follows it.
    if (!isFile && size !== 0) throw this.unreadable(`entry ${JSON.stringify(name)} of type ${type} has a size`);
    // GNU tar extracts a file whose name ends in `/` as a folder, and cannot write one ending in `/.`.
    if (isFile && /(^|\/)\.?$/.test(stored)) throw this.refuse(`its file entry ${JSON.stringify(stored)} names a folder`);
    if (this.underNotFolder(name)) throw this.refuse(`its entry ${JSON.stringify(name)} lies under a file or link`);
    if (type !== '5') {
      if (name === '.') throw this.refuse('it replaces its top folder');
      this.notFolders.add(name);
    }
    // dpkg-deb extracts a hard link or symbolic link named control or shlibs as that file: a reader skipping it would miss it.
    if (!isFile && this.wanted.includes(name)) throw this.refuse(`its ${name} is not a regular file`);
    const isWanted = isFile && this.wanted.includes(name);
    // GNU tar keeps the last of two, so a reader keeping the first could check another control file than dpkg installs.
    if (this.wanted.includes(name) && this.seen.has(name)) throw this.refuse(`it holds ${name} twice`);
    this.seen.add(name);
    if (isWanted && size > MAX_CONTROL_FILE_BYTES) throw this.refuse(`its ${name} file is over the ${MAX_CONTROL_FILE_BYTES}-byte limit`);
    this.startBody(size, isWanted ? (data) => this.found.set(name, data.toString('utf8')) : undefined);
  }

  private underNotFolder(name: string): boolean {
    for (let slash = name.indexOf('/'); slash !== -1; slash = name.indexOf('/', slash + 1)) {
      if (this.notFolders.has(name.slice(0, slash))) return true;
    }
    return false;
  }

  /** A GNU long name ('L'; 'K' names a link target, which is not needed) or pax records for the next entry ('x') or all of them ('g'). */
  private readMeta(type: string, data: Buffer): void {
    if (type === 'L') this.longName = cString(data, 0, data.length);
    if (type !== 'x' && type !== 'g') return;
    // GNU tar keeps only the last of two: a reader merging them would name the entry differently.
    if (type === 'x' && this.pax.size > 0) throw this.refuse('it gives one entry two pax headers');
    const records = paxRecords(data);
    if (!records) throw this.unreadable('bad pax header');
    for (const key of records.keys()) {
      if (key.startsWith('GNU.sparse.')) throw this.refuse('it holds a sparse file');
      if (type === 'g' && (key === 'path' || key === 'size')) throw this.refuse(`it sets a global pax ${key}`);
    }
    if (type === 'x') for (const [key, value] of records) this.pax.set(key, value);
  }

  private startBody(size: number, onEnd: ((data: Buffer) => void) | undefined): void {
    if (size === 0) onEnd?.(Buffer.alloc(0));
    else this.body = { data: size, padding: (BLOCK - (size % BLOCK)) % BLOCK, chunks: onEnd ? [] : undefined, onEnd };
  }
}

/**
 * pax records, `<length> <key>=<value>\n` each; undefined when they do not parse, or could parse
 * otherwise in GNU tar: it skips any blanks after the length, and ends a key or a path at a NUL.
 */
function paxRecords(data: Buffer): Map<string, string> | undefined {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const digits = space > at ? data.toString('latin1', at, space) : '';
    const length = /^\d{1,9}$/.test(digits) ? Number(digits) : Number.NaN;
    if (!Number.isInteger(length) || length <= space - at || at + length > data.length || data[at + length - 1] !== 0x0a) return undefined;
    const record = data.toString('utf8', space + 1, at + length - 1);
    const equals = record.indexOf('=');
    const key = record.slice(0, equals);
    const value = record.slice(equals + 1);
    if (equals <= 0 || /^[ \t]/.test(key) || key.includes('\0') || ((key === 'path' || key === 'size') && value.includes('\0'))) return undefined;
    records.set(key, value);
    at += length;
  }
  return records;
}

/** A NUL-terminated header field. */
function cString(bytes: Buffer, offset: number, length: number): string {
  const field = bytes.subarray(offset, offset + length);
  const nul = field.indexOf(0);
  return field.toString('utf8', 0, nul === -1 ? field.length : nul);
}

/** An octal header field (spaces and NULs around the digits); undefined when it is not one, as for GNU's base-256 sizes. */
function octal(bytes: Buffer, offset: number, length: number): number | undefined {
  const digits = bytes.toString('latin1', offset, offset + length).replace(/^ +/, '').replace(/[ \0]+$/, '');
  return /^[0-7]{1,12}$/.test(digits) ? Number.parseInt(digits, 8) : undefined;
}

/**
 * The wanted control files (`control`, `shlibs`, …) from the decompressed control.tar, refusing it
 * once the archive grows past MAX_CONTROL_TAR_BYTES or MAX_CONTROL_MEMBERS: a few KB of xz can
 * hold gigabytes of zeros.
 */
async function untarControl(member: string, compressed: Buffer, file: string, wanted: readonly string[]): Promise<Map<string, string>> {
  const refuse = (reason: string) => new UserError(`${file}: refusing ${member}: ${reason}`);
  const reader = new ControlTarReader(wanted, refuse);
  let size = 0;
  const decompressed = await decompress(member, compressed, file);
  try {
    for await (const chunk of decompressed.chunks) {
      size += chunk.length;
      if (size > MAX_CONTROL_TAR_BYTES) throw refuse(`it decompresses to more than the ${MAX_CONTROL_TAR_BYTES}-byte limit`);
      reader.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      // Read to its end even once the wanted files are found: one of them given again is refused.
      if (reader.ended) return reader.found;
    }
    reader.end();
    await decompressed.done;
  } catch (error) {
    if (error instanceof UserError && !(error instanceof CommandError)) throw error;
    throw new UserError(`${file}: ${member} does not decompress (${(error as Error).message})`);
  } finally {
    decompressed.stop();
  }
  return reader.found;
}

export async function readDebControl(file: string): Promise<string> {
  return controlFile(await readDebControlFiles(file, ['control']), file);
}

export async function readDebControlFromBytes(bytes: Buffer, file: string): Promise<string> {
  return controlFile(await readDebControlFilesFromBytes(bytes, file, ['control']), file);
}

function controlFile(files: Map<string, string>, file: string): string {
  const control = files.get('control');
  if (control === undefined) throw new UserError(`${file}: control.tar has no control file`);
  return control;
}

/** The named files of a .deb's control archive (`control`, `shlibs`, `symbols`) that it has. */
export async function readDebControlFiles(file: string, wanted: readonly string[]): Promise<Map<string, string>> {
  const handle = await open(file, 'r');
  try {
    return await controlFilesFrom((offset, length) => readAt(handle, offset, length), file, wanted);
  } finally {
    await handle.close();
  }
}

/**
 * The same, from a .deb already in memory (`file` names it in errors): a publish reads a package
 * once, to hash it, parse it and write its pool file.
 */
export async function readDebControlFilesFromBytes(bytes: Buffer, file: string, wanted: readonly string[]): Promise<Map<string, string>> {
  return controlFilesFrom(async (offset, length) => bytes.subarray(offset, offset + length), file, wanted);
}

async function controlFilesFrom(
  readAt: (offset: number, length: number) => Promise<Buffer>,
  file: string,
  wanted: readonly string[],
): Promise<Map<string, string>> {
  if ((await readAt(0, AR_MAGIC.length)).toString('latin1') !== AR_MAGIC) throw new UserError(`${file}: not a Debian binary package (no ar header)`);
  const version = parseHeader(await readAt(AR_MAGIC.length, HEADER_SIZE), AR_MAGIC.length, file);
  const versionText = (await readAt(version.offset, Math.min(version.size, 16))).toString('latin1');
  if (version.name !== 'debian-binary' || !/^2\.\d+\n/.test(versionText)) throw new UserError(`${file}: not a Debian binary package (debian-binary 2.x expected first)`);
  const nextOffset = version.offset + version.size + (version.size % 2);
  const control = parseHeader(await readAt(nextOffset, HEADER_SIZE), nextOffset, file);
  if (!control.name.startsWith('control.tar')) throw new UserError(`${file}: not a Debian binary package (control.tar expected second, found ${control.name})`);
  if (control.size > MAX_CONTROL_BYTES) throw new UserError(`${file}: control.tar is over ${MAX_CONTROL_BYTES} bytes`);
  const compressed = await readAt(control.offset, control.size);
  if (compressed.length !== control.size) throw new UserError(`${file}: truncated (control.tar ends early)`);
  return untarControl(control.name, compressed, file, wanted);
}
