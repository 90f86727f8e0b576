import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { xz } from '@napi-rs/lzma';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.js';
import { ControlTarReader, MAX_CONTROL_MEMBERS, readDebControl, readDebControlFiles } from '../../../src/publish/apt/deb-file.js';
import { paxRecord, tarEntry } from './tar-bytes.js';

const control = 'Package: odd\nVersion:1.0-1\nArchitecture: all\nX-Custom:   spaced   \nDescription: short\n long\n .\n more\n';

function arMember(name: string, data: Buffer): Buffer {
  const header = `${name.padEnd(16)}${'0'.padEnd(12)}${'0'.padEnd(6)}${'0'.padEnd(6)}${'100644'.padEnd(8)}${String(data.length).padEnd(10)}\`\n`;
  return Buffer.concat([Buffer.from(header, 'latin1'), data, data.length % 2 ? Buffer.from('\n') : Buffer.alloc(0)]);
}

const controlTar = Buffer.concat([tarEntry('./', Buffer.alloc(0), '5'), tarEntry('./md5sums', Buffer.from('x\n')), tarEntry('./control', Buffer.from(control)), Buffer.alloc(1024)]);

function deb(members: Array<[string, Buffer]>, magic = '!<arch>\n'): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'freshet-deb-')), 'pkg.deb');
  writeFileSync(file, Buffer.concat([Buffer.from(magic), ...members.map(([name, data]) => arMember(name, data))]));
  return file;
}

const binary: [string, Buffer] = ['debian-binary', Buffer.from('2.0\n')];
const data: [string, Buffer] = ['data.tar.gz', gzipSync(Buffer.alloc(1024))];

describe('readDebControl', () => {
  it.each([
    ['control.tar', controlTar],
    ['control.tar.gz', gzipSync(controlTar)],
    ['control.tar.xz', xz.compressSync(controlTar)],
  ])('reads the control file verbatim from %s', async (name, bytes) => {
    expect(await readDebControl(deb([binary, [name, bytes], data]))).toBe(control);
  });

  it.each([
    ['no ar magic', deb([binary, ['control.tar', controlTar]], 'PK\u0003\u0004xxxx'), /no ar header/],
    ['debian-binary not first', deb([['control.tar', controlTar], binary]), /debian-binary 2\.x expected first/],
    ['a debian-binary of another format', deb([['debian-binary', Buffer.from('3.0\n')], ['control.tar', controlTar]]), /debian-binary 2\.x/],
    ['data before control', deb([binary, data]), /control\.tar expected second/],
    ['a control.tar without control', deb([binary, ['control.tar', Buffer.concat([tarEntry('./md5sums', Buffer.from('x\n')), Buffer.alloc(1024)])]]), /has no control file/],
    ['a control.tar.gz that is not gzip', deb([binary, ['control.tar.gz', Buffer.from('plain text')]]), /does not decompress/],
  ])('refuses %s as a UserError naming the file', async (_, file, message) => {
    const error = await readDebControl(file).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(message);
  });

  it('case 37: refuses a control.tar with more members than the limit before reading its control file', async () => {
    const members = Array.from({ length: MAX_CONTROL_MEMBERS + 1 }, (_, index) => tarEntry(`./m${index}`, Buffer.alloc(0)));
    const file = deb([binary, ['control.tar.gz', gzipSync(Buffer.concat([...members, tarEntry('./control', Buffer.from(control)), Buffer.alloc(1024)]))], data]);
    await expect(readDebControl(file)).rejects.toThrow(`${file}: refusing control.tar.gz: more than ${MAX_CONTROL_MEMBERS} members`);
  });

  it('case 37: refuses a control.tar that is itself compressed again (the tar reader would unpack it unchecked)', async () => {
    const file = deb([binary, ['control.tar.gz', gzipSync(gzipSync(controlTar))], data]);
    await expect(readDebControl(file)).rejects.toThrow(`${file}: refusing control.tar.gz: it does not hold a plain tar archive`);
  });

  it('refuses a file cut off inside the control member', async () => {
    const file = deb([binary, ['control.tar', controlTar]]);
    const whole = Buffer.concat([Buffer.from('!<arch>\n'), arMember(...binary), arMember('control.tar', controlTar)]);
    writeFileSync(file, whole.subarray(0, whole.length - 600));
    await expect(readDebControl(file)).rejects.toThrow(/truncated/);
  });
});

describe('readDebControlFiles', () => {
  it('case 57: reads a library package\'s shlibs and leaves out the files it does not have', async () => {
    const shlibs = 'libtick 2 libtick2 (>= 2.1~)\n';
    const tar = Buffer.concat([tarEntry('./control', Buffer.from(control)), tarEntry('./shlibs', Buffer.from(shlibs)), tarEntry('./triggers', Buffer.from('activate-noawait ldconfig\n')), Buffer.alloc(1024)]);
    const files = await readDebControlFiles(deb([binary, ['control.tar.xz', xz.compressSync(tar)], data]), ['shlibs', 'symbols']);
    expect(files).toEqual(new Map([['shlibs', shlibs]]));
  });
});

