import path from 'node:path';
import { KEYRING_GPG } from '../sign/key.js';
import { verifyAptArchive, type Problem } from './apt.js';

export type { Problem } from './apt.js';

/**
 * Check a published archive as a client would: signatures, Release fields, every listed index
 * and every pool file. An empty list means the archive is good. (YUM repositories join later.)
 */
export async function verifyArchive(root: string, keyring = path.join(root, KEYRING_GPG), now = new Date()): Promise<Problem[]> {
  return verifyAptArchive(root, keyring, now);
}
