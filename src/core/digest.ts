import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export interface Sha256Digest {
  sha256: string;
  size: number;
}

/** The sha256 and size of a file, read once as a stream (packages and farm blobs can be large). */
export async function sha256Of(file: string): Promise<Sha256Digest> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const bytes = chunk as Buffer;
    size += bytes.byteLength;
    hash.update(bytes);
  }
  return { sha256: hash.digest('hex'), size };
}
