import { open } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { xz } from '@napi-rs/lzma';
import { Parser } from 'tar';
import { UserError } from '../../core/errors.js';

/**
 * The control file of a .deb, read in-process: a .deb is an ar archive of `debian-binary`
 * ("2.0"), `control.tar[.gz|.xz|.zst]` and `data.tar.*` (deb(5)). Adding 10,000 packages would
 * otherwise spawn 10,000 dpkg-debs. Only the first two members are read, never the data.
 * Returns undefined for a control compression this reader does not handle (zstd), so the caller
 * can ask dpkg-deb.
 */
const AR_MAGIC = '!<arch>\n';
const HEADER_SIZE = 60;
const MAX_CONTROL_BYTES = 16 * 1024 * 1024;
const gunzipAsync = promisify(gunzip);

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

function untarControl(tarball: Buffer, file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let control: Buffer | undefined;
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry) => {
        if (entry.type === 'File' && (entry.path === './control' || entry.path === 'control')) {
          const chunks: Buffer[] = [];
          entry.on('data', (chunk: Buffer) => chunks.push(chunk));
          entry.on('end', () => (control = Buffer.concat(chunks)));
        } else entry.resume();
      },
    });
    parser.on('error', (error: Error) => reject(new UserError(`${file}: unreadable control.tar (${error.message})`)));
    parser.on('end', () => (control ? resolve(control.toString('utf8')) : reject(new UserError(`${file}: control.tar has no control file`))));
    parser.end(tarball);
  });
}

export async function readDebControl(file: string): Promise<string | undefined> {
  const handle = await open(file, 'r');
  try {
    if ((await readAt(handle, 0, AR_MAGIC.length)).toString('latin1') !== AR_MAGIC) throw new UserError(`${file}: not a Debian binary package (no ar header)`);
    const version = parseHeader(await readAt(handle, AR_MAGIC.length, HEADER_SIZE), AR_MAGIC.length, file);
    const versionText = (await readAt(handle, version.offset, Math.min(version.size, 16))).toString('latin1');
    if (version.name !== 'debian-binary' || !/^2\.\d+\n/.test(versionText)) throw new UserError(`${file}: not a Debian binary package (debian-binary 2.x expected first)`);
    const nextOffset = version.offset + version.size + (version.size % 2);
    const control = parseHeader(await readAt(handle, nextOffset, HEADER_SIZE), nextOffset, file);
    if (!control.name.startsWith('control.tar')) throw new UserError(`${file}: not a Debian binary package (control.tar expected second, found ${control.name})`);
    if (control.size > MAX_CONTROL_BYTES) throw new UserError(`${file}: control.tar is over ${MAX_CONTROL_BYTES} bytes`);
    const compressed = await readAt(handle, control.offset, control.size);
    if (compressed.length !== control.size) throw new UserError(`${file}: truncated (control.tar ends early)`);
    const suffix = control.name.slice('control.tar'.length);
    const decompress = async (): Promise<Buffer | undefined> => {
      if (suffix === '') return compressed;
      if (suffix === '.gz') return gunzipAsync(compressed, { maxOutputLength: 4 * MAX_CONTROL_BYTES });
      if (suffix === '.xz') return xz.decompress(compressed);
      return undefined;
    };
    let tarball: Buffer | undefined;
    try {
      tarball = await decompress();
    } catch (error) {
      throw new UserError(`${file}: ${control.name} does not decompress (${(error as Error).message})`);
    }
    return tarball && (await untarControl(tarball, file));
  } finally {
    await handle.close();
  }
}
