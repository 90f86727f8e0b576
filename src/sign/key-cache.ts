import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../core/errors.js';
import { gpg } from './gpg.js';
import { nativeKeyExpired, nativeKeyFrom, type NativeKey } from './native-key.js';

/**
 * What a publish needs from freshet's GnuPG home (the secret-key listing, the armored public and
 * secret key), exported with gpg once and kept in `<gnupg home>/freshet-key-cache.json` (0600,
 * inside the 0700 home that already holds the same key unprotected) until the home changes.
 * A publish then starts no gpg at all. The cache is valid only for the exact bytes of pubring.kbx
 * and the names, sizes and mtimes of private-keys-v1.d: a new, deleted or extended key (expiry
 * lives in pubring.kbx) makes the next publish list and export again.
 * Beside the armored secret key the cache holds the same key as a JWK for node:crypto
 * (native-key.ts), so a publish parses no OpenPGP: the file is 0600 inside the 0700 home that
 * holds the key unprotected already, so the second copy exposes nothing more.
 */
export const KEY_CACHE = 'freshet-key-cache.json';

export interface ListedKey {
  fingerprint: string;
  uid: string;
  createdAt: string;
  expiresAt: string | null;
  algorithm: string;
}

interface ExportedKey {
  publicArmored: string;
  secretArmored: string;
  /** null for a key kind that only openpgp.js signs with; absent in a cache written before it existed. */
  nativeKey?: NativeKey | null;
}

interface CacheFile {
  stamp: string;
  keys: ListedKey[];
  exports: Record<string, ExportedKey>;
}

/** A digest of everything in the home that says which keys exist and what they sign as. */
export function homeStamp(home: string): string {
  const hash = createHash('sha256');
  for (const name of ['pubring.kbx', 'pubring.gpg']) {
    const file = path.join(home, name);
    if (existsSync(file)) hash.update(name).update(readFileSync(file));
  }
  const secrets = path.join(home, 'private-keys-v1.d');
  if (existsSync(secrets)) {
    for (const name of readdirSync(secrets).sort()) {
      const stats = statSync(path.join(secrets, name));
      hash.update(`${name}:${stats.size}:${stats.mtimeMs}\n`);
    }
  }
  return hash.digest('hex');
}

function readCache(home: string, stamp: string): CacheFile | undefined {
  try {
    const cache = JSON.parse(readFileSync(path.join(home, KEY_CACHE), 'utf8')) as CacheFile;
    return cache.stamp === stamp ? cache : undefined;
  } catch {
    return undefined;
  }
}

let writes = 0;

async function writeCache(home: string, cache: CacheFile): Promise<void> {
  const file = path.join(home, KEY_CACHE);
  const tmp = `${file}.tmp-${process.pid}-${(writes += 1)}`;
  await writeFile(tmp, JSON.stringify(cache), { mode: 0o600 });
  await rename(tmp, file);
}

/** Secret keys of the home: from the cache when the home is unchanged, otherwise from `list` (gpg). */
export async function cachedKeyListing(home: string, list: () => Promise<ListedKey[]>): Promise<ListedKey[]> {
  if (!existsSync(home)) return [];
  const stamp = homeStamp(home);
  const cached = readCache(home, stamp);
  if (cached) return cached.keys;
  const keys = await list();
  // Written only if the home did not change while gpg listed it.
  if (homeStamp(home) === stamp) await writeCache(home, { stamp, keys, exports: {} });
  return keys;
}

const exporting = new Map<string, Promise<ExportedKey>>();

/** Whether an export must be made again although the home did not change: its node:crypto key stopped signing with time. */
const stale = (exported: ExportedKey): boolean => exported.nativeKey === undefined || (exported.nativeKey !== null && nativeKeyExpired(exported.nativeKey));

/** The armored public and secret key of `fingerprint`, exported with gpg on the first call after a change. */
export async function exportedKey(home: string, fingerprint: string): Promise<ExportedKey> {
  // The public export and the signer ask at the same time: one export between them.
  const stamp = homeStamp(home);
  const key = `${home}\0${fingerprint}\0${stamp}`;
  const pending = exporting.get(key);
  if (pending && !stale(await pending)) return pending;
  const fresh = exportOnce(home, fingerprint, stamp);
  exporting.set(key, fresh);
  return fresh;
}

async function exportOnce(home: string, fingerprint: string, stamp: string): Promise<ExportedKey> {
  const cached = readCache(home, stamp);
  const known = cached?.exports[fingerprint];
  if (known && !stale(known)) return known;
  const [publicArmored, secretArmored] = known
    ? [known.publicArmored, known.secretArmored]
    : await Promise.all([
        gpg(home, ['--armor', '--export', fingerprint]).then((result) => result.stdout),
        gpg(home, ['--armor', '--export-secret-keys', fingerprint]).then((result) => result.stdout),
      ]);
  if (!publicArmored.includes('BEGIN PGP PUBLIC KEY BLOCK')) throw new UserError(`${home}: could not export key ${fingerprint}`);
  if (!secretArmored.includes('BEGIN PGP PRIVATE KEY BLOCK')) throw new UserError(`${home}: could not export the secret key ${fingerprint}`);
  const exported = { publicArmored, secretArmored, nativeKey: await nativeKeyFrom(secretArmored, fingerprint) };
  if (cached && homeStamp(home) === stamp) await writeCache(home, { ...cached, exports: { ...cached.exports, [fingerprint]: exported } });
  return exported;
}
