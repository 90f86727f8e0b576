/**
 * Checksum files as upstreams publish them: GNU coreutils (`<hex>  name` or `<hex> *name`) and
 * BSD/`--tag` style (`SHA256 (name) = <hex>`). A file with a single bare hash names no file.
 */
export interface ChecksumLine {
  file: string | undefined;
  algorithm: string | undefined;
  hash: string;
}

const GNU = /^\\?([0-9a-fA-F]{64,128})[ \t]+[ *]?(.+)$/;
const BSD = /^(SHA256|SHA512|SHA-256|SHA-512)\s*\((.+)\)\s*=\s*([0-9a-fA-F]{64,128})$/i;
const BARE = /^([0-9a-fA-F]{64,128})$/;

export function parseChecksumFile(text: string): ChecksumLine[] {
  const lines: ChecksumLine[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const bsd = BSD.exec(line);
    if (bsd) {
      lines.push({ file: bsd[2]!, algorithm: bsd[1]!.replace('-', '').toLowerCase(), hash: bsd[3]!.toLowerCase() });
      continue;
    }
    const gnu = GNU.exec(line);
    if (gnu) {
      lines.push({ file: gnu[2]!.replace(/^\.\//, ''), algorithm: undefined, hash: gnu[1]!.toLowerCase() });
      continue;
    }
    const bare = BARE.exec(line);
    if (bare) lines.push({ file: undefined, algorithm: undefined, hash: bare[1]!.toLowerCase() });
  }
  return lines;
}

/** The hash listed for `fileName` with the given algorithm (by hash length when the line does not say). */
export function findChecksum(lines: readonly ChecksumLine[], fileName: string, algorithm: 'sha256' | 'sha512'): string | undefined {
  const length = algorithm === 'sha256' ? 64 : 128;
  const fits = (line: ChecksumLine) => (line.algorithm ? line.algorithm === algorithm : line.hash.length === length);
  const named = lines.find((line) => fits(line) && line.file !== undefined && line.file.split('/').pop() === fileName);
  if (named) return named.hash;
  const candidates = lines.filter(fits);
  return candidates.length === 1 && candidates[0]!.file === undefined ? candidates[0]!.hash : undefined;
}
