import { Readable } from 'node:stream';

/** Hand-made tar entries for crafted (hostile) archives: ustar headers, pax for long names. */
export interface TarSpec {
  path: string;
  type?: '0' | '1' | '2' | '3' | '4' | '5' | '6';
  mode?: number;
  body?: Buffer;
  /** Declared size without a body: generated zeros of this length (bombs). */
  zeros?: number;
  link?: string;
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, size: number, type: string, mode: number, link = ''): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 100, 'utf8');
  block.write(octal(mode, 8), 100);
  block.write(octal(0, 8), 108);
  block.write(octal(0, 8), 116);
  block.write(octal(size, 12), 124);
  block.write(octal(1_700_000_000, 12), 136);
  block.write('        ', 148);
  block.write(type, 156);
  block.write(link, 157, 100, 'utf8');
  block.write('ustar\0', 257);
  block.write('00', 263);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}

function pad(size: number): Buffer {
  return Buffer.alloc((512 - (size % 512)) % 512);
}

function paxFor(name: string): Buffer[] {
  const record = (key: string, value: string) => {
    const body = ` ${key}=${value}\n`;
    let length = body.length + 1;
    while (`${length}${body}`.length !== length) length += 1;
    return `${length}${body}`;
  };
  const data = Buffer.from(record('path', name));
  return [header('PaxHeader', data.length, 'x', 0o644), data, pad(data.length)];
}

export function* tarBlocks(specs: Iterable<TarSpec>): Generator<Buffer> {
  for (const spec of specs) {
    const type = spec.type ?? '0';
    const body = spec.body ?? Buffer.alloc(0);
    const size = spec.zeros ?? body.length;
    if (Buffer.byteLength(spec.path) > 99) yield* paxFor(spec.path);
    yield header(spec.path.slice(0, 99), type === '0' ? size : 0, type, spec.mode ?? 0o644, spec.link);
    if (spec.zeros !== undefined) {
      const chunk = Buffer.alloc(1024 * 1024);
      for (let left = spec.zeros; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
      yield pad(size);
    } else if (body.length > 0) {
      yield body;
      yield pad(body.length);
    }
  }
  yield Buffer.alloc(1024);
}

/** Blocks gathered into ~1 MiB chunks: a million tiny entries would otherwise be two million stream writes. */
function* batched(blocks: Iterable<Buffer>): Generator<Buffer> {
  let pending: Buffer[] = [];
  let size = 0;
  for (const block of blocks) {
    pending.push(block);
    size += block.length;
    if (size >= 1024 * 1024) {
      yield Buffer.concat(pending, size);
      pending = [];
      size = 0;
    }
  }
  if (size > 0) yield Buffer.concat(pending, size);
}

export function tarStream(specs: Iterable<TarSpec>): Readable {
  return Readable.from(batched(tarBlocks(specs)), { objectMode: false });
}

export function tarBuffer(specs: TarSpec[]): Buffer {
  return Buffer.concat([...tarBlocks(specs)]);
}
