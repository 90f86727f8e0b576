import { describe, expect, it } from 'vitest';
import { parseRpmlint } from '../../src/build/rpmlint.js';

describe('parseRpmlint', () => {
  it('counts errors and warnings of packages and specs and lists each tag once', () => {
    const output = [
      'hello.x86_64: W: unstripped-binary-or-object /usr/bin/hello',
      'hello.x86_64: W: file-not-in-%lang /usr/share/locale/de/LC_MESSAGES/hello.mo',
      'hello.x86_64: W: file-not-in-%lang /usr/share/locale/fr/LC_MESSAGES/hello.mo',
      'hello.spec:12: E: specfile-error warning: bogus date',
      'hello.src: E: no-signature',
      'hello.x86_64: I: checking',
      '2 packages and 1 specfiles checked; 2 errors, 3 warnings, 0 badness; has taken 1.2 s',
    ].join('\n');
    expect(parseRpmlint(output)).toEqual({
      tool: 'rpmlint',
      errors: 2,
      warnings: 3,
      tags: ['file-not-in-%lang', 'no-signature', 'specfile-error', 'unstripped-binary-or-object'],
      findings: expect.arrayContaining([
        { severity: 'warning', package: 'hello.x86_64', tag: 'unstripped-binary-or-object', info: '/usr/bin/hello' },
        { severity: 'error', package: 'hello.spec:12', tag: 'specfile-error', info: 'warning: bogus date' },
      ]),
    });
  });

  it('leaves out tags that mean nothing for freshet specs (SPDX License, Source0 file name, Mandriva library names), counting them as ignored', () => {
    const output = [
      'hello.src: W: invalid-license GPL-3.0-or-later',
      'hello.src: W: invalid-url Source0: hello-2.12.3.tar.gz',
      'libfoo1.x86_64: E: lib-package-without-%mklibname',
      'hello.x86_64: W: no-documentation',
    ].join('\n');
    expect(parseRpmlint(output)).toEqual({
      tool: 'rpmlint',
      errors: 0,
      warnings: 1,
      tags: ['no-documentation'],
      findings: [{ severity: 'warning', package: 'hello.x86_64', tag: 'no-documentation', info: '' }],
      ignored: 3,
    });
  });

  it('reports nothing for a clean run', () => {
    expect(parseRpmlint('1 packages and 0 specfiles checked; 0 errors, 0 warnings')).toEqual({ tool: 'rpmlint', errors: 0, warnings: 0, tags: [], findings: [] });
  });
});
