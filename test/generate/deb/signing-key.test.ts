import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateKey, readKeys } from 'openpgp';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/core/errors.js';
import { minimalSigningKey } from '../../../src/generate/deb/signing-key.js';
import { FIXTURES } from './cases.js';

// keys/upstream.asc: two armored blocks; the first key carries a certification by another key.
const UPSTREAM = 'EA286D2951C2663CD48F70F1E77C10580771892D';
const SECOND = '2FAF3F9063F28D8FDAAF8FA8E45C491DB7FE449D';
const FRIEND_KEY_ID = '0ea541060a623d9f';

async function keysIn(armored: Buffer) {
  return readKeys({ armoredKeys: armored.toString('utf8') });
}

describe('minimalSigningKey', () => {
  it('puts every key of every block in one armored block, without third-party certifications', async () => {
    const original = await Promise.all(
      (readFileSync(path.join(FIXTURES, 'keys/upstream.asc'), 'utf8').match(/-----BEGIN[\s\S]*?-----END PGP PUBLIC KEY BLOCK-----/g) ?? []).map((block) =>
        readKeys({ armoredKeys: block }),
      ),
    );
    expect(original.flat()[0]!.users[0]!.otherCertifications.map((sig) => sig.issuerKeyID.toHex())).toEqual([FRIEND_KEY_ID]);

    const minimal = await minimalSigningKey(FIXTURES, 'keys/upstream.asc');
    const text = minimal.toString('utf8');
    expect(text.match(/-----BEGIN PGP PUBLIC KEY BLOCK-----/g)).toHaveLength(1);
    expect(text).toMatch(/\n=[A-Za-z0-9+/]{4}\n-----END PGP PUBLIC KEY BLOCK-----\n$/); // The CRC line gpg 2.2 needs.
    const keys = await keysIn(minimal);
    expect(keys.map((key) => key.getFingerprint().toUpperCase())).toEqual([UPSTREAM, SECOND]);
    for (const key of keys) {
      for (const user of key.users) {
        expect(user.otherCertifications).toEqual([]);
        expect(user.selfCertifications).toHaveLength(1);
      }
    }
  });

  it('gives the same bytes every time, and reads a folder of keys once each', async () => {
    const first = await minimalSigningKey(FIXTURES, 'keys/upstream.asc');
    expect((await minimalSigningKey(FIXTURES, 'keys/upstream.asc')).equals(first)).toBe(true);
    const dir = mkdtempSync(path.join(tmpdir(), 'freshet-keys-'));
    mkdirSync(path.join(dir, 'keys'));
    writeFileSync(path.join(dir, 'keys', 'a.asc'), readFileSync(path.join(FIXTURES, 'keys/upstream.asc')));
    writeFileSync(path.join(dir, 'keys', 'b.asc'), readFileSync(path.join(FIXTURES, 'keys/upstream.asc')));
    expect((await minimalSigningKey(dir, 'keys')).equals(first)).toBe(true);
  });

  it('refuses a key file that holds no key, naming the field', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'freshet-keys-'));
    writeFileSync(path.join(dir, 'broken.asc'), '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot a key\n-----END PGP PUBLIC KEY BLOCK-----\n');
    await expect(minimalSigningKey(dir, 'broken.asc')).rejects.toThrow(/upstream\.signature\.key: broken\.asc holds no usable OpenPGP public key/);
  });

  it('refuses a secret key instead of writing its packets out, naming the file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'freshet-keys-'));
    const { privateKey } = await generateKey({ type: 'curve25519', userIDs: [{ name: 'upstream', email: 'upstream@localhost' }], format: 'binary' });
    writeFileSync(path.join(dir, 'secret.gpg'), privateKey);
    const attempt = minimalSigningKey(dir, 'secret.gpg');
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt).rejects.toThrow(/upstream\.signature\.key: secret\.gpg holds a secret key/);
  });
});
