import { readFileSync } from 'node:fs';
import { readSignature } from 'openpgp';
import { describe, expect, it } from 'vitest';
import { armorSignature } from '../../src/fetch/armor.js';

const fixture = (name: string) => readFileSync(new URL(`fixtures/signatures/${name}`, import.meta.url));

describe('armorSignature', () => {
  it('armors a binary .sig with the standard PGP SIGNATURE header, keeping the same packets', async () => {
    const binary = fixture('data.txt.sig');
    const armored = (await armorSignature('hello', 'data.txt', binary)).toString('utf8');
    expect(armored).toMatch(/^-----BEGIN PGP SIGNATURE-----\n\n[A-Za-z0-9+/=\n]+\n-----END PGP SIGNATURE-----\n$/);
    expect(armored).not.toContain('ARMORED FILE');
    const fromArmor = await readSignature({ armoredSignature: armored });
    const fromBinary = await readSignature({ binarySignature: new Uint8Array(binary) });
    expect(Buffer.from(fromArmor.write() as Uint8Array)).toEqual(Buffer.from(fromBinary.write() as Uint8Array));
  });

  it('keeps an armored upstream signature byte for byte', async () => {
    const armored = fixture('data.txt.asc');
    expect((await armorSignature('hello', 'data.txt', armored)).equals(armored)).toBe(true);
  });

  it('refuses bytes that hold no signature, naming the upstream and the file', async () => {
    await expect(armorSignature('hello', 'hello-2.12.3.tar.gz', Buffer.from('<html>not found</html>'))).rejects.toThrow(
      /^hello: hello-2\.12\.3\.tar\.gz: the signature file holds no OpenPGP signature/,
    );
  });
});
