import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { UserError } from '../../core/errors.js';

/**
 * The few facts freshet reads back from YUM metadata (repomd.xml and primary.xml), for the
 * self-check and the verifier. createrepo_c writes them in a regular shape; attribute values are
 * XML-escaped, which these readers undo.
 */
export interface RepomdEntry {
  type: string;
  href: string;
  sha256: string;
  size: number | undefined;
}

export interface PrimaryPackage {
  name: string;
  arch: string;
  href: string;
  sha256: string;
  size: number | undefined;
}

const gunzipAsync = promisify(gunzip);

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

export function parseRepomd(xml: string): RepomdEntry[] {
  const entries: RepomdEntry[] = [];
  for (const block of xml.matchAll(/<data type="([^"]+)">([\s\S]*?)<\/data>/g)) {
    const body = block[2]!;
    const checksum = /<checksum type="sha256">([0-9a-f]{64})<\/checksum>/.exec(body)?.[1];
    const href = /<location href="([^"]+)"/.exec(body)?.[1];
    const size = /<size>(\d+)<\/size>/.exec(body)?.[1];
    entries.push({ type: block[1]!, href: href ? unescapeXml(href) : '', sha256: checksum ?? '', size: size ? Number(size) : undefined });
  }
  return entries;
}

export function parsePrimary(xml: string): PrimaryPackage[] {
  const packages: PrimaryPackage[] = [];
  for (const block of xml.matchAll(/<package type="rpm">([\s\S]*?)<\/package>/g)) {
    const body = block[1]!;
    packages.push({
      name: unescapeXml(/<name>([^<]*)<\/name>/.exec(body)?.[1] ?? ''),
      arch: /<arch>([^<]*)<\/arch>/.exec(body)?.[1] ?? '',
      href: unescapeXml(/<location href="([^"]+)"/.exec(body)?.[1] ?? ''),
      sha256: /<checksum type="sha256" pkgid="YES">([0-9a-f]{64})<\/checksum>/.exec(body)?.[1] ?? '',
      size: Number(/<size package="(\d+)"/.exec(body)?.[1] ?? Number.NaN) || undefined,
    });
  }
  return packages;
}

/** primary.xml is parsed as one string: some 100,000 packages fit, a gzip bomb does not. */
export const MAX_PRIMARY_BYTES = 256 * 1024 * 1024;

/** primary.xml(.gz) from a file: createrepo_c compresses it with gzip by default. */
export async function readPrimary(file: string): Promise<PrimaryPackage[]> {
  const data = await readFile(file);
  const tooLarge = () => new UserError(`${file}: primary.xml is over the ${MAX_PRIMARY_BYTES}-byte limit`);
  if (!file.endsWith('.gz')) {
    if (data.length > MAX_PRIMARY_BYTES) throw tooLarge();
    return parsePrimary(data.toString('utf8'));
  }
  const xml = await gunzipAsync(data, { maxOutputLength: MAX_PRIMARY_BYTES }).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'ERR_BUFFER_TOO_LARGE' ? tooLarge() : new UserError(`${file}: does not decompress (${error.message})`);
  });
  return parsePrimary(xml.toString('utf8'));
}
