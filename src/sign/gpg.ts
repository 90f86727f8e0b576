import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { run, type RunResult } from '../core/exec.js';

/**
 * freshet's own GnuPG home under the state folder (mode 0700, as gpg insists). Every gpg call
 * names it with --homedir so the operator's own keyring is never read or changed.
 */
export function gnupgHome(stateDir: string): string {
  return path.join(stateDir, 'gnupg');
}

export function ensureGnupgHome(home: string): void {
  if (!existsSync(home)) mkdirSync(home, { recursive: true, mode: 0o700 });
  chmodSync(home, 0o700);
}

/** gpg in batch mode on freshet's home; keys have no passphrase, so nothing ever prompts. */
export function gpg(home: string, args: readonly string[], options: { allowFailure?: boolean } = {}): Promise<RunResult> {
  return run('gpg', ['--homedir', home, '--batch', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], {
    env: { LC_ALL: 'C.UTF-8' },
    timeoutMs: 120_000,
    allowFailure: options.allowFailure,
  });
}

/** Stop the gpg-agent of a home (tests make throwaway homes and must not leave agents behind). */
export async function stopAgent(home: string): Promise<void> {
  await run('gpgconf', ['--homedir', home, '--kill', 'all'], { allowFailure: true, timeoutMs: 30_000 });
}
