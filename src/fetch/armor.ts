import { readSignature } from 'openpgp';
import { SignatureError } from './openpgp.js';

const ARMORED_SIGNATURE = /^\s*-----BEGIN PGP SIGNATURE-----\r?\n/;

/**
 * The upstream signature as dpkg-source ships it beside the orig tarball: ASCII-armored with the
 * standard `PGP SIGNATURE` header (`gpg --enarmor` writes `PGP ARMORED FILE`, which lintian tags).
 * An armored upstream file is kept byte for byte; a binary `.sig` is armored by openpgp.js. The
 * result is what gpgv then checks, so the kept file is exactly the verified one.
 */
export async function armorSignature(upstream: string, label: string, bytes: Buffer): Promise<Buffer> {
  if (ARMORED_SIGNATURE.test(bytes.toString('latin1', 0, 64))) return bytes;
  try {
    const signature = await readSignature({ binarySignature: new Uint8Array(bytes) });
    return Buffer.from(signature.armor(), 'utf8');
  } catch (error) {
    throw new SignatureError(upstream, `${label}: the signature file holds no OpenPGP signature (${(error as Error).message})`);
  }
}
