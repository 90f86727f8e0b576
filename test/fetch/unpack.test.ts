import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnsafeArchiveError, unpackArchive } from '../../src/fetch/unpack/index.js';
import { tarBuffer, tarStream, type TarSpec } from './tar-builder.js';

let work: string;
let sandbox: string;

beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'freshet-unpack-'));
  sandbox = path.join(work, 'a', 'b', 'sandbox');
  mkdirSync(sandbox, { recursive: true });
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

function archive(specs: TarSpec[], gzip = true): string {
  const file = path.join(work, gzip ? 'x.tar.gz' : 'x.tar');
  const data = tarBuffer(specs);
  writeFileSync(file, gzip ? zlib.gzipSync(data) : data);
  return file;
}

/** Every path under the work folder, so a refusal can be shown to have written nothing anywhere. */
function tree(dir = work): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

async function expectRefused(file: string, message: RegExp, limits = {}): Promise<void> {
  const before = tree();
  const error = await unpackArchive(file, path.join(sandbox, 'out'), limits).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(UnsafeArchiveError);
  expect((error as Error).message).toMatch(message);
  expect(tree()).toEqual(before);
}

const dir = (name: string): TarSpec => ({ path: name, type: '5', mode: 0o755 });
const file = (name: string, text = 'hi\n', mode = 0o644): TarSpec => ({ path: name, body: Buffer.from(text), mode });

