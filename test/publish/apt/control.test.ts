import { describe, expect, it } from 'vitest';
import { sourcesStanza, type SourcePackage } from '../../../src/publish/apt/control.js';
import { parseStanzas } from '../../../src/publish/apt/deb822.js';

describe('Sources stanza', () => {
  it('case 32: a .dsc that adds Package: bash gets one Package line, its Source, in the Sources index', () => {
    const [control] = parseStanzas('Format: 3.0 (quilt)\nSource: hello\nPackage: bash\nBinary: hello\nVersion: 1.0-1\n');
    const digest = { size: 3, md5: 'm'.repeat(32), sha256: 's'.repeat(64), sha512: 'x'.repeat(128) };
    const pkg: SourcePackage = { name: 'hello', version: '1.0-1', dsc: '/out/hello_1.0-1.dsc', files: [{ name: 'hello_1.0-1.dsc', path: '/out/hello_1.0-1.dsc', digest }], control: control! };
    const [written] = parseStanzas(sourcesStanza(pkg, 'pool/main/h/hello'));
    expect(written!.filter(([key]) => key.toLowerCase() === 'package')).toEqual([['Package', 'hello']]);
  });
});
