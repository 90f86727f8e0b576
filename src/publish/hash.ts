import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export interface FileDigest {
  size: number;
  sha256: string;
  sha512: string;
  /** Only for the `Files` field of Sources, whose format requires it; never for trust. */
  md5: string;
}

export function digestBuffer(data: Uint8Array): FileDigest {
  return {
    size: data.byteLength,
    sha256: createHash('sha256').update(data).digest('hex'),
    sha512: createHash('sha512').update(data).digest('hex'),
    md5: createHash('md5').update(data).digest('hex'),
  };
}

export async function digestFile(file: string): Promise<FileDigest> {
  const hashes = { sha256: createHash('sha256'), sha512: createHash('sha512'), md5: createHash('md5') };
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    const bytes = chunk as Buffer;
    size += bytes.byteLength;
    for (const hash of Object.values(hashes)) hash.update(bytes);
  }
  return { size, sha256: hashes.sha256.digest('hex'), sha512: hashes.sha512.digest('hex'), md5: hashes.md5.digest('hex') };
}
