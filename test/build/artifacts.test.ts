import { describe, expect, it } from 'vitest';
import { checkBinaryFields, classifyArtifact, parseControlFields, upstreamOf } from '../../src/build/artifacts.js';

const hello = { source: 'hello', version: '2.10-3', upstreamVersion: '2.10' };

describe('case 21: classifyArtifact', () => {
  it.each([
    ['hello_2.10-3_amd64.deb', 'deb'],
    ['hello-dbgsym_2.10-3_amd64.deb', 'deb'],
    ['hello-udeb_2.10-3_amd64.udeb', 'udeb'],
    ['hello_2.10-3.dsc', 'dsc'],
    ['hello_2.10-3.debian.tar.xz', 'source-tar'],
    ['hello_2.10.orig.tar.gz', 'source-tar'],
    ['hello_2.10.orig.tar.gz.asc', 'source-tar'],
    ['hello_2.10-3_amd64.buildinfo', 'buildinfo'],
    ['hello_2.10-3_amd64.changes', 'changes'],
  ])('accepts %s as %s', (name, kind) => {
    expect(classifyArtifact(name, hello)).toBe(kind);
  });

  it.each([
    'evil.sh',
    '.hidden.deb',
    'other_2.10-3.dsc',
    'hello_2.11-1.dsc',
    'hello_2.10-3.dsc.bak',
    'hello_2.10.orig.tar.gz.sig',
    '../hello_2.10-3_amd64.deb',
    'hello_2.10-3_amd64.deb/x',
    'hello_2.10-3_AMD64.changes',
  ])('rejects %s', (name) => {
    expect(classifyArtifact(name, hello)).toBeUndefined();
  });
});

describe('binary package fields', () => {
  it('parses dpkg-deb --field output with continuation lines', () => {
    const fields = parseControlFields('Package: hello\nVersion: 2.10-3\nArchitecture: amd64\nDescription: hi\n there\n .\n more\n');
    expect(fields).toEqual({ Package: 'hello', Version: '2.10-3', Architecture: 'amd64', Description: 'hi\n there\n .\n more' });
  });

  it('reports fields that disagree with the file name', () => {
    expect(checkBinaryFields('hello_1:2.10-3_amd64.deb', { Package: 'hello', Version: '1:2.10-3', Architecture: 'amd64' })).toEqual([
      'hello_1:2.10-3_amd64.deb: not a binary package name',
    ]);
    expect(checkBinaryFields('hello_2.10-3_amd64.deb', { Package: 'hello', Version: '1:2.10-3', Architecture: 'amd64' })).toEqual([]);
    expect(checkBinaryFields('hello_2.10-3_amd64.deb', { Package: 'bash', Version: '2.10-3', Architecture: 'all' })).toEqual([
      'hello_2.10-3_amd64.deb: Package is bash',
      'hello_2.10-3_amd64.deb: Architecture is all',
    ]);
  });

  it('finds the upstream part of a version', () => {
    expect(upstreamOf('1:2.10-3')).toBe('2.10');
    expect(upstreamOf('2.10-1-2')).toBe('2.10-1');
    expect(upstreamOf('7')).toBe('7');
  });
});
