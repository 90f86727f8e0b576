import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.js';
import { capture, run } from '../../../src/core/exec.js';
import { MAX_CONTROL_TAR_BYTES, readDebControl, readDebControlFiles } from '../../../src/publish/apt/deb-file.js';
import { paxRecord, tarEntry } from './tar-bytes.js';

// The in-process reader must give what `dpkg-deb --field` prints, for every compression dpkg-deb writes.
describe('readDebControl against dpkg-deb', () => {
  it.each(['gzip', 'xz', 'none', 'zstd'])('control.tar compressed with %s', async (compression) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'freshet-deb-'));
    const tree = path.join(dir, 'tree');
    mkdirSync(path.join(tree, 'DEBIAN'), { recursive: true });
    mkdirSync(path.join(tree, 'usr/share/doc/odd'), { recursive: true });
    writeFileSync(path.join(tree, 'usr/share/doc/odd/README'), 'odd\n');
    writeFileSync(
      path.join(tree, 'DEBIAN/control'),
      'Package: odd\nVersion:1.0-1\nArchitecture: amd64\nMaintainer: T <t@localhost>\nX-Custom:   spaced   \nDescription: short\n long\n .\n more\n',
    );
    const out = path.join(dir, 'odd.deb');
    await run('dpkg-deb', ['--root-owner-group', `-Z${compression}`, '--build', tree, out]);
    const expected = await capture('dpkg-deb', ['--field', out]);
    const read = await readDebControl(out);
    expect(read.trimEnd()).toBe(expected.trimEnd());
  });
});

// dpkg-deb reads the control member with GNU tar: a pax path names the file dpkg installs as control,
// and of two control files it keeps the last.
describe('readDebControl against dpkg-deb on control.tar files GNU tar reads its own way', () => {
  it('reads the member a pax path record names control, as dpkg-deb does', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'freshet-deb-pax-'));
    mkdirSync(path.join(dir, 'control'));
    writeFileSync(path.join(dir, 'control/decoy'), 'Package: paxed\nVersion: 1.0-1\nArchitecture: all\nMaintainer: T <t@localhost>\nDescription: pax\n');
    writeFileSync(path.join(dir, 'debian-binary'), '2.0\n');
    await run('tar', ['--format=pax', '--pax-option=path:=./control', '-C', path.join(dir, 'control'), '-cf', path.join(dir, 'control.tar'), './decoy']);
    await run('tar', ['-cf', path.join(dir, 'data.tar'), '--files-from', '/dev/null']);
    const out = path.join(dir, 'paxed.deb');
    await run('ar', ['rc', out, 'debian-binary', 'control.tar', 'data.tar'], { cwd: dir });
    const expected = await capture('dpkg-deb', ['--field', out]);
    expect(expected).toContain('Package: paxed');
    expect((await readDebControl(out)).trimEnd()).toBe(expected.trimEnd());
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a control.tar holding control twice, whose second one dpkg-deb reads', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'freshet-deb-twice-'));
    for (const name of ['declared', 'other']) {
      mkdirSync(path.join(dir, name));
      writeFileSync(path.join(dir, name, 'control'), `Package: ${name}\nVersion: 1.0-1\nArchitecture: all\nMaintainer: T <t@localhost>\nDescription: twice\n`);
    }
    writeFileSync(path.join(dir, 'debian-binary'), '2.0\n');
    await run('tar', ['-C', path.join(dir, 'declared'), '-cf', path.join(dir, 'control.tar'), './control']);
    await run('tar', ['-C', path.join(dir, 'other'), '-rf', path.join(dir, 'control.tar'), './control']);
    await run('tar', ['-cf', path.join(dir, 'data.tar'), '--files-from', '/dev/null']);
    const out = path.join(dir, 'twice.deb');
    await run('ar', ['rc', out, 'debian-binary', 'control.tar', 'data.tar'], { cwd: dir });
    expect(await capture('dpkg-deb', ['--field', out, 'Package'])).toBe('other');
    await expect(readDebControl(out)).rejects.toThrow(`${out}: refusing control.tar: it holds control twice`);
    rmSync(dir, { recursive: true, force: true });
  });
});

