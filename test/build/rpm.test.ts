import { describe, expect, it } from 'vitest';
import { checkRpm } from '../../src/build/rpm.js';
import type { RpmManifest } from '../../src/generate/rpm/index.js';

const manifest: RpmManifest = {
  name: 'libtasn1',
  epoch: undefined,
  version: '4.20.0',
  release: '0.deb12.freshet1',
  spec: 'SPECS/libtasn1.spec',
  packages: ['libtasn1', 'libtasn1-devel', 'libtasn1-bin'],
  buildRequires: ['gcc', 'make'],
};

const fields = (name: string, arch = 'x86_64') => ({ NAME: name, EPOCHNUM: '0', VERSION: '4.20.0', RELEASE: '0.deb12.freshet1', ARCH: arch });

describe('checkRpm', () => {
  it('accepts the packages the spec declares, their debuginfo and the source RPM', () => {
    expect(checkRpm('libtasn1-devel-4.20.0-0.deb12.freshet1.x86_64.rpm', 'rpm', fields('libtasn1-devel'), manifest)).toEqual([]);
    expect(checkRpm('libtasn1-debuginfo-4.20.0-0.deb12.freshet1.x86_64.rpm', 'rpm', fields('libtasn1-debuginfo'), manifest)).toEqual([]);
    expect(checkRpm('libtasn1-4.20.0-0.deb12.freshet1.src.rpm', 'srpm', fields('libtasn1'), manifest)).toEqual([]);
  });

  it('refuses a package the spec does not declare, a name that lies about the header, another version', () => {
    expect(checkRpm('evil-4.20.0-0.deb12.freshet1.x86_64.rpm', 'rpm', fields('evil'), manifest)).toEqual([
      'evil-4.20.0-0.deb12.freshet1.x86_64.rpm: package evil is not declared by the spec',
    ]);
    expect(checkRpm('libtasn1-4.20.0-0.deb12.freshet1.x86_64.rpm', 'rpm', fields('libtasn1-bin'), manifest)[0]).toMatch(/header says libtasn1-bin-/);
    const other = { ...fields('libtasn1'), RELEASE: '0.deb12.freshet9' };
    expect(checkRpm('libtasn1-4.20.0-0.deb12.freshet9.x86_64.rpm', 'rpm', other, manifest)).toEqual([
      'libtasn1-4.20.0-0.deb12.freshet9.x86_64.rpm: version 4.20.0-0.deb12.freshet9, the spec declares 4.20.0-0.deb12.freshet1',
    ]);
  });
});
