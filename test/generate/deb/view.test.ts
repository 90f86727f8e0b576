import { describe, expect, it } from 'vitest';
import { debianView, installPath, rfc2822, standardsVersionFor, STANDARDS_VERSION } from '../../../src/generate/deb/view.js';
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

  it('has library packages require the upstream version with ~, so our 0~ revisions satisfy it (epoch kept)', () => {
    const input = renderInput(CASES[1]!);
    expect(debianView(input).build.shlibs).toEqual([{ package: 'libfoo1', depends: 'libfoo1 (>= 1.4.0~)' }]);
    expect(debianView({ ...input, packageVersion: '2:1.4.0-0~deb13+freshet3' }).build.shlibs[0]!.depends).toBe('libfoo1 (>= 2:1.4.0~)');
    expect(debianView(renderInput(CASES[0]!)).build.shlibs).toEqual([]);
  });

  it('claims the newest policy version a release knows', () => {
    const base = renderInput(CASES[0]!).target;
    expect(standardsVersionFor({ ...base, codename: 'bookworm' })).toBe('4.6.2');
    expect(standardsVersionFor({ ...base, codename: 'trixie' })).toBe(STANDARDS_VERSION);
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
