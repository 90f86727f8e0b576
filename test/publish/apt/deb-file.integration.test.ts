import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { capture, run } from '../../../src/core/exec.js';
import { readDebControl } from '../../../src/publish/apt/deb-file.js';

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
    if (compression === 'zstd') expect(read).toBeUndefined();
    else expect(`${read}`.trimEnd()).toBe(expected.trimEnd());
  });
});
