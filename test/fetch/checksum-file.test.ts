import { describe, expect, it } from 'vitest';
import { findChecksum, parseChecksumFile } from '../../src/fetch/checksum-file.js';

const a = 'a'.repeat(64);
const b = 'b'.repeat(64);
const c = 'c'.repeat(128);

describe('checksum files', () => {
  it('reads sha256sum lines, text and binary mode', () => {
    const lines = parseChecksumFile(`${a}  foo-1.0.tar.gz\n${b} *./bar-1.0.tar.gz\n`);
    expect(findChecksum(lines, 'foo-1.0.tar.gz', 'sha256')).toBe(a);
    expect(findChecksum(lines, 'bar-1.0.tar.gz', 'sha256')).toBe(b);
    expect(findChecksum(lines, 'baz-1.0.tar.gz', 'sha256')).toBeUndefined();
  });

  it('reads BSD / --tag lines and keeps the algorithms apart', () => {
    const lines = parseChecksumFile(`SHA256 (foo-1.0.tar.gz) = ${a.toUpperCase()}\r\nSHA512 (foo-1.0.tar.gz) = ${c}\n`);
    expect(findChecksum(lines, 'foo-1.0.tar.gz', 'sha256')).toBe(a);
    expect(findChecksum(lines, 'foo-1.0.tar.gz', 'sha512')).toBe(c);
  });

  it('takes a lone bare hash as the hash of the file it was published beside', () => {
    expect(findChecksum(parseChecksumFile(`${a}\n`), 'foo-1.0.tar.gz', 'sha256')).toBe(a);
    expect(findChecksum(parseChecksumFile(`${a}\n${b}\n`), 'foo-1.0.tar.gz', 'sha256')).toBeUndefined();
  });
});