// Hostile control archives whose first control file is the declared one while dpkg-deb (GNU tar)
// reads another: each must be refused.
describe('readDebControl against dpkg-deb on control.tar files naming a second control file another way', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'freshet-deb-hostile-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const fields = (name: string) => Buffer.from(`Package: ${name}\nVersion: 1.0-1\nArchitecture: all\nMaintainer: T <t@localhost>\nDescription: hostile\n`);
  const declared = fields('declared');
  const installed = fields('installed');

  async function debOf(name: string, controlTar: Buffer | ((dir: string) => Promise<void>)): Promise<string> {
    const dir = mkdtempSync(path.join(scratch, `${name}-`));
    if (Buffer.isBuffer(controlTar)) writeFileSync(path.join(dir, 'control.tar'), Buffer.concat([controlTar, Buffer.alloc(1024)]));
    else await controlTar(dir);
    writeFileSync(path.join(dir, 'debian-binary'), '2.0\n');
    await run('tar', ['-cf', path.join(dir, 'data.tar'), '--files-from', '/dev/null']);
    await run('ar', ['rc', 'hostile.deb', 'debian-binary', 'control.tar', 'data.tar'], { cwd: dir });
    return path.join(dir, 'hostile.deb');
  }

  it.each([
    [
      'a symbolic link to its own folder, written through by a later entry (made by GNU tar)',
      async (dir: string) => {
        mkdirSync(path.join(dir, 'first'));
        writeFileSync(path.join(dir, 'first/control'), declared);
        symlinkSync('.', path.join(dir, 'first/up'));
        mkdirSync(path.join(dir, 'second/up'), { recursive: true });
        writeFileSync(path.join(dir, 'second/up/control'), installed);
        await run('tar', ['-cf', path.join(dir, 'control.tar'), '-C', path.join(dir, 'first'), './control', './up', '-C', path.join(dir, 'second'), './up/control']);
      },
    ],
    [
      'pax records with two blanks after their length',
      Buffer.concat([
        tarEntry('./PaxHeaders/1', paxRecord('path', './elsewhere', '  '), 'x'),
        tarEntry('./control', declared),
        tarEntry('./PaxHeaders/2', paxRecord('path', './control', '  '), 'x'),
        tarEntry('./elsewhere', installed),
      ]),
    ],
    ['a pax path cut by a NUL', Buffer.concat([tarEntry('./control', declared), tarEntry('./PaxHeaders/1', paxRecord('path', './control\0x'), 'x'), tarEntry('./elsewhere', installed)])],
    [
      'two pax headers for one entry, of which GNU tar keeps the last',
      Buffer.concat([
        tarEntry('./PaxHeaders/1', paxRecord('path', './control'), 'x'),
        tarEntry('./PaxHeaders/2', paxRecord('mtime', '1'), 'x'),
        tarEntry('./elsewhere', declared),
        tarEntry('./PaxHeaders/3', paxRecord('path', './elsewhere'), 'x'),
        tarEntry('./PaxHeaders/4', paxRecord('mtime', '1'), 'x'),
        tarEntry('./control', installed),
      ]),
    ],
  ])('refuses %s', async (_, controlTar) => {
    const deb = await debOf('case', controlTar);
    expect(await capture('dpkg-deb', ['--field', deb, 'Package'])).toBe('installed');
    await expect(readDebControl(deb)).rejects.toThrow(`${deb}: refusing control.tar: `);
  });
});

