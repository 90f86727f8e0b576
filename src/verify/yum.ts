import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import PQueue from 'p-queue';
import { listRepos } from '../publish/yum/layout.js';
import { sha256Of, type Sha256Digest } from '../core/digest.js';
import { parseRepomd, readPrimary, type PrimaryPackage } from '../publish/yum/repomd.js';
import { gpgvVerify } from '../sign/sign.js';
import type { Problem } from './apt.js';

/**
 * The YUM side of the archive check: what dnf with gpgcheck=1 and repo_gpgcheck=1 would refuse.
 * repomd.xml's detached signature, every metadata file it lists (sha256 and size), and every
 * package primary.xml lists (present, sha256 and size).
 */
async function checkFile(file: string, sha256: string, size: number | undefined): Promise<string | undefined> {
  if (!existsSync(file)) return 'missing';
  const digest = await sha256Of(file);
  if (digest.sha256 !== sha256) return `sha256 ${digest.sha256}, listed ${sha256}`;
  if (size !== undefined && digest.size !== size) return `size ${digest.size}, listed ${size}`;
  return undefined;
}

/**
 * A package the publisher placed itself: it hashed the signed file before giving it its final name,
 * and published package files never change. primary.xml must list exactly that digest, and the file
 * must still be there with that size (a stat, not a read). Synchronous: 10,000 stats through the
 * thread pool took eight times as long as in a loop.
 */
function checkRecorded(file: string, listed: PrimaryPackage, recorded: Sha256Digest): string | undefined {
  if (listed.sha256 !== recorded.sha256) return `listed sha256 ${listed.sha256}, recorded ${recorded.sha256} when it was published`;
  if (listed.size !== recorded.size) return `listed size ${listed.size}, recorded ${recorded.size} when it was published`;
  const stats = statSync(file, { throwIfNoEntry: false });
  if (!stats?.isFile()) return 'missing';
  if (stats.size !== recorded.size) return `size ${stats.size}, recorded ${recorded.size} when it was published`;
  return undefined;
}

/**
 * One generation folder (holding repodata/) of the repository whose baseurl is repoDir. `recorded`
 * (the publisher's self-check) holds every package the publisher's state lists, by location
 * (`packages/<file>`): primary.xml must list exactly those, and each with a recorded digest is
 * checked against it instead of being read again; a package without one is hashed. Without
 * `recorded` (freshet verify), every listed package is hashed.
 */
export async function verifyRepoGeneration(repoDir: string, genDir: string, keyring: string, recorded?: ReadonlyMap<string, Sha256Digest | null>): Promise<Problem[]> {
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
      const listed = await readPrimary(file);
      const found: (Problem | undefined)[] = [];
      const hashed: (() => Promise<void>)[] = [];
      listed.forEach((pkg, index) => {
        if (!/^packages\/[A-Za-z0-9][A-Za-z0-9._+~^-]*\.rpm$/.test(pkg.href)) {
          found[index] = { file, message: `package ${pkg.name} has an unexpected location ${pkg.href}` };
          return;
        }
        const packageFile = path.join(repoDir, pkg.href);
        // A re-sign links the live metadata: it must not sign a package that someone else listed there.
        if (recorded && !recorded.has(pkg.href)) {
          found[index] = { file: packageFile, message: 'listed in primary.xml, but not a package the publisher placed' };
          return;
        }
        const known = recorded?.get(pkg.href);
        const report = (bad: string | undefined) => {
          if (bad) found[index] = { file: packageFile, message: bad };
        };
        if (known) report(checkRecorded(packageFile, pkg, known));
        else hashed.push(async () => report(await checkFile(packageFile, pkg.sha256, pkg.size)));
      });
      // Several files at a time (reading one waits on the disk), problems kept in primary's order.
      await new PQueue({ concurrency: 16 }).addAll(hashed);
      problems.push(...found.filter((problem) => problem !== undefined));
      const hrefs = new Set(listed.map((pkg) => pkg.href));
      for (const href of recorded?.keys() ?? []) {
        if (!hrefs.has(href)) problems.push({ file: path.join(repoDir, href), message: 'placed by the publisher, but not listed in primary.xml' });
      }
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
