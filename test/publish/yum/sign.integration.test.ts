import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveSigner } from '../../../src/sign/key.js';
import { rpmCheckSignatures, signRpmFiles } from '../../../src/publish/yum/sign.js';
import { ensureGnupgHome, gnupgHome, gpg, stopAgent } from '../../../src/sign/gpg.js';
import { listSecretKeys } from '../../../src/sign/key.js';
import { makeRpms } from './rpms.js';

let dir: string;
let savedPath: string | undefined;
const homes: string[] = [];

/** A state folder whose GnuPG home holds one key of `algorithm`, and its armored public key. */
async function stateWithKey(name: string, algorithm: string): Promise<{ stateDir: string; fingerprint: string; publicKey: string }> {
  const stateDir = path.join(dir, name);
  const home = gnupgHome(stateDir);
  ensureGnupgHome(home);
  homes.push(home);
  await gpg(home, ['--quick-generate-key', `${name} <${name}@localhost>`, algorithm, 'sign', 'never']);
  const [key] = await listSecretKeys(home);
  const publicKey = path.join(dir, `${name}.asc`);
  writeFileSync(publicKey, (await gpg(home, ['--armor', '--export', key!.fingerprint])).stdout);
  return { stateDir, fingerprint: key!.fingerprint, publicKey };
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'freshet-rpm-sign-'));
  // An rpmsign that always fails: packages must be signed without it.
  const shims = path.join(dir, 'bin');
  mkdirSync(shims);
  writeFileSync(path.join(shims, 'rpmsign'), '#!/bin/sh\necho "rpmsign must not run" >&2\nexit 1\n');
  chmodSync(path.join(shims, 'rpmsign'), 0o755);
  savedPath = process.env.PATH;
  process.env.PATH = `${shims}:${savedPath}`;
});

afterAll(async () => {
  process.env.PATH = savedPath;
  for (const home of homes) await stopAgent(home);
  rmSync(dir, { recursive: true, force: true });
});

describe('signing RPM headers in-process', () => {
  it.each([
    ['ed25519', 'EdDSA'],
    ['rsa2048', 'RSA'],
  ])('signs with an %s key without rpmsign, and the real rpmkeys --checksig verifies every package', async (algorithm, shown) => {
    const { stateDir, fingerprint, publicKey } = await stateWithKey(`key-${algorithm}`, algorithm);
    const rpms = await makeRpms(path.join(dir, `rpms-${algorithm}`), { prefix: `sig${algorithm.replace(/\d/g, '')}`, count: 3, version: '1.0' });
    const copies = rpms.map((rpm) => {
      const copy = path.join(dir, `${algorithm}-${path.basename(rpm.file)}`);
      copyFileSync(rpm.file, copy);
      return copy;
    });
    await signRpmFiles(await archiveSigner(stateDir, fingerprint), publicKey, copies);
    for (const [index, copy] of copies.entries()) {
      // The signature took reserved space: the main header and payload did not move.
      expect(readFileSync(copy).length).toBe(rpms[index]!.size);
      const checked = await rpmCheckSignatures(publicKey, [copy], path.join(dir, `rpmdb-${algorithm}-${index}`));
      expect(checked.ok, checked.output).toBe(true);
      expect(checked.output).toContain(`Header V4 ${shown}/SHA512 Signature, key ID ${fingerprint.slice(-8).toLowerCase()}: OK`);
    }
  });

  it('refuses a truncated RPM, naming the file, and leaves it as it was', async () => {
    const { stateDir, fingerprint, publicKey } = await stateWithKey('key-truncated', 'ed25519');
    const [rpm] = await makeRpms(path.join(dir, 'rpms-truncated'), { prefix: 'cut', count: 1, version: '1.0' });
    const truncated = path.join(dir, 'cut.rpm');
    writeFileSync(truncated, readFileSync(rpm!.file).subarray(0, 300));
    await expect(signRpmFiles(await archiveSigner(stateDir, fingerprint), publicKey, [truncated])).rejects.toThrow(`${truncated}: not a valid RPM package (it ends early)`);
    expect(readFileSync(truncated)).toEqual(readFileSync(rpm!.file).subarray(0, 300));
  });

  it('checks against an rpm database imported once per key file, and a new key replaces it', async () => {
    const first = await stateWithKey('key-cached', 'ed25519');
    const second = await stateWithKey('key-rotated', 'ed25519');
    const rpms = await makeRpms(path.join(dir, 'rpms-cached'), { prefix: 'cached', count: 3, version: '1.0' });
    const copy = (index: number) => {
      const file = path.join(dir, `cached-${index}.rpm`);
      copyFileSync(rpms[index]!.file, file);
      return file;
    };
    const cache = path.join(dir, 'rpmkeys-cache');
    const dbName = (publicKey: string) => createHash('sha256').update(readFileSync(publicKey)).digest('hex');

    await signRpmFiles(await archiveSigner(first.stateDir, first.fingerprint), first.publicKey, [copy(0)], cache);
    expect(readdirSync(cache)).toEqual([dbName(first.publicKey)]);
    const imported = statSync(path.join(cache, dbName(first.publicKey), 'rpmdb.sqlite'));
    await signRpmFiles(await archiveSigner(first.stateDir, first.fingerprint), first.publicKey, [copy(1)], cache);
    // Not imported again: the same database file, unchanged.
    expect(statSync(path.join(cache, dbName(first.publicKey), 'rpmdb.sqlite'))).toMatchObject({ ino: imported.ino, mtimeMs: imported.mtimeMs });

    // A package signed with the first key does not verify against the second key's database.
    await expect(signRpmFiles(await archiveSigner(first.stateDir, first.fingerprint), second.publicKey, [copy(2)], cache)).rejects.toThrow(
      /1 signed package\(s\) do not verify with rpmkeys --checksig/,
    );
    expect(readdirSync(cache)).toEqual([dbName(second.publicKey)]);
  });

  it('makes the cached rpm database again when it lost its key (corrupted or emptied), instead of refusing every package from then on', async () => {
    const key = await stateWithKey('key-db-corrupt', 'ed25519');
    const rpms = await makeRpms(path.join(dir, 'rpms-db-corrupt'), { prefix: 'corrupt', count: 2, version: '1.0' });
    const copy = (index: number) => {
      const file = path.join(dir, `corrupt-${index}.rpm`);
      copyFileSync(rpms[index]!.file, file);
      return file;
    };
    const cache = path.join(dir, 'rpmkeys-cache-corrupt');
    const signer = await archiveSigner(key.stateDir, key.fingerprint);
    await signRpmFiles(signer, key.publicKey, [copy(0)], cache);
    const [db] = readdirSync(cache);
    // The database file holds no key any more: a truncated write, a disk error, a restore.
    writeFileSync(path.join(cache, db!, 'rpmdb.sqlite'), '');

    await signRpmFiles(signer, key.publicKey, [copy(1)], cache);
    const checked = await rpmCheckSignatures(key.publicKey, [path.join(dir, 'corrupt-1.rpm')], path.join(dir, 'rpmdb-corrupt-check'));
    expect(checked.ok, checked.output).toBe(true);
  });
});
