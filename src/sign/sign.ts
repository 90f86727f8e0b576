import { run } from '../core/exec.js';
import { gnupgHome, gpg } from './gpg.js';

/** Never SHA-1: apt refuses it, and so do we. */
const DIGEST = ['--digest-algo', 'SHA512', '--personal-digest-preferences', 'SHA512'];

export async function clearsign(stateDir: string, fingerprint: string, input: string, output: string): Promise<void> {
  await gpg(gnupgHome(stateDir), ['--yes', ...DIGEST, '--local-user', fingerprint, '--clearsign', '--output', output, input]);
}

export async function detachSign(stateDir: string, fingerprint: string, input: string, output: string): Promise<void> {
  await gpg(gnupgHome(stateDir), ['--yes', ...DIGEST, '--local-user', fingerprint, '--armor', '--detach-sign', '--output', output, input]);
}

const refusals: Record<string, string> = {
  EXPKEYSIG: 'the signing key has expired',
  REVKEYSIG: 'the signing key is revoked',
  EXPSIG: 'the signature has expired',
};

export interface GpgvResult {
  ok: boolean;
  output: string;
}

/**
 * Check a signature with gpgv against exactly one keyring file, as apt does. `signedData` is the
 * data file of a detached signature; `extractTo` receives the text of a clearsigned file.
 */
export async function gpgvVerify(keyring: string, signature: string, options: { signedData?: string; extractTo?: string } = {}): Promise<GpgvResult> {
  const args = ['--status-fd', '1', '--keyring', keyring];
  if (options.extractTo) args.push('--output', options.extractTo);
  args.push(signature);
  if (options.signedData) args.push(options.signedData);
  const result = await run('gpgv', args, { allowFailure: true, timeoutMs: 60_000, env: { LC_ALL: 'C.UTF-8' } });
  // gpgv exits 0 for a good signature by an expired or revoked key, or one past its own expiry; apt refuses all three.
  const refused = /^\[GNUPG:\] (EXPKEYSIG|REVKEYSIG|EXPSIG) /m.exec(result.stdout)?.[1];
  const output = result.stderr.trim();
  if (refused) return { ok: false, output: `${output}\ngpgv reports ${refused}: ${refusals[refused]}, which apt refuses` };
  return { ok: result.exitCode === 0, output };
}
