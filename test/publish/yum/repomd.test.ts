import { createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MAX_PRIMARY_BYTES, parsePrimary, parseRepomd, readPrimary } from '../../../src/publish/yum/repomd.js';

const repomd = `<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">
  <revision>1700000000</revision>
  <data type="primary">
    <checksum type="sha256">${'a'.repeat(64)}</checksum>
    <open-checksum type="sha256">${'b'.repeat(64)}</open-checksum>
    <location href="repodata/${'a'.repeat(64)}-primary.xml.gz"/>
    <timestamp>1700000000</timestamp>
    <size>812</size>
    <open-size>2000</open-size>
  </data>
  <data type="other">
    <checksum type="sha256">${'c'.repeat(64)}</checksum>
    <location href="repodata/${'c'.repeat(64)}-other.xml.gz"/>
    <size>300</size>
  </data>
</repomd>`;

const primary = `<metadata packages="1">
<package type="rpm">
  <name>a&amp;b</name>
  <arch>x86_64</arch>
  <version epoch="0" ver="1.0" rel="1"/>
  <checksum type="sha256" pkgid="YES">${'d'.repeat(64)}</checksum>
  <size package="4242" installed="100" archive="200"/>
  <location href="packages/a-1.0-1.x86_64.rpm"/>
</package>
</metadata>`;

describe('YUM metadata readers', () => {
  it('reads repomd.xml entries with the checksum, not the open-checksum', () => {
    expect(parseRepomd(repomd)).toEqual([
      { type: 'primary', href: `repodata/${'a'.repeat(64)}-primary.xml.gz`, sha256: 'a'.repeat(64), size: 812 },
      { type: 'other', href: `repodata/${'c'.repeat(64)}-other.xml.gz`, sha256: 'c'.repeat(64), size: 300 },
    ]);
  });

  it('reads package locations, checksums and sizes from primary.xml, unescaping XML', () => {
    expect(parsePrimary(primary)).toEqual([{ name: 'a&b', arch: 'x86_64', href: 'packages/a-1.0-1.x86_64.rpm', sha256: 'd'.repeat(64), size: 4242 }]);
  });

  it('case 37: refuses a primary.xml.gz that decompresses past the limit, naming the file and the limit', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'freshet-primary-')), 'primary.xml.gz');
    const zeros = Buffer.alloc(1024 * 1024);
    const chunks = (function* () {
      for (let mib = 0; mib <= MAX_PRIMARY_BYTES / zeros.length; mib++) yield zeros;
    })();
    await pipeline(Readable.from(chunks), createGzip({ level: 1 }), createWriteStream(file));
    await expect(readPrimary(file)).rejects.toThrow(`${file}: primary.xml is over the ${MAX_PRIMARY_BYTES}-byte limit`);
  });
});
