import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { run } from '../core/exec.js';
import { EXPIRY_WARNING_DAYS } from '../sign/key.js';

/**
 * When the keys of an archive keyring expire, as clients see them: a key that lapses stops apt
 * and dnf from trusting every signature, so `freshet verify` warns well before.
 */
export interface KeyExpiry {
  fingerprint: string;
  expiresAt: string;
  daysLeft: number;
}

const DAY_MS = 86_400_000;

export async function expiringKeys(keyring: string, now = new Date()): Promise<KeyExpiry[]> {
  // --show-keys reads the file without importing it; a throwaway home keeps gpg off any keyring.
  const home = await mkdtemp(path.join(os.tmpdir(), 'freshet-show-keys-'));
  try {
    const { stdout } = await run('gpg', ['--homedir', home, '--batch', '--with-colons', '--fixed-list-mode', '--show-keys', keyring], {
      env: { LC_ALL: 'C.UTF-8' },
      allowFailure: true,
      timeoutMs: 60_000,
    });
    const found: KeyExpiry[] = [];
    let expires: number | undefined;
    for (const line of stdout.split('\n')) {
      const fields = line.split(':');
      if (fields[0] === 'pub') expires = fields[6] ? Number(fields[6]) * 1000 : undefined;
      else if (fields[0] === 'fpr' && expires !== undefined) {
        const daysLeft = Math.floor((expires - now.getTime()) / DAY_MS);
        if (daysLeft < EXPIRY_WARNING_DAYS) found.push({ fingerprint: fields[9] ?? '', expiresAt: new Date(expires).toISOString(), daysLeft });
        expires = undefined;
      }
    }
    return found;
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
