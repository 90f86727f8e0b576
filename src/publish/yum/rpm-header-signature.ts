import { open, rename, rm } from 'node:fs/promises';
import { UserError } from '../../core/errors.js';

/**
 * Writing an RPM's header signature in-process, as `rpmsign --addsign` of rpm 4.18 does, without a
 * process per package. An RPM file is a 96-byte lead, the signature header (padded to 8 bytes),
 * the main header and the payload. The signature is a binary OpenPGP v4 signature over the main
 * header exactly as it is in the file (magic included: rpm's hdrblob digest), stored in the
 * signature header as RPMSIGTAG_RSA for RSA keys and RPMSIGTAG_DSA for DSA, ECDSA and EdDSA keys.
 * rpmbuild leaves RPMSIGTAG_RESERVEDSPACE so that the signature fits without moving the main
 * header: the signature header is rewritten in place at the same size whenever it fits, like
 * rpmsign; otherwise the file is rewritten. Build output is untrusted: every length is checked.
 */
const LEAD_SIZE = 96;
const LEAD_MAGIC = 0xedabeedb;
const HEADER_MAGIC = Buffer.from([0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0]);
const PREAMBLE = 16;
const ENTRY = 16;

const TAG_HEADERSIGNATURES = 62;
const SIGTAG_DSA = 267;
const SIGTAG_RSA = 268;
const SIGTAG_PGP = 1002;
const SIGTAG_GPG = 1005;
const SIGTAG_RESERVEDSPACE = 1008;
/** Tags of earlier package signatures, replaced by the new one (as `rpmsign --resign`). */
const SIGNATURE_TAGS = new Set([SIGTAG_DSA, SIGTAG_RSA, SIGTAG_PGP, SIGTAG_GPG]);

const TYPE_BIN = 7;
/** rpm's own limits (hdrblobRead): a signature header has at most 32 tags and 64 MiB, a main header 65,535 tags and 256 MiB. */
const SIGNATURE_LIMITS = { tags: 32, bytes: 64 * 1024 * 1024 };
const HEADER_LIMITS = { tags: 0xffff, bytes: 256 * 1024 * 1024 };

/** OpenPGP public-key algorithms (RFC 4880 9.1, RFC 9580 9.1). */
const PUBKEY_RSA = new Set([1, 2, 3]);
const PUBKEY_DSA_LIKE = new Set([17, 19, 22, 27]);

interface Entry {
  tag: number;
  type: number;
  count: number;
  data: Buffer;
}

const alignment: Record<number, number> = { 3: 2, 4: 4, 5: 8 };

function invalid(file: string, what: string): UserError {
  return new UserError(`${file}: not a valid RPM package (${what}); not signing it`);
}

/** The byte length of one entry's data from its type and count (rpm's dataLength). */
function dataLength(file: string, type: number, count: number, store: Buffer, offset: number): number {
  const fixed: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1 };
  if (fixed[type] !== undefined) return fixed[type] * count;
  if (type !== 6 && type !== 8 && type !== 9) throw invalid(file, `unknown header data type ${type}`);
  if (type === 6 && count !== 1) throw invalid(file, 'a string entry with a count other than 1');
  let end = offset;
  for (let index = 0; index < count; index++) {
    const nul = store.indexOf(0, end);
    if (nul < 0) throw invalid(file, 'an unterminated string in the signature header');
    end = nul + 1;
  }
  return end - offset;
}

