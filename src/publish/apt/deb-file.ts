import { open } from 'node:fs/promises';
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

const startsWith = (head: Buffer, ...bytes: number[]) => bytes.every((byte, index) => head[index] === byte);

/**
 * The wanted control files (`control`, `shlibs`, …) from the decompressed control.tar, refusing it
 * once the archive grows past MAX_CONTROL_TAR_BYTES or MAX_CONTROL_MEMBERS: a few KB of xz can
 * hold gigabytes of zeros.
 */
async function untarControl(member: string, compressed: Buffer, file: string, wanted: readonly string[]): Promise<Map<string, string>> {
  const refuse = (reason: string) => new UserError(`${file}: refusing ${member}: ${reason}`);
  const found = new Map<string, string>();
  let failure: Error | undefined;
  let members = 0;
  // Loaded here, not at start: a re-sign or a removal reads no .deb (tar's import took about 5 ms of each CLI start).
  const { Parser } = await import('tar');
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry) => {
      members += 1;
      if (members > MAX_CONTROL_MEMBERS) failure ??= refuse(`more than ${MAX_CONTROL_MEMBERS} members`);
      const name = entry.path.replace(/^\.\//, '');
      const isWanted = entry.type === 'File' && wanted.includes(name);
      if (isWanted && (entry.size ?? 0) > MAX_CONTROL_FILE_BYTES) failure ??= refuse(`its ${name} file is over the ${MAX_CONTROL_FILE_BYTES}-byte limit`);
      if (!isWanted || failure) return entry.resume();
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
      entry.on('end', () => found.set(name, Buffer.concat(chunks).toString('utf8')));
    },
  });
  parser.on('error', (error: Error) => (failure ??= new UserError(`${file}: unreadable control.tar (${error.message})`)));
  let size = 0;
  let head: Buffer | undefined = Buffer.alloc(0);
  const decompressed = await decompress(member, compressed, file);
  try {
    for await (const chunk of decompressed.chunks) {
      size += chunk.length;
      if (size > MAX_CONTROL_TAR_BYTES) throw refuse(`it decompresses to more than the ${MAX_CONTROL_TAR_BYTES}-byte limit`);
      if (head) {
        // node-tar would unpack a gzip or zstd stream it is fed: the inner archive must be a plain tar.
        head = Buffer.concat([head, chunk]);
        if (head.length < 512) continue;
        if (startsWith(head, 0x1f, 0x8b) || startsWith(head, 0x28, 0xb5, 0x2f, 0xfd) || head.toString('latin1', 257, 262) !== 'ustar') throw refuse('it does not hold a plain tar archive');
        parser.write(head);
        head = undefined;
      } else parser.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      if (failure) throw failure;
      // Once the wanted files are read, the rest is not decompressed.
      if (found.size === wanted.length) return found;
    }
    if (head) throw refuse('it does not hold a plain tar archive');
    parser.end();
    await decompressed.done;
  } catch (error) {
    if (error instanceof UserError && !(error instanceof CommandError)) throw error;
    throw new UserError(`${file}: ${member} does not decompress (${(error as Error).message})`);
  } finally {
    decompressed.stop();
  }
  if (failure) throw failure;
  return found;
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
