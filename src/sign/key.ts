import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, UserError } from '../core/errors.js';
import { log } from '../core/log.js';
import { ensureGnupgHome, gnupgHome, gpg } from './gpg.js';
import { cachedKeyListing, exportedKey, type ListedKey } from './key-cache.js';
import { createNativeSigner } from './native-signer.js';
import { createSigner, type Signer } from './openpgp-signer.js';

/** The archive's public key, as operators download it: armored, and binary for Signed-By. */
export const KEYRING_ASC = 'freshet-archive-keyring.asc';
export const KEYRING_GPG = 'freshet-archive-keyring.gpg';

export const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

/** expiresAt: ISO 8601, or null for a key that never expires. */
export type SecretKey = ListedKey;

export type KeyState = 'ok' | 'missing' | 'expired' | 'expiring-soon';

export interface KeyStatus {
  state: KeyState;
  home: string;
  key?: SecretKey;
  daysLeft?: number;
  message: string;
}

const algorithms: Record<string, string> = { '1': 'rsa', '22': 'ed25519' };

function epochToIso(value: string | undefined): string | null {
  return value ? new Date(Number(value) * 1000).toISOString() : null;
}

/** Secret keys of a home, from gpg's stable colon format (doc/DETAILS in GnuPG). */
export async function listSecretKeys(home: string): Promise<SecretKey[]> {
  if (!existsSync(home)) return [];
  const { stdout } = await gpg(home, ['--with-colons', '--fixed-list-mode', '--list-secret-keys'], { allowFailure: true });
  const keys: SecretKey[] = [];
  let current: Partial<SecretKey> & { bits?: string } = {};
  for (const line of stdout.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === 'sec') {
      current = {
        createdAt: epochToIso(fields[5]) ?? '',
        expiresAt: epochToIso(fields[6]),
        algorithm: fields[3] === '1' ? `rsa${fields[2]}` : (algorithms[fields[3] ?? ''] ?? `algo${fields[3]}`),
      };
      keys.push(current as SecretKey);
    } else if (fields[0] === 'fpr' && current.fingerprint === undefined && keys.at(-1) === current) {
      current.fingerprint = fields[9] ?? '';
    } else if (fields[0] === 'uid' && current.uid === undefined && keys.at(-1) === current) {
      current.uid = fields[9] ?? '';
    }
  }
  return keys.filter((key) => key.fingerprint);
}

/** The configured key, or the only key of the home; undefined when there is none. */
export async function findArchiveKey(stateDir: string, fingerprint: string | undefined): Promise<SecretKey | undefined> {
  const home = gnupgHome(stateDir);
  const keys = await cachedKeyListing(home, () => listSecretKeys(home));
  if (fingerprint) return keys.find((key) => key.fingerprint === fingerprint);
  if (keys.length > 1) {
    throw new ConfigError(
      `${gnupgHome(stateDir)}: holds ${keys.length} secret keys (${keys.map((key) => key.fingerprint).join(', ')})`,
      { hint: 'set signing.key in the config to the fingerprint of the archive key' },
    );
  }
  return keys[0];
}

export async function keyStatus(stateDir: string, fingerprint: string | undefined, now = new Date(), warningDays = EXPIRY_WARNING_DAYS): Promise<KeyStatus> {
  const home = gnupgHome(stateDir);
  const key = await findArchiveKey(stateDir, fingerprint);
  if (!key) {
    const which = fingerprint ? `the configured key ${fingerprint}` : 'an archive signing key';
    return { state: 'missing', home, message: `${home}: no secret key for ${which}` };
  }
  if (key.expiresAt === null) return { state: 'ok', home, key, message: `key ${key.fingerprint} never expires` };
  const daysLeft = Math.floor((Date.parse(key.expiresAt) - now.getTime()) / DAY_MS);
  if (Date.parse(key.expiresAt) <= now.getTime()) {
    return { state: 'expired', home, key, daysLeft, message: `key ${key.fingerprint} expired on ${key.expiresAt}` };
  }
  if (daysLeft < warningDays) {
    return { state: 'expiring-soon', home, key, daysLeft, message: `key ${key.fingerprint} expires on ${key.expiresAt} (${daysLeft} days left)` };
  }
  return { state: 'ok', home, key, daysLeft, message: `key ${key.fingerprint} expires on ${key.expiresAt}` };
}

