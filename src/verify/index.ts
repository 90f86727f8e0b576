import path from 'node:path';
import { KEYRING_GPG } from '../sign/key.js';
import { listSuites, verifyAptArchive, type Problem } from './apt.js';
import { verifyYumArchive } from './yum.js';
import { listRepos } from '../publish/yum/layout.js';

export type { Problem } from './apt.js';

/**
 * Check a published archive as a client would: signatures, Release fields, every listed index
 * and every pool file, and for YUM repositories the signed repomd.xml, every metadata file and
 * every package. An empty list means the archive is good.
 */
export async function verifyArchive(root: string, keyring = path.join(root, KEYRING_GPG), now = new Date()): Promise<Problem[]> {
  const yumRepos = await listRepos(root);
  // An archive of YUM repositories only has no dists/; APT's "no suites" applies when there is neither.
  const apt = yumRepos.length === 0 || (await listSuites(root)).length > 0 ? await verifyAptArchive(root, keyring, now) : [];
  return [...apt, ...(await verifyYumArchive(root, keyring))];
}