describe('unpackArchive', () => {
  it('unpacks a normal tarball with internal links and reports its top folder', async () => {
    const tarball = archive([
      dir('hello-1.0/'),
      file('hello-1.0/README', 'read me\n'),
      file('hello-1.0/configure', '#!/bin/sh\n', 0o755),
      { path: 'hello-1.0/doc/readme', type: '2', link: '../README' },
      { path: 'hello-1.0/COPYING', type: '1', link: 'hello-1.0/README' },
    ]);
    const result = await unpackArchive(tarball, path.join(sandbox, 'out'));
    expect(result.topDir).toBe('hello-1.0');
    expect(result.format).toBe('tar.gz');
    const top = path.join(sandbox, 'out', 'hello-1.0');
    expect(readFileSync(path.join(top, 'doc', 'readme'), 'utf8')).toBe('read me\n');
    expect(readlinkSync(path.join(top, 'doc', 'readme'))).toBe('../README');
    expect(statSync(path.join(top, 'COPYING')).ino).toBe(statSync(path.join(top, 'README')).ino);
    expect(statSync(path.join(top, 'configure')).mode & 0o7777).toBe(0o755);
    expect(readdirSync(sandbox)).toEqual(['out']);
  });

  it('case 11: strips setuid, setgid and sticky bits', async () => {
    const tarball = archive([file('p/suid', 'x', 0o4755), file('p/sgid', 'x', 0o2755), { path: 'p/tmp', type: '5', mode: 0o1777 }]);
    await unpackArchive(tarball, path.join(sandbox, 'out'));
    expect(statSync(path.join(sandbox, 'out/p/suid')).mode & 0o7777).toBe(0o755);
    expect(statSync(path.join(sandbox, 'out/p/sgid')).mode & 0o7777).toBe(0o755);
    expect(statSync(path.join(sandbox, 'out/p/tmp')).mode & 0o7777).toBe(0o777);
  });

  it('case 11: refuses path traversal', async () => {
    await expectRefused(archive([file('p/ok'), file('p/../../evil')]), /"\.\." component/);
    expect(existsSync(path.join(sandbox, 'evil'))).toBe(false);
  });

  it('case 11: refuses absolute paths', async () => {
    await expectRefused(archive([file(path.join(work, 'evil-absolute'))]), /absolute path/);
    expect(existsSync(path.join(work, 'evil-absolute'))).toBe(false);
  });

  it('case 11: never creates a name with a NUL in it', async () => {
    const beforeNul = 'p/x'.padEnd(120, 'y');
    // node-tar ends the pax path at the NUL, as a ustar name field ends at one: the entry keeps the part before it.
    const result = await unpackArchive(archive([file(`${beforeNul}\0z`)]), path.join(sandbox, 'out'));
    expect(result.entries).toBe(1);
    expect(tree(path.join(sandbox, 'out'))).toEqual(['p', beforeNul]);
    expect(readFileSync(path.join(sandbox, 'out', beforeNul), 'utf8')).toBe('hi\n');
  });

  it('case 11: refuses symlinks that leave the tree, directly or through another link', async () => {
    await expectRefused(archive([dir('p/'), { path: 'p/up', type: '2', link: '../../outside' }]), /leads outside/);
    await expectRefused(archive([{ path: 'p/abs', type: '2', link: '/etc' }]), /absolute path/);
    await expectRefused(
      archive([dir('a/b/'), { path: 'a/b/s', type: '2', link: '../..' }, { path: 't', type: '2', link: 'a/b/s/..' }]),
      /symlink t -> a\/b\/s\/\.\. leads outside/,
    );
    // A later link can turn an earlier, harmless-looking one into an escape.
    await expectRefused(
      archive([dir('a/b/'), { path: 's', type: '2', link: 'a/b/x/../..' }, { path: 'a/b/x', type: '2', link: '..' }]),
      /leads outside/,
    );
  });

  it('case 11: refuses writing through a symlink', async () => {
    await expectRefused(archive([dir('p/sub/'), { path: 'p/l', type: '2', link: 'sub' }, file('p/l/x')]), /below the symlink/);
  });

  it('case 11: refuses hardlinks that leave the tree or point at nothing', async () => {
    await expectRefused(archive([file('p/a'), { path: 'p/h', type: '1', link: '../../../etc/passwd' }]), /hardlink/);
    await expectRefused(archive([{ path: 'p/h', type: '1', link: '/etc/passwd' }]), /hardlink/);
    await expectRefused(archive([{ path: 'p/h', type: '1', link: 'p/missing' }]), /does not point to a file/);
  });

  it('case 11: refuses device nodes and FIFOs', async () => {
    await expectRefused(archive([{ path: 'p/null', type: '3' }]), /CharacterDevice/);
    await expectRefused(archive([{ path: 'p/disk', type: '4' }]), /BlockDevice/);
    await expectRefused(archive([{ path: 'p/fifo', type: '6' }]), /FIFO/);
  });

  it('case 11: refuses duplicate entries instead of letting the last one win', async () => {
    await expectRefused(archive([file('p/a', 'first'), file('p/a', 'second')]), /appears twice/);
    await expectRefused(archive([file('p/a'), dir('p/a/')]), /appears twice/);
  });

  it('accepts a folder listed twice', async () => {
    await unpackArchive(archive([dir('p/'), file('p/a'), dir('p/')]), path.join(sandbox, 'out'));
    expect(readdirSync(path.join(sandbox, 'out/p'))).toEqual(['a']);
  });

  it('case 12: stops a gzip bomb at the size limit without writing it', async () => {
    const bomb = path.join(work, 'bomb.tar.gz');
    // 1 GiB of zeros, compressed on the fly: a few MB on disk.
    await pipeline(tarStream([{ path: 'p/zeros', zeros: 1024 ** 3 }]), zlib.createGzip({ level: 1 }), createWriteStream(bomb));
    expect(statSync(bomb).size).toBeLessThan(20 * 1024 * 1024);
    await expectRefused(bomb, /over the 104857600-byte limit/, { maxBytes: 100 * 1024 * 1024 });
  });

  it('case 12: stops at the entry limit (10^6 tiny entries)', async () => {
    const many = path.join(work, 'many.tar.gz');
    function* entries(): Generator<TarSpec> {
      for (let index = 0; index < 1_000_000; index++) yield { path: `p/${index}` };
    }
    await pipeline(tarStream(entries()), zlib.createGzip({ level: 1 }), createWriteStream(many));
    await expectRefused(many, /more than 200000 entries/);
  }, 300_000);

  it('case 12: refuses a very deep tree', async () => {
    const deep = `${Array.from({ length: 100 }, () => 'd').join('/')}/f`;
    await expectRefused(archive([file(deep)]), /levels deep/);
  });

  it('refuses to unpack over an existing folder, and files that are not archives', async () => {
    const tarball = archive([file('p/a')]);
    mkdirSync(path.join(sandbox, 'out'));
    await expect(unpackArchive(tarball, path.join(sandbox, 'out'))).rejects.toThrow(/already exists/);
    const junk = path.join(work, 'junk.tar.gz');
    writeFileSync(junk, 'not an archive');
    await expect(unpackArchive(junk, path.join(sandbox, 'other'))).rejects.toThrow(/not a tar/);
    expect(lstatSync(path.join(sandbox, 'out')).isDirectory()).toBe(true);
  });
});