describe('the control.tar reader', () => {
  const gnu = { magic: 'ustar  \0' };
  const control = Buffer.from('Package: tar\n');
  const read = async (tar: Buffer) => readDebControl(deb([binary, ['control.tar', Buffer.concat([tar, Buffer.alloc(1024)])], data]));

  it.each([
    ['a GNU long name', Buffer.concat([tarEntry('././@LongLink', Buffer.from('./control\0'), 'L', gnu), tarEntry('./contr', control, '0', gnu)])],
    ['a ustar name prefix', tarEntry('control', control, '0', { prefix: '.' })],
    ['a contiguous file, which dpkg extracts as a regular one', tarEntry('./control', control, '7')],
    ['a v7 type flag', tarEntry('./control', control, '\0')],
    ['a pax path, which GNU tar (dpkg-deb\'s reader) extracts it under', Buffer.concat([tarEntry('./PaxHeaders/decoy', paxRecord('path', './control'), 'x'), tarEntry('./decoy', control)])],
    ['a pax size over the header\'s', Buffer.concat([tarEntry('./PaxHeaders/control', paxRecord('size', String(control.length)), 'x'), tarEntry('./control', control, '0', { size: 0 })])],
  ])('reads the control file named by %s', async (_, tar) => {
    expect(await read(tar)).toBe('Package: tar\n');
  });

  it('reads the same, fed a byte at a time or in chunks that split headers', () => {
    const tar = Buffer.concat([tarEntry('./', Buffer.alloc(0), '5'), tarEntry('./md5sums', Buffer.alloc(700, 'm')), tarEntry('./control', control), Buffer.alloc(1024)]);
    for (const size of [1, 7, 511, 513, 4096]) {
      const reader = new ControlTarReader(['control', 'md5sums'], (reason) => new UserError(reason));
      for (let at = 0; at < tar.length; at += size) reader.write(tar.subarray(at, at + size));
      reader.end();
      expect(reader.found).toEqual(new Map([['md5sums', 'm'.repeat(700)], ['control', 'Package: tar\n']]));
    }
  });

  it.each([
    ['a global pax path', Buffer.concat([tarEntry('./pax_global_header', paxRecord('path', 'control'), 'g'), tarEntry('./decoy', control)]), /sets a global pax path/],
    ['a sparse file', Buffer.concat([tarEntry('./PaxHeaders/control', paxRecord('GNU.sparse.major', '1'), 'x'), tarEntry('./control', control)]), /sparse file/],
    ['a header whose checksum is wrong', Buffer.from(tarEntry('./control', control).fill(0x41, 0, 1)), /bad header checksum/],
    ['a folder entry with a size', Buffer.concat([tarEntry('./etc/', Buffer.alloc(512), '5', { size: 512 }), tarEntry('./control', control)]), /entry "etc" of type 5 has a size/],
    ['a second control file, which GNU tar would extract over the first', Buffer.concat([tarEntry('./control', control), tarEntry('.//./control', Buffer.from('Package: other\n'))]), /holds control twice/],
    ['a name with a parent folder', tarEntry('./DEBIAN/../control', control), /names a parent folder/],
    ['a GNU long name over the limit', tarEntry('././@LongLink', Buffer.alloc(5000, 'a'), 'L', gnu), /long name over 4096 bytes/],
    // GNU tar skips every blank after a record's length, ends a key or a path at a NUL and keeps only the last pax header.
    ['a pax record with two blanks after its length', Buffer.concat([tarEntry('./PaxHeaders/decoy', paxRecord('path', 'control', '  '), 'x'), tarEntry('./decoy', control)]), /bad pax header/],
    ['a pax path cut by a NUL', Buffer.concat([tarEntry('./PaxHeaders/decoy', paxRecord('path', 'control\0decoy'), 'x'), tarEntry('./decoy', control)]), /bad pax header/],
    ['a pax length that is not decimal digits', Buffer.concat([tarEntry('./PaxHeaders/decoy', Buffer.from('1e1 a=bcd\n'), 'x'), tarEntry('./decoy', control)]), /bad pax header/],
    ['two pax headers for one entry', Buffer.concat([tarEntry('./PaxHeaders/1', paxRecord('path', 'control'), 'x'), tarEntry('./PaxHeaders/2', paxRecord('mtime', '1'), 'x'), tarEntry('./decoy', control)]), /two pax headers/],
    ['a file entry whose name ends in a slash, which GNU tar extracts as a folder', tarEntry('./control/', control), /file entry ".\/control\/" names a folder/],
    ['an entry under a symbolic link, which GNU tar writes through it', Buffer.concat([tarEntry('./up', Buffer.alloc(0), '2', { linkName: '.' }), tarEntry('./up/control', control)]), /entry "up\/control" lies under a file or link/],
    ['a file GNU tar extracts under its ustar prefix although the version after the magic is not 00', tarEntry('control', control, '0', { magic: 'ustar\0\0\0', prefix: 'DEBIAN' }), /has no control file/],
    ['a symbolic link named control, whose target dpkg-deb reads as the control file', Buffer.concat([tarEntry('./fields', control), tarEntry('./control', Buffer.alloc(0), '2', { linkName: 'fields' })]), /its control is not a regular file/],
    ['an entry under a hard link to a symbolic link', Buffer.concat([tarEntry('./dot', Buffer.alloc(0), '2', { linkName: '.' }), tarEntry('./up', Buffer.alloc(0), '1', { linkName: './dot' }), tarEntry('./up/control', control)]), /lies under a file or link/],
  ])('refuses %s', async (_, tar, message) => {
    await expect(read(tar)).rejects.toThrow(message);
  });

  it('refuses an archive cut off inside an entry', async () => {
    const tar = tarEntry('./control', Buffer.alloc(2000, 'c'));
    await expect(readDebControl(deb([binary, ['control.tar', tar.subarray(0, 1200)], data]))).rejects.toThrow(/unreadable tar archive \(truncated\)/);
  });
});
