import { readFileSync } from 'node:fs';
import path from 'node:path';
import { armor, enums, readKeys, type Key } from 'openpgp';
import { ConfigError } from '../../core/errors.js';
import { recipeKeyFiles } from '../../fetch/openpgp.js';

const ARMORED_BLOCK = /-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]*?-----END PGP PUBLIC KEY BLOCK-----/g;

async function keysOf(file: string, field: string): Promise<Key[]> {
  const bytes = readFileSync(file);
  try {
    const blocks = bytes.toString('latin1').match(ARMORED_BLOCK);
    if (!blocks) return await readKeys({ binaryKeys: new Uint8Array(bytes) });
    // dpkg-source reads only the first armored block of the key file; read them all.
    const keys: Key[] = [];
    for (const block of blocks) keys.push(...(await readKeys({ armoredKeys: block })));
    return keys;
  } catch (error) {
    throw new ConfigError(`${field}: ${path.basename(file)} holds no usable OpenPGP public key: ${(error as Error).message}`);
  }
}

/**
 * debian/upstream/signing-key.asc from the recipe's key file(s): every key in one armored block,
 * without certifications made by other keys (what `gpg --export-options export-minimal` drops,
 * and lintian's public-upstream-key-not-minimal looks for). Same keys in, same bytes out.
 */
export async function minimalSigningKey(recipeFilesDir: string, key: string): Promise<Buffer> {
  const field = 'upstream.signature.key';
  const seen = new Set<string>();
  const packets: Uint8Array[] = [];
  for (const file of recipeKeyFiles(recipeFilesDir, key)) {
    for (const found of await keysOf(file, field)) {
      // Its packets would go out under the PUBLIC KEY BLOCK header, secret material and all.
      if (found.isPrivate()) {
        throw new ConfigError(`${field}: ${path.basename(file)} holds a secret key (${found.getFingerprint().toUpperCase()})`, {
          hint: 'keep only the upstream public key there (gpg --export), and treat the secret key as leaked',
        });
      }
      const fingerprint = found.getFingerprint();
      if (seen.has(fingerprint)) continue;
      seen.add(fingerprint);
      for (const user of found.users) user.otherCertifications = [];
      packets.push(found.toPacketList().write() as Uint8Array);
    }
  }
  if (packets.length === 0) throw new ConfigError(`${field}: ${key} holds no OpenPGP public key`);
  // With the CRC line: gpg 2.2's --dearmor (dpkg-source's path when gpg is installed) misreads an
  // unpadded block without one and dpkg-source then cannot verify the signature.
  const emitChecksum = true;
  return Buffer.from(armor(enums.armor.publicKey, Buffer.concat(packets), undefined, undefined, undefined, emitChecksum), 'utf8');
}
