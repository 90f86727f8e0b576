import { createHash, createPrivateKey, sign } from 'node:crypto';
import type { NativeKey } from './native-key.js';
import type { Signer } from './openpgp-signer.js';

/**
 * OpenPGP v4 signatures (RFC 4880 5.2.3) made with node:crypto, for the key kinds freshet makes:
 * no OpenPGP library is loaded on a publish (importing openpgp.js alone cost 31–37 ms a call).
 * SHA-512; hashed subpackets: creation time and issuer fingerprint; unhashed: issuer key ID, as
 * gpg writes them. Like the openpgp.js signer, every signature is still checked by the real gpgv
 * or rpmkeys before it goes live (verify/apt.ts, publish/yum/sign.ts).
 */
const SHA512 = 10;
const BINARY = 0x00;
const CANONICAL_TEXT = 0x01;
const SIGNATURE_PACKET = 2;
const SUBPACKET_CREATION_TIME = 2;
const SUBPACKET_ISSUER_KEY_ID = 16;
const SUBPACKET_ISSUER_FINGERPRINT = 33;

const uint16 = (value: number): Buffer => Buffer.from([value >> 8, value & 0xff]);

function uint32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
}

/** A subpacket with a one-octet length: every one written here is shorter than 192 octets. */
const subpacket = (type: number, data: Buffer): Buffer => Buffer.concat([Buffer.from([data.length + 1, type]), data]);

/** An MPI: bit count, then the big-endian value without leading zero octets. */
function mpi(value: Buffer): Buffer {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start++;
  const trimmed = value.subarray(start);
  return Buffer.concat([uint16((trimmed.length - 1) * 8 + (trimmed[0] ? 32 - Math.clz32(trimmed[0]) : 0)), trimmed]);
}

/** A new-format packet header (RFC 4880 4.2.2). */
function packet(tag: number, body: Buffer): Buffer {
  const length = body.length;
  const header =
    length < 192 ? Buffer.from([length])
    : length < 8384 ? Buffer.from([((length - 192) >> 8) + 192, (length - 192) & 0xff])
    : Buffer.concat([Buffer.from([0xff]), uint32(length)]);
  return Buffer.concat([Buffer.from([0xc0 | tag]), header, body]);
}

/** CRC-24 of RFC 4880 6.1, for the armor checksum. */
function crc24(data: Buffer): number {
  let crc = 0xb704ce;
  for (const byte of data) {
    crc ^= byte << 16;
    for (let bit = 0; bit < 8; bit++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
  }
  return crc & 0xffffff;
}

/** ASCII armor as gpg writes it: no headers, 64-column base64, the CRC-24 line. */
function armor(data: Buffer): string {
  const lines = data.toString('base64').match(/.{1,64}/g) ?? [];
  const checksum = uint32(crc24(data)).subarray(1);
  return ['-----BEGIN PGP SIGNATURE-----', '', ...lines, `=${checksum.toString('base64')}`, '-----END PGP SIGNATURE-----', ''].join('\n');
}

/**
 * The cleartext's lines as they are signed and shown: without trailing spaces and tabs (RFC 4880
 * 7.1) and without the text's last newline, which belongs to the armor that follows. As
 * openpgp.js did (gpg shows the trailing whitespace it does not sign), the output holds nothing
 * that the signature does not cover, so apt reads only signed text.
 */
function cleartextLines(text: string): string[] {
  return (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n').map((line) => line.replace(/[ \t\r]+$/, ''));
}

export function createNativeSigner(fingerprint: string, key: NativeKey): Signer {
  const secret = createPrivateKey({ key: key.jwk, format: 'jwk' });
  const issuerFingerprint = Buffer.from(key.fingerprint, 'hex');
  const issuerKeyId = Buffer.from(key.keyId, 'hex');

  function signaturePacket(type: number, data: Buffer): Buffer {
    const hashedSubpackets = Buffer.concat([
      subpacket(SUBPACKET_ISSUER_FINGERPRINT, Buffer.concat([Buffer.from([4]), issuerFingerprint])),
      subpacket(SUBPACKET_CREATION_TIME, uint32(Math.floor(Date.now() / 1000))),
    ]);
    const hashed = Buffer.concat([Buffer.from([4, type, key.algorithm, SHA512]), uint16(hashedSubpackets.length), hashedSubpackets]);
    // The v4 trailer: the version, 0xff and the hashed part's length (RFC 4880 5.2.4).
    const signed = Buffer.concat([data, hashed, Buffer.from([4, 0xff]), uint32(hashed.length)]);
    const digest = createHash('sha512').update(signed).digest();
    const unhashedSubpackets = subpacket(SUBPACKET_ISSUER_KEY_ID, issuerKeyId);
    return packet(SIGNATURE_PACKET, Buffer.concat([hashed, uint16(unhashedSubpackets.length), unhashedSubpackets, digest.subarray(0, 2), signatureMpis(signed, digest)]));
  }

  function signatureMpis(signed: Buffer, digest: Buffer): Buffer {
    // RSA: EMSA-PKCS1-v1_5 with SHA-512's DigestInfo, which crypto.sign does over the same bytes.
    if (key.algorithm === 1) return mpi(sign('sha512', signed, secret));
    // EdDSA legacy signs the digest itself, and gives R and S as two MPIs.
    const rs = sign(null, digest, secret);
    return Buffer.concat([mpi(rs.subarray(0, 32)), mpi(rs.subarray(32))]);
  }

  return {
    fingerprint,
    async clearsign(text) {
      const lines = cleartextLines(text);
      const signature = signaturePacket(CANONICAL_TEXT, Buffer.from(lines.join('\r\n')));
      const shown = lines.map((line) => (line.startsWith('-') ? `- ${line}` : line));
      return ['-----BEGIN PGP SIGNED MESSAGE-----', 'Hash: SHA512', '', ...shown, armor(signature)].join('\n');
    },
    async detachSign(data) {
      return armor(signaturePacket(BINARY, Buffer.from(data)));
    },
    async detachSignBinary(data) {
      return new Uint8Array(signaturePacket(BINARY, Buffer.from(data)));
    },
  };
}
