import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export interface PackageDigest {
  sha256: string;
  size: number;
}

/** The only digest YUM metadata lists for a package (primary.xml's pkgid), so the only one computed. */
export async function sha256File(file: string): Promise<PackageDigest> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const bytes = chunk as Buffer;
    size += bytes.byteLength;
    hash.update(bytes);
  }
  return { sha256: hash.digest('hex'), size };
}
