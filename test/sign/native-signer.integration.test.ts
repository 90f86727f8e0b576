import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rpmCheckSignatures, signRpmFiles } from '../../src/publish/yum/sign.js';
import { ensureGnupgHome, gnupgHome, gpg, stopAgent } from '../../src/sign/gpg.js';
import { KEY_CACHE } from '../../src/sign/key-cache.js';
import type { NativeKey } from '../../src/sign/native-key.js';
import { archiveSigner, createKey, exportPublicKey, findArchiveKey, KEYRING_ASC } from '../../src/sign/key.js';
import { createNativeSigner } from '../../src/sign/native-signer.js';
import { run } from '../../src/core/exec.js';
import type { Signer } from '../../src/sign/openpgp-signer.js';
import { gpgvVerify } from '../../src/sign/sign.js';
import { makeRpms } from '../publish/yum/rpms.js';

let dir: string;
/** A GnuPG home holding only public keys, for `gpg --verify` and `gpg --list-packets` (never the signer's home). */
let verifierHome: string;
const homes: string[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'freshet-native-signer-'));
  verifierHome = path.join(dir, 'verifier');
  ensureGnupgHome(verifierHome);
  homes.push(verifierHome);
});

afterAll(async () => {
  for (const home of homes) await stopAgent(home);
  rmSync(dir, { recursive: true, force: true });
});

interface Project {
  stateDir: string;
  fingerprint: string;
  /** Binary keyring, as apt's Signed-By and gpgv read it. */
  keyring: string;
  publicKey: string;
}

async function project(name: string, makeKey: (stateDir: string) => Promise<unknown>): Promise<Project> {
  const stateDir = path.join(dir, name);
  homes.push(gnupgHome(stateDir));
  await makeKey(stateDir);
  const key = await findArchiveKey(stateDir, undefined);
  const archive = path.join(stateDir, 'archive');
  const keyring = await exportPublicKey(stateDir, key!.fingerprint, archive);
  await gpg(verifierHome, ['--import', keyring]);
  return { stateDir, fingerprint: key!.fingerprint, keyring, publicKey: path.join(archive, KEYRING_ASC) };
}

function write(name: string, data: string | Uint8Array): string {
  const file = path.join(dir, name);
  writeFileSync(file, data);
  return file;
}

async function gpgVerify(...files: string[]): Promise<{ ok: boolean; output: string }> {
  const result = await gpg(verifierHome, ['--verify', ...files], { allowFailure: true });
  return { ok: result.exitCode === 0, output: `${result.stdout}${result.stderr}` };
}

async function listPackets(file: string): Promise<string> {
  return (await gpg(verifierHome, ['--list-packets', file])).stdout;
}

/** The signature packets of a clearsigned file (gpg --list-packets stops at its literal text). */
function signatureBlock(name: string, clearsigned: string): string {
  return write(name, clearsigned.slice(clearsigned.lastIndexOf('\n-----BEGIN PGP SIGNATURE-----') + 1));
}

function cachedExport(stateDir: string, fingerprint: string): { nativeKey?: NativeKey | null } {
  return JSON.parse(readFileSync(path.join(gnupgHome(stateDir), KEY_CACHE), 'utf8')).exports[fingerprint];
}

const RELEASE = 'Origin: freshet\nLabel: freshet\nSuite: bookworm\nSHA256:\n 0123 45 main/binary-amd64/Packages\n';

