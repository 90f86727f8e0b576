import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ResolvedConfig } from '../config/load.js';
import { errorMessage } from '../core/errors.js';
import { capture } from '../core/exec.js';
import { log } from '../core/log.js';
import { findArchiveKey, KEYRING_ASC } from '../sign/key.js';

/**
 * The archive key's fingerprint for the status page: the configured one, else the key in the state
 * keyring, else read from the exported key in the archive root (a machine that only serves).
 */
export async function archiveFingerprint(config: Pick<ResolvedConfig, 'stateDir' | 'archiveDir' | 'signingKey'>): Promise<string | null> {
  if (config.signingKey) return config.signingKey;
  try {
    const key = await findArchiveKey(config.stateDir, undefined);
    if (key) return key.fingerprint;
    const exported = path.join(config.archiveDir, KEYRING_ASC);
    return existsSync(exported) ? await fingerprintOfFile(exported) : null;
  } catch (error) {
    log.warn('could not read the archive key fingerprint', { error: errorMessage(error) });
    return null;
  }
}

/** `gpg --show-keys` in a throwaway home, so no keyring of the operator is read or created. */
export async function fingerprintOfFile(keyFile: string): Promise<string | null> {
  const home = await mkdtemp(path.join(tmpdir(), 'freshet-showkeys-'));
  try {
    const output = await capture('gpg', ['--homedir', home, '--batch', '--no-tty', '--with-colons', '--show-keys', keyFile], {
      env: { LC_ALL: 'C.UTF-8' },
      timeoutMs: 30_000,
    });
    const fpr = output.split('\n').find((line) => line.startsWith('fpr:'));
    return fpr?.split(':')[9] || null;
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