/** The entries of a signature header (without its region tag), from its index and data store. */
function readEntries(file: string, index: Buffer, store: Buffer): Entry[] {
  const count = index.length / ENTRY;
  if (count < 1 || index.readInt32BE(0) !== TAG_HEADERSIGNATURES || index.readInt32BE(4) !== TYPE_BIN || index.readInt32BE(12) !== 16) {
    throw invalid(file, 'the signature header does not start with its region tag');
  }
  const entries: Entry[] = [];
  for (let position = ENTRY; position < index.length; position += ENTRY) {
    const tag = index.readInt32BE(position);
    const type = index.readInt32BE(position + 4);
    const offset = index.readInt32BE(position + 8);
    const items = index.readInt32BE(position + 12);
    if (offset < 0 || offset >= store.length || items < 1 || items > store.length) throw invalid(file, `tag ${tag} lies outside the signature header`);
    const length = dataLength(file, type, items, store, offset);
    if (offset + length > store.length - 16) throw invalid(file, `tag ${tag} overlaps the end of the signature header`);
    entries.push({ tag, type, count: items, data: store.subarray(offset, offset + length) });
  }
  return entries;
}

/** A signature header blob (magic to the end of its data, unpadded): index sorted by tag, data in index order, region trailer last. */
function writeHeader(entries: readonly Entry[]): Buffer {
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  const chunks: Buffer[] = [];
  const index = Buffer.alloc((sorted.length + 1) * ENTRY);
  let size = 0;
  sorted.forEach((entry, position) => {
    const align = alignment[entry.type] ?? 1;
    const pad = (align - (size % align)) % align;
    if (pad > 0) chunks.push(Buffer.alloc(pad));
    size += pad;
    const at = (position + 1) * ENTRY;
    index.writeInt32BE(entry.tag, at);
    index.writeInt32BE(entry.type, at + 4);
    index.writeInt32BE(size, at + 8);
    index.writeInt32BE(entry.count, at + 12);
    chunks.push(entry.data);
    size += entry.data.length;
  });
  const trailer = Buffer.alloc(16);
  trailer.writeInt32BE(TAG_HEADERSIGNATURES, 0);
  trailer.writeInt32BE(TYPE_BIN, 4);
  trailer.writeInt32BE(-index.length, 8);
  trailer.writeInt32BE(16, 12);
  index.writeInt32BE(TAG_HEADERSIGNATURES, 0);
  index.writeInt32BE(TYPE_BIN, 4);
  index.writeInt32BE(size, 8);
  index.writeInt32BE(16, 12);
  chunks.push(trailer);
  size += trailer.length;
  const preamble = Buffer.alloc(PREAMBLE);
  HEADER_MAGIC.copy(preamble);
  preamble.writeInt32BE(sorted.length + 1, 8);
  preamble.writeInt32BE(size, 12);
  return Buffer.concat([preamble, index, ...chunks]);
}

const padded = (length: number) => length + ((8 - (length % 8)) % 8);

/** The signature tag for a binary OpenPGP signature packet, from its public-key algorithm. */
function signatureTag(signature: Uint8Array): number {
  const packet = Buffer.from(signature);
  const first = packet[0] ?? 0;
  if ((first & 0x80) === 0) throw new UserError('the archive key made a signature that is not an OpenPGP packet');
  let body: number;
  if (first & 0x40) {
    const length = packet[1] ?? 0;
    body = length < 192 ? 2 : length < 224 ? 3 : 6;
  } else {
    body = 1 + [1, 2, 4][first & 0x03]!;
  }
  const algorithm = packet[body + 2] ?? 0;
  if (packet[body] !== 4) throw new UserError(`rpm 4.18 reads only version 4 OpenPGP signatures; the archive key made version ${packet[body]}`);
  if (PUBKEY_RSA.has(algorithm)) return SIGTAG_RSA;
  if (PUBKEY_DSA_LIKE.has(algorithm)) return SIGTAG_DSA;
  throw new UserError(`rpm cannot check signatures of OpenPGP public-key algorithm ${algorithm}`);
}