describe.each([
  ['rsa4096', 1, 'RSA'],
  ['ed25519', 22, 'EdDSA'],
] as const)('signing with node:crypto, a %s key made by createKey', (algorithm, algorithmId, rpmShown) => {
  let key: Project;
  let archive: Signer;
  /** The node:crypto signer itself, from the key cache that archiveSigner filled. */
  let signer: Signer;

  beforeAll(async () => {
    key = await project(`key-${algorithm}`, (stateDir) => createKey(stateDir, { name: 'freshet test', email: 'test@localhost', algorithm, expire: 'never' }));
    archive = await archiveSigner(key.stateDir, key.fingerprint);
    signer = createNativeSigner(key.fingerprint, cachedExport(key.stateDir, key.fingerprint).nativeKey!);
  });

  it('keeps the key as a JWK in the key cache, and the archive signer signs v4 SHA-512 packets as gpg does, with no openpgp.js notation', async () => {
    expect(cachedExport(key.stateDir, key.fingerprint).nativeKey).toMatchObject({ algorithm: algorithmId, fingerprint: key.fingerprint });
    const packets = await listPackets(write(`${algorithm}-probe.sig`, await archive.detachSignBinary(Buffer.from(RELEASE))));
    expect(packets).toContain('new-ctb');
    expect(packets).toContain(`:signature packet: algo ${algorithmId}, keyid ${key.fingerprint.slice(-16)}`);
    expect(packets).toContain('version 4,');
    expect(packets).toContain('sigclass 0x00');
    expect(packets).toContain('digest algo 10,');
    expect(packets).toContain(`hashed subpkt 33 len 21 (issuer fpr v4 ${key.fingerprint})`);
    expect(packets).toMatch(/hashed subpkt 2 len 4 \(sig created/);
    expect(packets).toContain(`\tsubpkt 16 len 8 (issuer key ID ${key.fingerprint.slice(-16)})`);
    // openpgp.js adds a salt notation (subpacket 20) to every signature; this signer must not be it.
    expect(packets).not.toContain('subpkt 20');
  });

  it('clearsigns a text with dash-escaped lines and trailing spaces so that gpgv and gpg --verify accept it, and gpgv gives back the signed text', async () => {
    const text = 'Origin: freshet  \n-----BEGIN PGP SIGNATURE-----\n- dash\n\tindented\t \n\nlast line\n';
    const signed = await signer.clearsign(text);
    expect(signed.startsWith('-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nOrigin: freshet\n- -----BEGIN PGP SIGNATURE-----\n- - dash\n\tindented\n\nlast line\n-----BEGIN PGP SIGNATURE-----\n\n')).toBe(true);
    expect(signed.endsWith('\n-----END PGP SIGNATURE-----\n')).toBe(true);
    const inRelease = write(`${algorithm}-InRelease`, signed);
    const extracted = path.join(dir, `${algorithm}-extracted`);
    const checked = await gpgvVerify(key.keyring, inRelease, { extractTo: extracted });
    expect(checked.ok, checked.output).toBe(true);
    // Trailing whitespace is not signed (RFC 4880 7.1), so it is not shown either.
    expect(readFileSync(extracted, 'utf8')).toBe('Origin: freshet\n-----BEGIN PGP SIGNATURE-----\n- dash\n\tindented\n\nlast line\n');
    const verified = await gpgVerify(inRelease);
    expect(verified.ok, verified.output).toBe(true);
    expect(verified.output).toContain(`Good signature from "freshet test <test@localhost>"`);
    expect(await listPackets(signatureBlock(`${algorithm}-InRelease.asc`, signed))).toContain('sigclass 0x01');
  });

  it('makes armored and binary detached signatures that gpgv and gpg --verify accept', async () => {
    const release = write(`${algorithm}-Release`, RELEASE);
    const armored = write(`${algorithm}-Release.gpg`, await signer.detachSign(Buffer.from(RELEASE)));
    const binary = write(`${algorithm}-Release.sig`, await signer.detachSignBinary(Buffer.from(RELEASE)));
    expect(readFileSync(armored, 'utf8')).toMatch(/^-----BEGIN PGP SIGNATURE-----\n\n([A-Za-z0-9+/=]{1,64}\n)+=[A-Za-z0-9+/]{4}\n-----END PGP SIGNATURE-----\n$/);
    for (const signature of [armored, binary]) {
      const checked = await gpgvVerify(key.keyring, signature, { signedData: release });
      expect(checked.ok, checked.output).toBe(true);
      const verified = await gpgVerify(signature, release);
      expect(verified.ok, verified.output).toBe(true);
    }
  });

  it('is refused by gpgv when one byte of what it signed changes', async () => {
    const signed = await signer.clearsign(RELEASE);
    const tampered = write(`${algorithm}-InRelease-tampered`, signed.replace('Suite: bookworm', 'Suite: bookwork'));
    const clear = await gpgvVerify(key.keyring, tampered);
    expect(clear.ok).toBe(false);
    expect(clear.output).toContain('BAD signature');
    const signature = write(`${algorithm}-Release-tampered.gpg`, await signer.detachSign(Buffer.from(RELEASE)));
    const release = write(`${algorithm}-Release-tampered`, RELEASE.replace('0123', '0124'));
    const detached = await gpgvVerify(key.keyring, signature, { signedData: release });
    expect(detached.ok).toBe(false);
    expect(detached.output).toContain('BAD signature');
  });

  it('signs RPM headers that rpmkeys --checksig verifies against the archive key', async () => {
    const rpms = await makeRpms(path.join(dir, `rpms-${algorithm}`), { prefix: `native${algorithm.replace(/\d/g, '')}`, count: 2, version: '1.0' });
    const copies = rpms.map((rpm) => {
      const copy = path.join(dir, `${algorithm}-${path.basename(rpm.file)}`);
      copyFileSync(rpm.file, copy);
      return copy;
    });
    // signRpmFiles itself refuses any package that rpmkeys does not verify; the check below names the signature.
    await signRpmFiles(signer, key.publicKey, copies);
    for (const [index, copy] of copies.entries()) {
      const checked = await rpmCheckSignatures(key.publicKey, [copy], path.join(dir, `rpmdb-${algorithm}-${index}`));
      expect(checked.ok, checked.output).toBe(true);
      expect(checked.output).toContain(`Header V4 ${rpmShown}/SHA512 Signature, key ID ${key.fingerprint.slice(-8).toLowerCase()}: OK`);
    }
  });
});

describe('the node:crypto key in the key cache', () => {
  it('is filled in when a cache written before it existed lacks it', async () => {
    const stateDir = path.join(dir, 'old-cache');
    homes.push(gnupgHome(stateDir));
    const key = await createKey(stateDir, { name: 'old cache', email: 'old@localhost', algorithm: 'ed25519', expire: 'never' });
    // The cache as the previous freshet wrote it: the listing and the two armored exports only.
    await findArchiveKey(stateDir, undefined);
    const file = path.join(gnupgHome(stateDir), KEY_CACHE);
    const cache = JSON.parse(readFileSync(file, 'utf8'));
    const home = gnupgHome(stateDir);
    cache.exports[key.fingerprint] = {
      publicArmored: (await gpg(home, ['--armor', '--export', key.fingerprint])).stdout,
      secretArmored: (await gpg(home, ['--armor', '--export-secret-keys', key.fingerprint])).stdout,
    };
    writeFileSync(file, JSON.stringify(cache), { mode: 0o600 });

    const signer = await archiveSigner(stateDir, key.fingerprint);
    const after = JSON.parse(readFileSync(file, 'utf8'));
    expect(after.stamp).toBe(cache.stamp);
    expect(after.exports[key.fingerprint].nativeKey).toMatchObject({ algorithm: 22, fingerprint: key.fingerprint });
    const keyring = await exportPublicKey(stateDir, key.fingerprint, path.join(stateDir, 'archive'));
    const checked = await gpgvVerify(keyring, write('old-cache-InRelease', await signer.clearsign(RELEASE)));
    expect(checked.ok, checked.output).toBe(true);
  });

  it('is null for a key kind node:crypto does not sign with here (ECDSA), and openpgp.js signs instead', async () => {
    const key = await project('ecdsa', async (stateDir) => {
      ensureGnupgHome(gnupgHome(stateDir));
      await gpg(gnupgHome(stateDir), ['--quick-generate-key', 'ecdsa test <ecdsa@localhost>', 'nistp256', 'sign', 'never']);
    });
    const signer = await archiveSigner(key.stateDir, key.fingerprint);
    expect(cachedExport(key.stateDir, key.fingerprint).nativeKey).toBeNull();
    const signed = await signer.clearsign(RELEASE);
    const checked = await gpgvVerify(key.keyring, write('ecdsa-InRelease', signed));
    expect(checked.ok, checked.output).toBe(true);
    expect(await listPackets(signatureBlock('ecdsa-InRelease.asc', signed))).toContain(':signature packet: algo 19,');
  });
});

describe('a signing subkey that expires after the key cache was written', () => {
  let key: Project;
  /** The node:crypto key as the cache held it while the subkey was valid. */
  let stale: NativeKey;
  let subkey: string;

  beforeAll(async () => {
    // The cache is filled on 2026-01-03, while the subkey signs: gpg makes the key as it was on
    // 2026-01-01 and a signing subkey valid for two days from 2026-01-02.
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-01-03T00:00:00Z') });
    try {
      key = await project('expiring-subkey', async (stateDir) => {
        const home = gnupgHome(stateDir);
        ensureGnupgHome(home);
        await gpg(home, ['--faked-system-time', '20260101T000000', '--quick-generate-key', 'expiring subkey <sub@localhost>', 'ed25519', 'sign', 'never']);
        const primary = (await gpg(home, ['--with-colons', '--list-secret-keys'])).stdout.match(/^fpr:+([0-9A-F]{40}):/m)![1]!;
        await gpg(home, ['--faked-system-time', '20260102T000000', '--quick-add-key', primary, 'ed25519', 'sign', '2d']);
      });
      await archiveSigner(key.stateDir, key.fingerprint);
    } finally {
      vi.useRealTimers();
    }
    stale = cachedExport(key.stateDir, key.fingerprint).nativeKey!;
    subkey = stale.fingerprint;
    expect(subkey).not.toBe(key.fingerprint);
  });

  async function gpgvStatus(file: string): Promise<string> {
    return (await run('gpgv', ['--status-fd', '1', '--keyring', key.keyring, file], { allowFailure: true })).stdout;
  }

  it('is no longer signed with: the archive signer signs with the key gpg would use now, and apt gets no EXPKEYSIG', async () => {
    const signed = write('expiring-subkey-InRelease', await (await archiveSigner(key.stateDir, key.fingerprint)).clearsign(RELEASE));
    const status = await gpgvStatus(signed);
    expect(status).not.toContain('EXPKEYSIG');
    expect(status).toMatch(new RegExp(`VALIDSIG ${key.fingerprint} `));
  });

  it('makes the gpgv self-check fail for a signature by the expired subkey, as apt refuses it', async () => {
    const signed = write('expired-subkey-InRelease', await createNativeSigner(key.fingerprint, stale).clearsign(RELEASE));
    expect(await gpgvStatus(signed)).toContain(`EXPKEYSIG ${subkey.slice(-16)}`);
    const checked = await gpgvVerify(key.keyring, signed);
    expect(checked.ok).toBe(false);
    expect(checked.output).toContain('expired');
  });
});
