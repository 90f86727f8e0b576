import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../core/errors.js';
import { sourceFileDigest, type FileDigest } from '../hash.js';
import { readDebControl, readDebControlFromBytes } from './deb-file.js';
import { field, fieldRows, formatStanza, parseStanzas, stripSignature, type Stanza } from './deb822.js';

const namePattern = /^[a-z0-9][a-z0-9+.-]+$/;
const versionPattern = /^[A-Za-z0-9.+~:-]+$/;
const archPattern = /^[a-z0-9-]+$/;

export interface BinaryPackage {
  name: string;
  version: string;
  arch: string;
  source: string;
  control: Stanza;
}

export interface SourcePackage {
  name: string;
  version: string;
  dsc: string;
  /** The .dsc and the files it lists, with their digests. */
  files: Array<{ name: string; path: string; digest: FileDigest }>;
  control: Stanza;
}

function required(stanza: Stanza, name: string, pattern: RegExp, file: string): string {
  const value = field(stanza, name);
  if (!value || !pattern.test(value)) throw new UserError(`${file}: control field ${name} is missing or invalid (${JSON.stringify(value ?? '')})`);
  return value;
}

/** A .deb's control stanza (the control file, as `dpkg-deb --field` prints it): read once, when the package is added. */
export async function readDeb(file: string): Promise<BinaryPackage> {
  return binaryPackage(await readDebControl(file), file);
}

/** The same from a .deb's bytes already read (`file` names it in errors). */
export async function readDebBytes(bytes: Buffer, file: string): Promise<BinaryPackage> {
  return binaryPackage(await readDebControlFromBytes(bytes, file), file);
}

function binaryPackage(text: string, file: string): BinaryPackage {
  const [control] = parseStanzas(text);
  if (!control) throw new UserError(`${file}: the control file has no fields`);
  const name = required(control, 'Package', namePattern, file);
  const source = (field(control, 'Source') ?? name).split(' ')[0]!;
  if (!namePattern.test(source)) throw new UserError(`${file}: control field Source is invalid (${JSON.stringify(source)})`);
  return { name, version: required(control, 'Version', versionPattern, file), arch: required(control, 'Architecture', archPattern, file), source, control };
}

/** pool/main/<prefix>/<source>/, with the lib<x> prefixes Debian uses for its many libraries. */
export function poolDir(source: string): string {
  const prefix = source.startsWith('lib') && source.length > 3 ? source.slice(0, 4) : source.slice(0, 1);
  return `pool/main/${prefix}/${source}`;
}

const dropFromPackages = new Set(['filename', 'size', 'md5sum', 'sha1', 'sha256', 'sha512']);

export function packagesStanza(pkg: BinaryPackage, filename: string, digest: { size: number; sha256: string }): string {
  const kept = pkg.control.filter(([key]) => !dropFromPackages.has(key.toLowerCase()));
  const [first, ...rest] = [...kept.filter(([key]) => key === 'Package'), ...kept.filter(([key]) => key !== 'Package')];
  return formatStanza([first!, ...rest, ['Filename', filename], ['Size', String(digest.size)], ['SHA256', digest.sha256]]);
}

export async function readDsc(file: string): Promise<SourcePackage> {
  const [control] = parseStanzas(stripSignature(await readFile(file, 'utf8')));
  if (!control) throw new UserError(`${file}: not a source control file`);
  const name = required(control, 'Source', namePattern, file);
  const version = required(control, 'Version', versionPattern, file);
  const listed = fieldRows(control, 'Checksums-Sha256');
  if (listed.length === 0) throw new UserError(`${file}: no Checksums-Sha256 field`);
  const files = [{ name: path.basename(file), path: file, digest: await sourceFileDigest(file) }];
  for (const [sha256, size, fileName] of listed) {
    if (!fileName || fileName.includes('/') || fileName.startsWith('.')) throw new UserError(`${file}: bad file name in Checksums-Sha256: ${fileName}`);
    const member = path.join(path.dirname(file), fileName);
    const digest = await sourceFileDigest(member).catch(() => {
      throw new UserError(`${file}: lists ${fileName}, which is not beside it`);
    });
    if (digest.sha256 !== sha256 || String(digest.size) !== size) throw new UserError(`${member}: does not match the hash and size in ${path.basename(file)}`);
    files.push({ name: fileName, path: member, digest });
  }
  return { name, version, dsc: file, files, control };
}

// Package is written from Source: one a .dsc carries would be a second, naming another package.
const dropFromSources = new Set(['source', 'package', 'files', 'checksums-sha1', 'checksums-sha256', 'checksums-sha512', 'directory']);

export function sourcesStanza(pkg: SourcePackage, directory: string): string {
  const kept = pkg.control.filter(([key]) => !dropFromSources.has(key.toLowerCase()));
  const rows = (pick: (digest: FileDigest) => string) => `\n${pkg.files.map((file) => ` ${pick(file.digest)} ${file.digest.size} ${file.name}`).join('\n')}`;
  return formatStanza([
    ['Package', pkg.name],
    ...kept,
    ['Directory', directory],
    ['Files', rows((digest) => digest.md5)],
    ['Checksums-Sha256', rows((digest) => digest.sha256)],
  ]);
}