/** The key to sign with; a missing or expired key is an error, so nothing new goes live. */
export async function requireSigningKey(stateDir: string, fingerprint: string | undefined): Promise<SecretKey> {
  const status = await keyStatus(stateDir, fingerprint);
  if (status.state === 'missing' || status.state === 'expired' || !status.key) {
    throw new UserError(`cannot sign the archive: ${status.message}; nothing was published`, {
      hint: status.state === 'missing' ? 'run `freshet key create`' : 'extend the key (gpg --quick-set-expire) or create a new one',
    });
  }
  warnIfExpiringSoon(status);
  return status.key;
}

const warned = new Set<string>();

/** Warn once per process that the archive key expires within EXPIRY_WARNING_DAYS. */
export function warnIfExpiringSoon(status: KeyStatus): void {
  if (status.state !== 'expiring-soon' || !status.key || warned.has(status.key.fingerprint)) return;
  warned.add(status.key.fingerprint);
  log.warn('archive signing key expires soon', { fingerprint: status.key.fingerprint, expires: status.key.expiresAt, daysLeft: status.daysLeft });
}

export interface CreateKeyOptions {
  name: string;
  email: string;
  algorithm: 'ed25519' | 'rsa4096';
  /** gpg expiry syntax: `2y`, `365d`, `never`. */
  expire: string;
}

export async function createKey(stateDir: string, options: CreateKeyOptions): Promise<SecretKey> {
  const home = gnupgHome(stateDir);
  ensureGnupgHome(home);
  const existing = await listSecretKeys(home);
  if (existing.length > 0) {
    throw new UserError(`${home}: already holds the archive key ${existing.map((key) => key.fingerprint).join(', ')}; not creating another`);
  }
  const uid = `${options.name} <${options.email}>`;
  await gpg(home, ['--quick-generate-key', uid, options.algorithm, 'sign', options.expire]);
  const [key] = await listSecretKeys(home);
  if (!key) throw new UserError(`${home}: gpg reported success but no key was created`);
  log.info('archive key created', { fingerprint: key.fingerprint, expires: key.expiresAt ?? 'never' });
  return key;
}

async function replaceFile(file: string, produce: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await produce(tmp);
  await rename(tmp, file);
}

/**
 * Write the public key into an archive root (armored and binary), replacing an older export only
 * when the bytes differ. Returns the path of the binary keyring (what Signed-By and gpgv use).
 */
export async function exportPublicKey(stateDir: string, fingerprint: string, archiveRoot: string): Promise<string> {
  const home = gnupgHome(stateDir);
  const binary = path.join(archiveRoot, KEYRING_GPG);
  const armored = path.join(archiveRoot, KEYRING_ASC);
  // A fresh project has no archive folder yet (`freshet key create` before the first publish).
  mkdirSync(archiveRoot, { recursive: true });
  const wanted = `${(await exportedKey(home, fingerprint)).publicArmored}\n`;
  if (!existsSync(armored) || readFileSync(armored, 'utf8') !== wanted || !existsSync(binary)) {
    await replaceFile(armored, (tmp) => writeFile(tmp, wanted, { mode: 0o644 }));
    await replaceFile(binary, async (tmp) => {
      await gpg(home, ['--yes', '--output', tmp, '--export', fingerprint]);
    });
  }
  return binary;
}

/**
 * A signer holding the archive's secret key (exported from the GnuPG home once, then cached):
 * node:crypto for the kinds freshet makes, openpgp.js for any other.
 */
export async function archiveSigner(stateDir: string, fingerprint: string): Promise<Signer> {
  const exported = await exportedKey(gnupgHome(stateDir), fingerprint);
  return exported.nativeKey ? createNativeSigner(fingerprint, exported.nativeKey) : createSigner(fingerprint, exported.secretArmored);
}
