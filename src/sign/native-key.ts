import { createPrivateKey, createPublicKey, sign, verify, type JsonWebKey } from 'node:crypto';

/**
 * The archive key in a form node:crypto signs with (native-signer.ts), so that a publish loads no
 * OpenPGP library. Made once per key from gpg's export, when key-cache.ts (re)builds its cache:
 * openpgp.js does the parsing, the part worth a well-kept library. Only v4 RSA and v4 EdDSA legacy
 * (Ed25519) keys without a passphrase, the kinds `freshet key create` and gpg 2.2 make; for any
 * other kind this gives null and the publish signs with openpgp.js as before.
 */
export interface NativeKey {
  /** OpenPGP public-key algorithm (RFC 4880 9.1): 1 RSA, 22 EdDSA legacy. */
  algorithm: 1 | 22;
  /** Of the key that signs (the primary key, or the signing subkey openpgp.js would choose). */
  fingerprint: string;
  keyId: string;
  /**
   * When the signing key stops signing (ISO 8601; the earlier of the primary key's and the
   * subkey's expiry), or null: a key cache holds it past then, and must not sign with it.
   */
  expiresAt: string | null;
  /** The secret key as a JWK (RSA: n, e, d, p, q, dp, dq, qi; Ed25519: d, x). */
  jwk: JsonWebKey;
}

type Bytes = Uint8Array;

const base64url = (bytes: Bytes): string => Buffer.from(bytes).toString('base64url');
const toBigInt = (bytes: Bytes): bigint => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);

function toBase64url(value: bigint): string {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex').toString('base64url');
}

/** a⁻¹ mod m, by the extended Euclidean algorithm. */
function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r, oldS, s] = [a % m, m, 1n, 0n];
  while (r !== 0n) {
    const quotient = oldR / r;
    [oldR, r] = [r, oldR - quotient * r];
    [oldS, s] = [s, oldS - quotient * s];
  }
  return ((oldS % m) + m) % m;
}

/** OpenPGP keeps n, e, d, p, q and u = p⁻¹ mod q; a JWK wants the CRT exponents as well. */
function rsaJwk(publicParams: Record<string, Bytes>, privateParams: Record<string, Bytes>): { secret: JsonWebKey; public: JsonWebKey } {
  const [d, p, q] = [toBigInt(privateParams.d!), toBigInt(privateParams.p!), toBigInt(privateParams.q!)];
  const pub = { kty: 'RSA', n: base64url(publicParams.n!), e: base64url(publicParams.e!) };
  const secret = { ...pub, d: toBase64url(d), p: toBase64url(p), q: toBase64url(q), dp: toBase64url(d % (p - 1n)), dq: toBase64url(d % (q - 1n)), qi: toBase64url(modInverse(q, p)) };
  return { secret, public: pub };
}

function ed25519Jwk(publicParams: Record<string, Bytes>, privateParams: Record<string, Bytes>): { secret: JsonWebKey; public: JsonWebKey } | undefined {
  const point = publicParams.Q;
  const seed = privateParams.seed;
  // Q is the native point prefixed by 0x40 (RFC 4880bis 13.3); algorithm 22 is only ever Ed25519 here.
  if (!point || point.length !== 33 || point[0] !== 0x40 || !seed || seed.length !== 32) return undefined;
  const pub = { kty: 'OKP', crv: 'Ed25519', x: base64url(point.subarray(1)) };
  return { secret: { ...pub, d: base64url(seed) }, public: pub };
}

/** The secret half must belong to the public key that clients hold: one signature, checked. */
function matches(jwks: { secret: JsonWebKey; public: JsonWebKey }, hash: string | null): boolean {
  const probe = Buffer.from('freshet key check');
  try {
    return verify(hash, probe, createPublicKey({ key: jwks.public, format: 'jwk' }), sign(hash, probe, createPrivateKey({ key: jwks.secret, format: 'jwk' })));
  } catch {
    // A key OpenSSL will not take is signed with openpgp.js instead.
    return false;
  }
}

/** The node:crypto form of `fingerprint`'s signing key from its armored secret export, or null for a kind native-signer.ts does not sign with. */
export async function nativeKeyFrom(secretArmored: string, fingerprint: string): Promise<NativeKey | null> {
  const openpgp = await import('openpgp');
  const key = await openpgp.readPrivateKey({ armoredKey: secretArmored }).catch(() => undefined);
  if (!key || key.getFingerprint().toUpperCase() !== fingerprint.toUpperCase() || !key.isDecrypted()) return null;
  const signing = await key.getSigningKey().catch(() => undefined);
  const packet = signing?.keyPacket;
  // openpgp.js types the parameters loosely: both are objects of big-endian byte strings here.
  const privateParams = (packet as { privateParams?: Record<string, Bytes> } | undefined)?.privateParams;
  if (!signing || !packet || packet.version !== 4 || !packet.isDecrypted() || !privateParams) return null;
  const publicParams = packet.publicParams as unknown as Record<string, Bytes>;
  const algorithm = packet.algorithm as number;
  if (algorithm !== 1 && algorithm !== 22) return null;
  const jwks = algorithm === 1 ? rsaJwk(publicParams, privateParams) : ed25519Jwk(publicParams, privateParams);
  if (!jwks) return null;
  if (!matches(jwks, algorithm === 1 ? 'sha512' : null)) return null;
  const expiries = await Promise.all([key.getExpirationTime(), signing === key ? null : signing.getExpirationTime()]);
  const expiresAt = expiries.filter((expiry) => expiry instanceof Date).sort((a, b) => a.getTime() - b.getTime())[0]?.toISOString() ?? null;
  return { algorithm, fingerprint: signing.getFingerprint().toUpperCase(), keyId: signing.getKeyID().toHex().toUpperCase(), expiresAt, jwk: jwks.secret };
}

/** Whether a key cache's node:crypto key is past its expiry, or from a cache that did not record it: made again, the signing key is chosen anew. */
export function nativeKeyExpired(key: NativeKey, now = Date.now()): boolean {
  return key.expiresAt === undefined || (key.expiresAt !== null && Date.parse(key.expiresAt) <= now);
}