/** Sign one RPM file in place: `sign` gets the main header's bytes and returns a binary detached OpenPGP signature. */
export async function signRpmHeader(file: string, sign: (header: Uint8Array) => Promise<Uint8Array>): Promise<void> {
  const handle = await open(file, 'r+');
  let rewritten: Buffer | undefined;
  let oldSpan = 0;
  try {
    const readAt = async (position: number, length: number): Promise<Buffer> => {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, position);
      if (bytesRead !== length) throw invalid(file, 'it ends early');
      return buffer;
    };
    const lead = await readAt(0, LEAD_SIZE);
    if (lead.readUInt32BE(0) !== LEAD_MAGIC) throw invalid(file, 'no RPM lead');
    const readPreamble = async (position: number, limits: { tags: number; bytes: number }) => {
      const preamble = await readAt(position, PREAMBLE);
      if (!preamble.subarray(0, 8).equals(HEADER_MAGIC)) throw invalid(file, `no header magic at byte ${position}`);
      const tags = preamble.readInt32BE(8);
      const bytes = preamble.readInt32BE(12);
      if (tags < 1 || tags > limits.tags || bytes < 0 || bytes > limits.bytes) throw invalid(file, `a header of ${tags} tags and ${bytes} bytes at byte ${position}`);
      return { tags, bytes, length: PREAMBLE + tags * ENTRY + bytes };
    };
    const signatureHeader = await readPreamble(LEAD_SIZE, SIGNATURE_LIMITS);
    const oldSignature = await readAt(LEAD_SIZE, signatureHeader.length);
    const indexEnd = PREAMBLE + signatureHeader.tags * ENTRY;
    const entries = readEntries(file, oldSignature.subarray(PREAMBLE, indexEnd), oldSignature.subarray(indexEnd));
    oldSpan = padded(signatureHeader.length);
    const mainStart = LEAD_SIZE + oldSpan;
    const main = await readPreamble(mainStart, HEADER_LIMITS);
    const signature = Buffer.from(await sign(await readAt(mainStart, main.length)));
    const tag = signatureTag(signature);

    const kept = entries.filter((entry) => !SIGNATURE_TAGS.has(entry.tag) && entry.tag !== SIGTAG_RESERVEDSPACE);
    kept.push({ tag, type: TYPE_BIN, count: signature.length, data: signature });
    const reserved = entries.find((entry) => entry.tag === SIGTAG_RESERVEDSPACE);
    let blob = writeHeader(kept);
    if (reserved) {
      // Shrink the reserved space by what the signature took, so the main header stays where it is.
      const space = padded(signatureHeader.length) - padded(blob.length) - ENTRY;
      for (let extra = space; extra > 0 && extra > space - 8; extra--) {
        const candidate = writeHeader([...kept, { tag: SIGTAG_RESERVEDSPACE, type: TYPE_BIN, count: extra, data: Buffer.alloc(extra) }]);
        if (padded(candidate.length) === padded(signatureHeader.length)) {
          blob = candidate;
          break;
        }
      }
    }
    const block = Buffer.alloc(padded(blob.length));
    blob.copy(block);
    if (block.length === oldSpan) await handle.write(block, 0, block.length, LEAD_SIZE);
    else rewritten = Buffer.concat([lead, block]);
  } finally {
    await handle.close();
  }
  if (!rewritten) return;
  // No room in place: a new file of lead, signature header and the rest copied unchanged, then renamed over.
  const next = `${file}.resized`;
  const source = await open(file, 'r');
  const target = await open(next, 'w', 0o644);
  try {
    await target.write(rewritten, 0, rewritten.length, 0);
    const chunk = Buffer.alloc(1024 * 1024);
    let from = LEAD_SIZE + oldSpan;
    let to = rewritten.length;
    for (;;) {
      const { bytesRead } = await source.read(chunk, 0, chunk.length, from);
      if (bytesRead === 0) break;
      await target.write(chunk, 0, bytesRead, to);
      from += bytesRead;
      to += bytesRead;
    }
  } catch (error) {
    await rm(next, { force: true });
    throw error;
  } finally {
    await source.close();
    await target.close();
  }
  await rename(next, file);
}

