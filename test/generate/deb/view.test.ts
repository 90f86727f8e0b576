import { describe, expect, it } from 'vitest';
import { debianView, installPath, rfc2822 } from '../../../src/generate/deb/view.js';
import { CASES, renderInput } from './cases.js';

describe('debianView', () => {
  it('splits a library: libs/libdevel sections, Multi-Arch same, -dev depends on the exact runtime', () => {
    const view = debianView(renderInput(CASES[1]!));
    const byName = Object.fromEntries(view.packages.map((pkg) => [pkg.name, pkg]));
    expect(byName.libfoo1).toMatchObject({ section: 'libs', multiArch: 'same', architecture: 'any', depends: ['${shlibs:Depends}', '${misc:Depends}'] });
    expect(byName['libfoo-dev']).toMatchObject({ section: 'libdevel', multiArch: 'same', depends: ['libfoo1 (= ${binary:Version})', '${misc:Depends}'] });
    expect(byName['foo-tools']!.section).toBeUndefined();
    expect(byName.libfoo1!.install).toEqual(['usr/lib/*/libfoo.so.*']);
    expect(view.build.installDir).toBe('debian/tmp');
  });

  it('gives a lone package the whole install tree, without .install files', () => {
    const view = debianView(renderInput(CASES[0]!));
    expect(view.packages[0]!.install).toEqual([]);
    expect(view.build.installDir).toBe('debian/hello');
  });
});

describe('installPath', () => {
  it.each([
    ['{libdir}/libfoo.so.*', 'usr/lib/*/libfoo.so.*'],
    ['{bindir}/foo', 'usr/bin/foo'],
    ['{includedir}/foo/*.h', 'usr/include/foo/*.h'],
    ['{datadir}/foo', 'usr/share/foo'],
    ['{mandir}/man1/foo.1', 'usr/share/man/man1/foo.1'],
    ['{sysconfdir}/foo.conf', 'etc/foo.conf'],
  ])('%s → %s', (pattern, expected) => expect(installPath(pattern, 'files[0]')).toBe(expected));

  it('names the field of an unknown placeholder', () => {
    expect(() => installPath('{libexecdir}/x', 'packages[0].files[1]')).toThrow(/packages\[0\]\.files\[1\]: unknown placeholder \{libexecdir\}/);
  });
});

describe('rfc2822', () => {
  it('formats in UTC whatever the input offset', () => {
    expect(rfc2822('Sun, 01 Jun 2025 14:00:00 +0200')).toBe('Sun, 01 Jun 2025 12:00:00 +0000');
    expect(rfc2822(new Date(Date.UTC(2024, 1, 29, 3, 4, 5)))).toBe('Thu, 29 Feb 2024 03:04:05 +0000');
  });
  it('refuses a date it cannot read', () => expect(() => rfc2822('yesterday')).toThrow(/not a valid date/));
});
