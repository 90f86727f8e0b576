import { describe, expect, it } from 'vitest';
import { parseArchiveName } from '../../src/new/archive-name.js';
import { guessUpstream } from '../../src/new/upstream.js';

describe('guessUpstream', () => {
  it('watches a GNU-style folder as an html-index with a pattern for the file name', () => {
    expect(guessUpstream('https://ftp.gnu.org/gnu/gperf/gperf-3.3.tar.gz')).toMatchObject({
      upstream: { kind: 'html-index', url: 'https://ftp.gnu.org/gnu/gperf/', pattern: 'gperf-(\\d[\\d.]*)\\.tar\\.gz$' },
      name: 'gperf',
      version: '3.3',
      homepage: 'https://www.gnu.org/software/gperf/',
    });
  });

  it('mangles a dated version with a hyphen', () => {
    expect(guessUpstream('https://invisible-island.net/archives/mawk/mawk-1.3.4-20260302.tgz')?.upstream).toEqual({
      kind: 'html-index',
      url: 'https://invisible-island.net/archives/mawk/',
      pattern: 'mawk-(\\d[\\d.]*-\\d+)\\.tgz$',
      mangle: [{ match: '-', replace: '.' }],
    });
  });

  it('issue 14: watches a tag archive on the tags page (the API\'s tarball_url has no file extension), and release assets by the releases API', () => {
    expect(guessUpstream('https://github.com/DaveGamble/cJSON/archive/refs/tags/v1.7.19.tar.gz')).toMatchObject({
      upstream: { kind: 'html-index', url: 'https://github.com/DaveGamble/cJSON/tags', pattern: 'v(\\d[\\d.]*)\\.tar\\.gz' },
      name: 'cJSON',
      version: '1.7.19',
    });
    expect(guessUpstream('https://github.com/benhoyt/inih/archive/refs/tags/r61.tar.gz')?.upstream).toEqual({
      kind: 'html-index',
      url: 'https://github.com/benhoyt/inih/tags',
      pattern: 'r(\\d[\\d.]*)\\.tar\\.gz',
    });
    expect(guessUpstream('https://github.com/o/tool/releases/download/v2.1.0/tool-2.1.0.tar.xz')?.upstream).toEqual({
      kind: 'github',
      repo: 'o/tool',
      asset: 'tool-.+\\.tar\\.xz',
    });
  });

  it('reads npm and PyPI URLs', () => {
    expect(guessUpstream('https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz')).toMatchObject({ upstream: { kind: 'npm', package: 'left-pad' }, version: '1.3.0' });
    expect(guessUpstream('https://files.pythonhosted.org/packages/ab/cd/requests-2.32.3.tar.gz')).toMatchObject({ upstream: { kind: 'pypi', project: 'requests' }, version: '2.32.3' });
  });
});

describe('parseArchiveName', () => {
  it.each([
    ['hello-2.12.3.tar.gz', 'hello', '2.12.3'],
    ['lynx2.9.2.tar.bz2', 'lynx', '2.9.2'],
    ['pkg_1.0.tgz', 'pkg', '1.0'],
    ['libfoo-v3.1.tar.xz', 'libfoo', '3.1'],
  ])('%s', (file, name, version) => {
    expect(parseArchiveName(file)).toMatchObject({ name, version });
  });
});
