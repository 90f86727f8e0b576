import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../src/core/exec.js';
import { UnsafeArchiveError, unpackArchive } from '../../src/fetch/unpack/index.js';
import { tarBuffer } from './tar-builder.js';

let work: string;
beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'freshet-unpack-x-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

const compressors = [
  ['tar.xz', 'xz'],
  ['tar.bz2', 'bzip2'],
  ['tar.zst', 'zstd'],
] as const;

async function compressed(name: string, tool: string, data: Buffer): Promise<string> {
  const plain = path.join(work, name.replace(/\.[a-z0-9]+$/, ''));
  writeFileSync(plain, data);
  await run(tool, tool === 'zstd' ? ['-q', '--rm', plain, '-o', path.join(work, name)] : ['-z', plain]);
  return path.join(work, name);
}

describe('unpacking through the system decompressors', () => {
  it.each(compressors)('unpacks a %s tarball', async (format, tool) => {
    const archive = await compressed(`p-1.0.${format}`, tool, tarBuffer([{ path: 'p-1.0/README', body: Buffer.from('hi\n') }]));
    const result = await unpackArchive(archive, path.join(work, 'out'));
    expect(result.format).toBe(format);
    expect(result.topDir).toBe('p-1.0');
    expect(readFileSync(path.join(work, 'out/p-1.0/README'), 'utf8')).toBe('hi\n');
  });

  it.each(compressors)('case 12: stops a %s bomb at the size limit and writes nothing', async (format, tool) => {
    const archive = await compressed(`bomb.${format}`, tool, tarBuffer([{ path: 'b/zeros', zeros: 64 * 1024 * 1024 }]));
    await expect(unpackArchive(archive, path.join(work, 'out'), { maxBytes: 8 * 1024 * 1024 })).rejects.toThrow(/over the 8388608-byte limit/);
    expect(readdirSync(work).sort()).toEqual([path.basename(archive)]);
  });

  it('case 11: unpacks a zip and refuses one whose symlink leaves the tree', async () => {
    const src = path.join(work, 'src');
    mkdirSync(path.join(src, 'z-1.0'), { recursive: true });
    writeFileSync(path.join(src, 'z-1.0', 'README'), 'zip\n');
    await run('zip', ['-q', '-r', '-y', path.join(work, 'good.zip'), 'z-1.0'], { cwd: src });
    const result = await unpackArchive(path.join(work, 'good.zip'), path.join(work, 'good'));
    expect(result.format).toBe('zip');
    expect(readFileSync(path.join(work, 'good/z-1.0/README'), 'utf8')).toBe('zip\n');

    symlinkSync('../../../etc', path.join(src, 'z-1.0', 'escape'));
    await run('zip', ['-q', '-r', '-y', path.join(work, 'bad.zip'), 'z-1.0'], { cwd: src });
    const refused = unpackArchive(path.join(work, 'bad.zip'), path.join(work, 'bad'));
    await expect(refused).rejects.toBeInstanceOf(UnsafeArchiveError);
    await expect(refused).rejects.toThrow("bad.zip: refusing to unpack: symlink z-1.0/escape -> ../../../etc leads outside the archive's folder");
    expect(readdirSync(work).sort()).toEqual(['bad.zip', 'good', 'good.zip', 'src']);
  });
});