// GNU tar archives a second name of one file as a hard link; dpkg-deb extracts it as that file.
describe('readDebControlFiles against dpkg-deb on a hard-linked shlibs', () => {
  it('refuses it rather than reading the package as one without shlibs', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'freshet-deb-linked-'));
    const tree = path.join(dir, 'control');
    mkdirSync(tree);
    writeFileSync(path.join(tree, 'control'), 'Package: libtick2\nVersion: 2.1-1\nArchitecture: all\nMaintainer: T <t@localhost>\nDescription: linked\n');
    writeFileSync(path.join(tree, 'interface'), 'libtick 2 libtick2 (>= 2.1~)\n');
    linkSync(path.join(tree, 'interface'), path.join(tree, 'shlibs'));
    await run('tar', ['-C', tree, '-cf', path.join(dir, 'control.tar'), './control', './interface', './shlibs']);
    writeFileSync(path.join(dir, 'debian-binary'), '2.0\n');
    await run('tar', ['-cf', path.join(dir, 'data.tar'), '--files-from', '/dev/null']);
    const out = path.join(dir, 'linked.deb');
    await run('ar', ['rc', out, 'debian-binary', 'control.tar', 'data.tar'], { cwd: dir });
    const extracted = path.join(dir, 'extracted');
    await run('dpkg-deb', ['--control', out, extracted]);
    expect(readFileSync(path.join(extracted, 'shlibs'), 'utf8')).toBe('libtick 2 libtick2 (>= 2.1~)\n');
    await expect(readDebControlFiles(out, ['shlibs', 'symbols'])).rejects.toThrow(`${out}: refusing control.tar: its shlibs is not a regular file`);
    rmSync(dir, { recursive: true, force: true });
  });
});

// A control.tar whose first member is 1 GiB of zeros: a few KB once compressed.
describe('readDebControl on a control archive bomb', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'freshet-deb-bomb-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  async function bombDeb(compressor: string, suffix: string): Promise<string> {
    const dir = mkdtempSync(path.join(scratch, `${suffix}-`));
    const tree = path.join(dir, 'control');
    mkdirSync(tree);
    writeFileSync(path.join(tree, 'md5sums'), '');
    truncateSync(path.join(tree, 'md5sums'), 1024 ** 3);
    writeFileSync(path.join(tree, 'control'), 'Package: bomb\nVersion: 1\nArchitecture: all\nDescription: bomb\n');
    // Sparse on disk; tar reads it as zeros straight into the compressor.
    await run('tar', ['-C', tree, '-I', compressor, '-cf', path.join(dir, `control.tar.${suffix}`), './md5sums', './control'], { timeoutMs: 300_000 });
    writeFileSync(path.join(dir, 'debian-binary'), '2.0\n');
    await run('tar', ['-C', tree, '-czf', path.join(dir, 'data.tar.gz'), './control']);
    await run('ar', ['rc', 'bomb.deb', 'debian-binary', `control.tar.${suffix}`, 'data.tar.gz'], { cwd: dir });
    return path.join(dir, 'bomb.deb');
  }

  it.each([
    ['xz', 'xz -0 -T1'],
    ['gz', 'gzip -1'],
    ['zst', 'zstd -1'],
  ])('case 37: refuses a control.tar.%s that decompresses to 1 GiB, naming the file and the limit, in bounded memory', async (suffix, compressor) => {
    const deb = await bombDeb(compressor, suffix);
    const rssBefore = process.memoryUsage().rss;
    const peakBefore = process.resourceUsage().maxRSS * 1024;
    const error = await readDebControl(deb).catch((caught: unknown) => caught);
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    const peakGrowth = process.resourceUsage().maxRSS * 1024 - peakBefore;
    console.log(`control.tar.${suffix} bomb: rss +${(rssGrowth / 2 ** 20).toFixed(1)} MiB, peak rss +${(peakGrowth / 2 ** 20).toFixed(1)} MiB`);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toContain(deb);
    expect((error as Error).message).toContain(`control.tar.${suffix}: it decompresses to more than the ${MAX_CONTROL_TAR_BYTES}-byte limit`);
    expect(peakGrowth).toBeLessThan(64 * 2 ** 20);
    expect(rssGrowth).toBeLessThan(64 * 2 ** 20);
  });
});
