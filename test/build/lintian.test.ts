import { describe, expect, it } from 'vitest';
import { parseLintian } from '../../src/build/lintian.js';

describe('parseLintian', () => {
  it('counts errors and warnings, lists their tags once and keeps each finding with its package, files and lines', () => {
    const output = [
      'E: hello: embedded-library zlib [usr/bin/hello]',
      'W: hello source: newer-standards-version 4.7.0 (current is 4.6.2)',
      'W: hello: no-manual-page [usr/bin/hello]',
      'W: hello: no-manual-page [usr/bin/hola]',
      'I: hello: hardening-no-fortify-functions [usr/bin/hello]',
      'N: some note',
      'freshet: lintian exited with 2',
    ].join('\n');
    expect(parseLintian(output)).toEqual({
      tool: 'lintian',
      errors: 1,
      warnings: 3,
      tags: ['embedded-library', 'newer-standards-version', 'no-manual-page'],
      findings: [
        { severity: 'error', package: 'hello', tag: 'embedded-library', info: 'zlib [usr/bin/hello]' },
        { severity: 'warning', package: 'hello source', tag: 'newer-standards-version', info: '4.7.0 (current is 4.6.2)' },
        { severity: 'warning', package: 'hello', tag: 'no-manual-page', info: '[usr/bin/hello]' },
        { severity: 'warning', package: 'hello', tag: 'no-manual-page', info: '[usr/bin/hola]' },
      ],
    });
  });

  it('reports a clean package as zero findings', () => {
    expect(parseLintian('')).toEqual({ tool: 'lintian', errors: 0, warnings: 0, tags: [], findings: [] });
  });
});
