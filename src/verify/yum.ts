import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import PQueue from 'p-queue';
import { listRepos } from '../publish/yum/layout.js';
import { parseRepomd, readPrimary } from '../publish/yum/repomd.js';
import { digestFile } from '../publish/hash.js';
import { gpgvVerify } from '../sign/sign.js';
import type { Problem } from './apt.js';

/**
 * The YUM side of the archive check: what dnf with gpgcheck=1 and repo_gpgcheck=1 would refuse.
 * repomd.xml's detached signature, every metadata file it lists (sha256 and size), and every
 * package primary.xml lists (present, sha256 and size).
 */
async function checkFile(file: string, sha256: string, size: number | undefined): Promise<string | undefined> {
  if (!existsSync(file)) return 'missing';
  const digest = await digestFile(file);
  if (digest.sha256 !== sha256) return `sha256 ${digest.sha256}, listed ${sha256}`;
  if (size !== undefined && digest.size !== size) return `size ${digest.size}, listed ${size}`;
  return undefined;
}

/** One generation folder (holding repodata/) of the repository whose baseurl is repoDir. */
export async function verifyRepoGeneration(repoDir: string, genDir: string, keyring: string): Promise<Problem[]> {
  const problems: Problem[] = [];
  const repodata = path.join(genDir, 'repodata');
  const repomd = path.join(repodata, 'repomd.xml');
  const signature = `${repomd}.asc`;
  for (const file of [repomd, signature]) if (!existsSync(file)) problems.push({ file, message: 'missing' });
  if (problems.length > 0) return problems;
  const verified = await gpgvVerify(keyring, signature, { signedData: repomd });
  if (!verified.ok) problems.push({ file: signature, message: `signature does not verify against ${keyring}: ${verified.output}` });
  const entries = parseRepomd(await readFile(repomd, 'utf8'));
  if (!entries.some((entry) => entry.type === 'primary')) problems.push({ file: repomd, message: 'lists no primary metadata' });
  for (const entry of entries) {
    if (!/^repodata\/[A-Za-z0-9._-]+$/.test(entry.href) || !entry.sha256) {
      problems.push({ file: repomd, message: `bad ${entry.type} entry: ${entry.href || 'no location'}` });
      continue;
    }
    const file = path.join(genDir, entry.href);
    const wrong = await checkFile(file, entry.sha256, entry.size);
    if (wrong) problems.push({ file, message: wrong });
    else if (entry.type === 'primary') {
      // Several files at a time (reading one waits on the disk), problems kept in primary's order.
      const found = await new PQueue({ concurrency: 16 }).addAll(
        (await readPrimary(file)).map((pkg) => async (): Promise<Problem | undefined> => {
          if (!/^packages\/[A-Za-z0-9][A-Za-z0-9._+~^-]*\.rpm$/.test(pkg.href)) return { file, message: `package ${pkg.name} has an unexpected location ${pkg.href}` };
          const packageFile = path.join(repoDir, pkg.href);
          const bad = await checkFile(packageFile, pkg.sha256, pkg.size);
          return bad ? { file: packageFile, message: bad } : undefined;
        }),
      );
      problems.push(...found.filter((problem) => problem !== undefined));
    }
  }
  return problems;
}

export async function verifyYumArchive(root: string, keyring: string): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const repo of await listRepos(root)) {
    const repoDir = path.join(root, 'rpm', repo);
    problems.push(...(await verifyRepoGeneration(repoDir, repoDir, keyring)));
  }
  return problems;
}
