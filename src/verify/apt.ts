import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { field, fieldRows, parseStanzas } from '../publish/apt/deb822.js';
import { parseRelease, parseReleaseDate } from '../publish/apt/release.js';
import { digestFile, type ReleaseDigest } from '../publish/hash.js';
import { gpgvVerify } from '../sign/sign.js';

/**
 * The archive check: what apt itself would refuse, found before a client does. Every check
 * reports a problem and goes on, so one run lists everything that is wrong.
 */
export interface Problem {
  file: string;
  message: string;
}

/** apt rejects a Release dated more than this in the future. */
const FUTURE_TOLERANCE_MS = 10_000;

type Digests = Map<string, Promise<ReleaseDigest | undefined>>;

function digestOnce(cache: Digests, file: string): Promise<ReleaseDigest | undefined> {
  let digest = cache.get(file);
  if (!digest) {
    digest = digestFile(file).catch(() => undefined);
    cache.set(file, digest);
  }
  return digest;
}

/** Signatures, Release fields and every file Release lists, in one suite folder. */
export async function verifySuiteDir(suiteDir: string, keyring: string, now = new Date()): Promise<Problem[]> {
  const problems: Problem[] = [];
  const at = (name: string) => path.join(suiteDir, name);
  for (const name of ['InRelease', 'Release', 'Release.gpg']) {
    if (!existsSync(at(name))) problems.push({ file: at(name), message: 'missing' });
  }
  if (problems.length > 0) return problems;

  const extracted = path.join(os.tmpdir(), `freshet-inrelease-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const detachedCheck = gpgvVerify(keyring, at('Release.gpg'), { signedData: at('Release') });
  const release = parseRelease(await readFile(at('Release'), 'utf8'));
  // Every listed file is hashed while the two gpgv processes run, not after them.
  const cache: Digests = new Map();
  for (const kind of ['SHA256', 'SHA512']) {
    for (const [, , name] of fieldRows(release, kind)) if (name && !name.includes('..')) void digestOnce(cache, at(name));
  }
  try {
    const inRelease = await gpgvVerify(keyring, at('InRelease'), { extractTo: extracted });
    if (!inRelease.ok) problems.push({ file: at('InRelease'), message: `signature does not verify against ${keyring}: ${inRelease.output}` });
    else if ((await readFile(extracted, 'utf8')) !== (await readFile(at('Release'), 'utf8'))) {
      problems.push({ file: at('InRelease'), message: 'signed text differs from Release' });
    }
  } finally {
    await rm(extracted, { force: true });
  }
  const detached = await detachedCheck;
  if (!detached.ok) problems.push({ file: at('Release.gpg'), message: `signature does not verify against ${keyring}: ${detached.output}` });

  const date = parseReleaseDate(field(release, 'Date'));
  const validUntil = parseReleaseDate(field(release, 'Valid-Until'));
  if (!date) problems.push({ file: at('Release'), message: 'no valid Date field' });
  else if (date.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) problems.push({ file: at('Release'), message: `Date ${field(release, 'Date')} is in the future` });
  if (!validUntil) problems.push({ file: at('Release'), message: 'no valid Valid-Until field' });
  else if (validUntil.getTime() <= now.getTime()) problems.push({ file: at('Release'), message: `expired: Valid-Until ${field(release, 'Valid-Until')} has passed` });
  if (fieldRows(release, 'MD5Sum').length > 0 || fieldRows(release, 'SHA1').length > 0) {
    problems.push({ file: at('Release'), message: 'lists MD5Sum or SHA1 hashes' });
  }
  const byHash = field(release, 'Acquire-By-Hash') === 'yes';
  for (const [kind, pick] of [['SHA256', (d: ReleaseDigest) => d.sha256], ['SHA512', (d: ReleaseDigest) => d.sha512]] as const) {
    const rows = fieldRows(release, kind);
    if (rows.length === 0) problems.push({ file: at('Release'), message: `no ${kind} list` });
    for (const [hash, size, name] of rows) {
      if (!name || name.includes('..')) {
        problems.push({ file: at('Release'), message: `bad ${kind} entry: ${name}` });
        continue;
      }
      const digest = await digestOnce(cache, at(name));
      if (!digest) problems.push({ file: at(name), message: 'listed in Release but missing' });
      else if (String(digest.size) !== size || pick(digest) !== hash) problems.push({ file: at(name), message: `${kind} or size differs from Release` });
      if (byHash && !existsSync(path.join(suiteDir, path.dirname(name), 'by-hash', kind, hash ?? ''))) {
        problems.push({ file: at(name), message: `no by-hash/${kind} copy` });
      }
    }
  }
  return problems;
}

/** Every Packages entry and every Sources file points at a pool file with the listed hash and size. */
export async function verifyPool(root: string, suiteDir: string, cache: Digests = new Map()): Promise<Problem[]> {
  const problems: Problem[] = [];
  const release = parseRelease(await readFile(path.join(suiteDir, 'Release'), 'utf8'));
  const listed = fieldRows(release, 'SHA256').map((row) => row[2] ?? '');
  const check = async (index: string, poolFile: string, size: string | undefined, sha256: string | undefined) => {
    if (!poolFile || poolFile.includes('..') || path.isAbsolute(poolFile)) {
      problems.push({ file: index, message: `bad pool path ${poolFile}` });
      return;
    }
    const digest = await digestOnce(cache, path.join(root, poolFile));
    if (!digest) problems.push({ file: index, message: `${poolFile}: listed but missing from the pool` });
    else if (String(digest.size) !== size || digest.sha256 !== sha256) problems.push({ file: index, message: `${poolFile}: SHA256 or size differs from the index` });
  };
  for (const name of listed.filter((entry) => /(^|\/)Packages$/.test(entry))) {
    const index = path.join(suiteDir, name);
    for (const stanza of parseStanzas(await readFile(index, 'utf8').catch(() => ''))) {
      await check(index, field(stanza, 'Filename') ?? '', field(stanza, 'Size'), field(stanza, 'SHA256'));
    }
  }
  for (const name of listed.filter((entry) => /(^|\/)Sources$/.test(entry))) {
    const index = path.join(suiteDir, name);
    for (const stanza of parseStanzas(await readFile(index, 'utf8').catch(() => ''))) {
      const directory = field(stanza, 'Directory') ?? '';
      for (const [sha256, size, file] of fieldRows(stanza, 'Checksums-Sha256')) {
        await check(index, `${directory}/${file}`, size, sha256);
      }
    }
  }
  return problems;
}

/** Suites published under dists/ (the generation folders themselves are not suites). */
export async function listSuites(root: string): Promise<string[]> {
  const dists = path.join(root, 'dists');
  if (!existsSync(dists)) return [];
  return (await readdir(dists)).filter((entry) => !entry.startsWith('.')).sort();
}

export async function verifyAptArchive(root: string, keyring: string, now = new Date()): Promise<Problem[]> {
  const problems: Problem[] = [];
  if (!existsSync(keyring)) return [{ file: keyring, message: 'archive keyring missing' }];
  const suites = await listSuites(root);
  if (suites.length === 0) problems.push({ file: path.join(root, 'dists'), message: 'no suites published' });
  const cache: Digests = new Map();
  for (const suite of suites) {
    const suiteDir = path.join(root, 'dists', suite);
    const suiteProblems = await verifySuiteDir(suiteDir, keyring, now);
    problems.push(...suiteProblems);
    if (existsSync(path.join(suiteDir, 'Release'))) problems.push(...(await verifyPool(root, suiteDir, cache)));
  }
  return problems;
}
