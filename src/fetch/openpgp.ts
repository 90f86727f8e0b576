import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../core/errors.js';
import { run } from '../core/exec.js';

/**
 * Detached OpenPGP signatures, checked with gpgv against only the key(s) kept beside the recipe:
 * the armored keys are imported into a throwaway GNUPGHOME and exported as the one keyring gpgv
 * may use. Anything but a good signature from a valid, unexpired, unrevoked key is an error.
 */
export class SignatureError extends UserError {
  constructor(upstream: string, message: string) {
    super(`${upstream}: ${message}`, { hint: 'a release whose signature does not verify is never built; check the key beside the recipe' });
    this.name = 'SignatureError';
  }
}

/** The key files a recipe names (`upstream.signature.key`): one file, or every `*.asc` in a folder. */
export function recipeKeyFiles(recipeFilesDir: string, key: string): string[] {
  const location = path.join(recipeFilesDir, key);
  if (!existsSync(location)) throw new UserError(`${location}: the recipe's signing key is missing`);
  if (!location.endsWith('.asc') && !location.endsWith('.gpg')) {
    return readdirSync(location)
      .filter((name) => name.endsWith('.asc'))
      .sort()
      .map((name) => path.join(location, name));
  }
  return [location];
}

export interface SignatureStatus {
  good: boolean;
  /** Primary key fingerprint from VALIDSIG. */
  fingerprint: string | undefined;
  problem: string | undefined;
}

const problems: Record<string, string> = {
  BADSIG: 'the signature is BAD (the file or the signature was altered)',
  EXPKEYSIG: 'the signature was made by an expired key',
  REVKEYSIG: 'the signature was made by a revoked key',
  EXPSIG: 'the signature has expired',
  NO_PUBKEY: 'the signature was made by a key that is not among the recipe keys',
  ERRSIG: 'the signature could not be checked',
  NODATA: 'the signature file holds no OpenPGP signature',
};

/** Read gpgv's `--status-fd` lines. */
export function parseGpgStatus(output: string): SignatureStatus {
  let good = false;
  let fingerprint: string | undefined;
  let problem: string | undefined;
  for (const line of output.split('\n')) {
    const match = /^\[GNUPG:\] (\S+)(?: (.*))?$/.exec(line.trim());
    if (!match) continue;
    const [, keyword, rest = ''] = match;
    if (keyword === 'GOODSIG') good = true;
    else if (keyword === 'VALIDSIG') fingerprint = rest.split(' ').at(9) ?? rest.split(' ')[0];
    // ERRSIG comes with NO_PUBKEY for an unknown key: the more specific reason wins.
    else if (keyword && problems[keyword] && (!problem || problem.startsWith(problems.ERRSIG!))) {
      const keyId = keyword === 'NODATA' ? '' : ` (${rest.split(' ')[0]})`;
      problem = `${problems[keyword]}${keyId}`;
    }
  }
  if (problem) return { good: false, fingerprint: undefined, problem };
  if (!good || !fingerprint) return { good: false, fingerprint: undefined, problem: 'gpgv reported no good signature' };
  return { good: true, fingerprint, problem: undefined };
}

export async function verifyDetachedSignature(options: {
  upstream: string;
  data: string;
  signature: string;
  keyFiles: readonly string[];
  /** The name shown in errors (the tarball's upstream name). */
  label: string;
}): Promise<string> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'freshet-gpg-'));
  try {
    const env = { GNUPGHOME: home, LC_ALL: 'C' };
    const keyring = path.join(home, 'recipe-keys.gpg');
    for (const keyFile of options.keyFiles) {
      await run('gpg', ['--batch', '--quiet', '--no-autostart', '--import', '--', keyFile], { env, timeoutMs: 60_000 });
    }
    await run('gpg', ['--batch', '--quiet', '--no-autostart', '--export', '--output', keyring], { env, timeoutMs: 60_000 });
    const result = await run('gpgv', ['--status-fd', '1', '--keyring', keyring, '--', options.signature, options.data], {
      env,
      timeoutMs: 120_000,
      allowFailure: true,
    });
    const status = parseGpgStatus(result.stdout);
    if (!status.good) throw new SignatureError(options.upstream, `${options.label}: ${status.problem}`);
    if (result.exitCode !== 0) throw new SignatureError(options.upstream, `${options.label}: gpgv exited with ${result.exitCode}`);
    return status.fingerprint!;
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
