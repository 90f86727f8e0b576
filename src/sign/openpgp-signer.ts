import { UserError } from '../core/errors.js';

/**
 * Signing in-process with openpgp.js, with the archive's secret key exported once from freshet's
 * GnuPG home (key-cache.ts): no gpg process and no gpg-agent per signature. What is signed is
 * still checked by the real gpgv before anything goes live (verify/apt.ts, verify/yum.ts), so a
 * signer bug cannot reach a client. openpgp.js is imported on first use only. The archive signs
 * with it only for key kinds that native-signer.ts (node:crypto) does not handle.
 */
export interface Signer {
  fingerprint: string;
  /** An InRelease-style cleartext signature of `text`. */
  clearsign(text: string): Promise<string>;
  /** An armored detached binary signature of `data` (Release.gpg, repomd.xml.asc). */
  detachSign(data: Uint8Array): Promise<string>;
  /** The same as one binary OpenPGP signature packet (an RPM header signature). */
  detachSignBinary(data: Uint8Array): Promise<Uint8Array>;
}

export async function createSigner(fingerprint: string, secretArmored: string): Promise<Signer> {
  const openpgp = await import('openpgp');
  const key = await openpgp.readPrivateKey({ armoredKey: secretArmored });
  if (key.getFingerprint().toUpperCase() !== fingerprint.toUpperCase()) {
    throw new UserError(`exported secret key is ${key.getFingerprint().toUpperCase()}, not the archive key ${fingerprint}`);
  }
  if (!key.isDecrypted()) throw new UserError(`archive key ${fingerprint} is protected by a passphrase; freshet signs unattended`);
  // Never SHA-1: apt refuses it, and so do we.
  const config = { preferredHashAlgorithm: openpgp.enums.hash.sha512 };
  return {
    fingerprint,
    async clearsign(text) {
      // In gpg's form, which apt and gpgv expect: LF line ends (openpgp.js writes CRLF; the signed
      // hash is over CRLF either way), and the newline before the signature armor is the text's last.
      const message = await openpgp.createCleartextMessage({ text: text.endsWith('\n') ? text.slice(0, -1) : text });
      const signed = await openpgp.sign({ message, signingKeys: key, config });
      return signed.replace(/\r\n/g, '\n');
    },
    async detachSign(data) {
      const message = await openpgp.createMessage({ binary: data });
      return openpgp.sign({ message, signingKeys: key, detached: true, format: 'armored', config });
    },
    async detachSignBinary(data) {
      const message = await openpgp.createMessage({ binary: data });
      return openpgp.sign({ message, signingKeys: key, detached: true, format: 'binary', config });
    },
  };
}
