import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { capture, run } from '../../../src/core/exec.js';
import { generateDebianSource } from '../../../src/generate/deb/index.js';
import { fixtureTarball } from '../upstream-tarballs.js';
import { CASES, renderInput } from './cases.js';

/**
 * The library split really splits: build the libfoo fixture on this host with dpkg-buildpackage
 * and check which files each binary package received (the .install globs, multiarch libdir).
 */
describe('libfoo (cmake, library split) binary build', () => {
  it('puts the shared library, the development files and the tool in their packages', async () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'freshet-deb-build-'));
    const testCase = CASES.find((item) => item.recipe === 'libfoo')!;
    const tarball = await fixtureTarball('libfoo-1.4.0', 'tar.gz', path.join(scratch, 'upstream'));
    const outDir = path.join(scratch, 'out');
    const generated = await generateDebianSource({ ...renderInput(testCase), tarball, outDir });
    await run('dpkg-buildpackage', ['-b', '-us', '-uc'], { cwd: generated.sourceDir, env: { DEB_BUILD_OPTIONS: 'nocheck noddebs' } });
    const multiarch = await capture('dpkg-architecture', ['-qDEB_HOST_MULTIARCH']);
    const contents = async (name: string) => {
      const deb = readdirSync(outDir).find((file) => file.startsWith(`${name}_`) && file.endsWith('.deb'));
      expect(deb, name).toBeDefined();
      const files = await capture('dpkg-deb', ['-c', path.join(outDir, deb!)]);
      return files
        .split('\n')
        .map((line) => line.split(/\s+/)[5]!.replace(/^\./, ''))
        .filter((file) => !file.endsWith('/') && !file.startsWith('/usr/share/doc/'))
        .sort();
    };
    expect(await contents('libfoo1')).toEqual([`/usr/lib/${multiarch}/libfoo.so.1`, `/usr/lib/${multiarch}/libfoo.so.1.4.0`]);
    expect(await contents('libfoo-dev')).toEqual([
      '/usr/include/foo.h',
      `/usr/lib/${multiarch}/libfoo.so`,
      `/usr/lib/${multiarch}/pkgconfig/libfoo.pc`,
    ]);
    expect(await contents('foo-tools')).toEqual(['/usr/bin/foo', '/usr/share/man/man1/foo.1.gz']);
    const fields = await capture('dpkg-deb', ['-f', path.join(outDir, readdirSync(outDir).find((f) => f.startsWith('libfoo-dev_'))!), 'Depends', 'Multi-Arch']);
    expect(fields).toContain('Depends: libfoo1 (= 1.4.0-0~deb13+freshet1)');
    expect(fields).toContain('Multi-Arch: same');
  });
});
