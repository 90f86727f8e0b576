import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import PQueue from 'p-queue';
import { UserError } from '../../core/errors.js';
import { run } from '../../core/exec.js';
import type { Signer } from '../../sign/openpgp-signer.js';
import { fsyncDir, fsyncPath } from '../fs-atomic.js';
import { signRpmHeader } from './rpm-header-signature.js';

/** Files per rpmkeys call: far below the kernel's argument limit. */
const CHECK_BATCH = 1000;

/**
 * Sign RPM files' headers in place with the archive key, in-process (rpm-header-signature.ts and
 * the archive signer): no rpmsign, and no gpg per package as rpmsign starts. Then every signed file is checked by the real
 * `rpmkeys --checksig` against the archive's public key alone (header and payload digests and the
 * signature), a batch of files per call, so a signer bug never reaches the pool. With `keyDbCache`
 * (a private folder), the rpm database holding the key is made there once per key, not per call.
 */
export async function signRpmFiles(signer: Signer, publicKeyFile: string, files: readonly string[], keyDbCache?: string): Promise<void> {
  if (files.length === 0) return;
  // A few at a time, so that one file's reads and writes overlap another's signing.
  await new PQueue({ concurrency: 8 }).addAll(files.map((file) => () => signRpmHeader(file, (header) => signer.detachSignBinary(header))));
  await checkSignedRpms(publicKeyFile, files, keyDbCache);
}

/**
 * An rpm database holding only the key in publicKeyFile, named by the sha256 of that file: a
 * re-exported key (new expiry, new subkey) gets a database of its own, and databases of other keys
 * are removed. It is imported under a temporary name, flushed and renamed, so neither a killed
 * import nor a crash leaves a database without the key under the final name.
 */
export async function keyDatabase(publicKeyFile: string, cacheDir: string): Promise<string> {
  const dbPath = path.join(cacheDir, createHash('sha256').update(await readFile(publicKeyFile)).digest('hex'));
  if (existsSync(dbPath)) return dbPath;
  await mkdir(cacheDir, { recursive: true });
  for (const entry of await readdir(cacheDir)) await rm(path.join(cacheDir, entry), { recursive: true, force: true });
  const tmp = await mkdtemp(`${dbPath}.tmp-`);
  try {
    await run('rpmkeys', ['--dbpath', tmp, '--import', publicKeyFile], { timeoutMs: 60_000 });
    for (const entry of await readdir(tmp)) await fsyncPath(path.join(tmp, entry));
    await fsyncDir(tmp);
    await rename(tmp, dbPath);
    await fsyncDir(cacheDir);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
  return dbPath;
}

/** Every file must verify as `digests signatures OK` against the one key: unsigned (`digests OK`) fails too. */
async function checkSignedRpms(publicKeyFile: string, files: readonly string[], keyDbCache: string | undefined): Promise<void> {
  const dbPath = keyDbCache ? await keyDatabase(publicKeyFile, keyDbCache) : await mkdtemp(path.join(os.tmpdir(), 'freshet-rpmdb-'));
  try {
    if (!keyDbCache) await run('rpmkeys', ['--dbpath', dbPath, '--import', publicKeyFile], { timeoutMs: 60_000 });
    let failed = await checksig(dbPath, files);
    // A cached database that lost its key (a truncated file, a restore) refuses every package, on
    // every publish: it is made again once before the packages are blamed.
    if (failed.length > 0 && keyDbCache) {
      await rm(dbPath, { recursive: true, force: true });
      failed = await checksig(await keyDatabase(publicKeyFile, keyDbCache), failed.map(({ file }) => file));
    }
    if (failed.length > 0) {
      throw new UserError(`${failed.length} signed package(s) do not verify with rpmkeys --checksig against ${publicKeyFile}; nothing was published:\n${failed.slice(0, 10).map(({ file, why }) => `${file}: ${why}`).join('\n')}`);
    }
  } finally {
    if (!keyDbCache) await rm(dbPath, { recursive: true, force: true });
  }
}

/** The files that are not `digests signatures OK` against the rpm database at dbPath, with rpmkeys' line for each. */
async function checksig(dbPath: string, files: readonly string[]): Promise<Array<{ file: string; why: string }>> {
  const batches: string[][] = [];
  for (let start = 0; start < files.length; start += CHECK_BATCH) batches.push(files.slice(start, start + CHECK_BATCH));
  const queue = new PQueue({ concurrency: Math.max(1, Math.min(os.availableParallelism(), 4)) });
  const failed: Array<{ file: string; why: string }> = [];
  await queue.addAll(
    batches.map((batch) => async () => {
      const result = await run('rpmkeys', ['--dbpath', dbPath, '--checksig', ...batch], { allowFailure: true, timeoutMs: 30 * 60_000, env: { LC_ALL: 'C.UTF-8' } });
      const verified = new Set(result.stdout.split('\n').filter((line) => line.endsWith(': digests signatures OK')).map((line) => line.slice(0, -': digests signatures OK'.length)));
      for (const file of batch) {
        if (!verified.has(file)) failed.push({ file, why: result.stdout.split('\n').find((line) => line.startsWith(`${file}:`))?.slice(file.length + 2) ?? result.tail });
      }
    }),
  );
  return failed;
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
