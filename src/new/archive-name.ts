/**
 * Release file names: `gperf-3.3.tar.gz` → name gperf, version 3.3, extension .tar.gz. Also the
 * version shapes freshet turns into a watch pattern.
 */
export const TARBALL_EXTENSION = /(\.tar\.(?:gz|xz|bz2|zst|lz|lzma)|\.tgz|\.tbz2?|\.txz|\.zip)$/;

export interface ArchiveName {
  name: string;
  version: string;
  extension: string;
}

export function isTarballName(file: string): boolean {
  return TARBALL_EXTENSION.test(file);
}

/** `name-1.2.3.tar.gz`, `name_1.2.tgz`, `name-v1.2.tar.xz`, `lynx2.9.2.tar.bz2`; undefined when it has no version. */
export function parseArchiveName(file: string): ArchiveName | undefined {
  const extension = TARBALL_EXTENSION.exec(file)?.[1];
  if (!extension) return undefined;
  const stem = file.slice(0, -extension.length);
  const match = /^(.*?[A-Za-z])[-_]?v?(\d[A-Za-z0-9.+~_-]*)$/.exec(stem);
  if (!match) return undefined;
  return { name: match[1]!.replace(/[-_]$/, ''), version: match[2]!, extension };
}

export interface VersionShape {
  /** The regular expression of the version, one capture group. */
  group: string;
  /** A rewrite for Debian: `1.3.4-20200120` has a hyphen, which Debian keeps for the revision. */
  mangle?: { match: string; replace: string };
}

/** The regular expression that matches this version and its siblings. */
export function versionShape(version: string): VersionShape {
  if (/^\d[\d.]*$/.test(version)) return { group: '(\\d[\\d.]*)' };
  if (/^\d[\d.]*-\d+$/.test(version)) return { group: '(\\d[\\d.]*-\\d+)', mangle: { match: '-', replace: '.' } };
  return { group: '(\\d[A-Za-z0-9.+~_]*)' };
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A lower-case Debian package name from an upstream project name (`cJSON` → `cjson`). */
export function packageNameOf(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9+.-]+/g, '-')
    .replace(/^[^a-z0-9]+|-+$/g, '');
}
