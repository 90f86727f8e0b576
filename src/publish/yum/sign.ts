import os from 'node:os';
import PQueue from 'p-queue';
import { run } from '../../core/exec.js';
import { gnupgHome } from '../../sign/gpg.js';

/**
 * Sign RPM files' headers in place with the archive key from freshet's GnuPG home, a batch per
 * rpmsign call. rpmsign reads packages, never a spec, so it runs on the host. The key has no
 * passphrase; batch mode and loopback pinentry keep gpg from ever prompting. rpmsign starts gpg
 * once per package, so batches run side by side, one per core (gpg-agent serves them all).
 */
const BATCH = 200;

export async function rpmsignFiles(stateDir: string, fingerprint: string, files: readonly string[]): Promise<void> {
  const workers = Math.max(1, Math.min(os.availableParallelism(), 4));
  const size = Math.min(BATCH, Math.ceil(files.length / workers));
  const batches: string[][] = [];
  for (let start = 0; start < files.length; start += size) batches.push(files.slice(start, start + size));
  const queue = new PQueue({ concurrency: workers });
  await queue.addAll(batches.map((batch) => () => rpmsignBatch(stateDir, fingerprint, batch)));
}

async function rpmsignBatch(stateDir: string, fingerprint: string, files: readonly string[]): Promise<void> {
  await run(
    'rpmsign',
    [
      '--define', `_gpg_name ${fingerprint}`,
      '--define', `_gpg_path ${gnupgHome(stateDir)}`,
      '--define', '__gpg /usr/bin/gpg',
      '--define', '_gpg_digest_algo sha256',
      '--define', '_gpg_sign_cmd_extra_args --batch --pinentry-mode loopback',
      '--addsign',
      ...files,
    ],
    { env: { LC_ALL: 'C.UTF-8' }, timeoutMs: 30 * 60_000 },
  );
}

/** Check package signatures against one public key, in a throwaway rpm database (never the host's). */
export async function rpmCheckSignatures(keyFile: string, files: readonly string[], dbPath: string): Promise<{ ok: boolean; output: string }> {
  await run('rpmkeys', ['--dbpath', dbPath, '--import', keyFile], { timeoutMs: 60_000 });
  const result = await run('rpmkeys', ['--dbpath', dbPath, '--checksig', '--verbose', ...files], { allowFailure: true, timeoutMs: 120_000, env: { LC_ALL: 'C.UTF-8' } });
  const output = `${result.stdout}${result.stderr}`;
  // rpm reports a missing or unknown key as NOKEY yet may exit 0 for a digest-only check.
  const ok = result.exitCode === 0 && !/NOKEY|NOTTRUSTED|BAD|not OK/.test(output) && /Header V4 [A-Za-z0-9]+\/SHA(256|512) Signature, key ID [0-9a-f]+: OK/.test(output);
  return { ok, output: result.tail };
}
