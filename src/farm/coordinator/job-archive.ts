import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../core/errors.js';
import { run } from '../../core/exec.js';
import { currentGeneration, suitePath } from '../../publish/apt/generation.js';
import { parseRepomd, readPrimary } from '../../publish/yum/repomd.js';
import { liveGeneration, repoDir } from '../../publish/yum/layout.js';
import { KEYRING_ASC, KEYRING_GPG } from '../../sign/key.js';
import type { Family } from '../../types.js';

/** The binary indices of an APT suite: what apt on a worker downloads (no job fetches sources). */
const APT_BINARY_INDICES = ['main/binary-amd64/Packages', 'main/binary-all/Packages'];

/**
 * The paths (relative to the archive root) a job on one suite or YUM repository needs from a
 * staging archive: the keyring, the suite's live generation (Release, InRelease and the indices
 * they sign, so apt and dnf on the worker verify them as before) with the link that names it, and
 * the pool files those indices list. Other suites, other targets' repositories and pool files no
 * index of this suite lists stay on the coordinator.
 */
export async function jobArchivePaths(root: string, family: Family, suite: string): Promise<string[]> {
  const paths = [KEYRING_GPG, KEYRING_ASC].filter((name) => existsSync(path.join(root, name)));
  if (family === 'deb') {
    const generation = await currentGeneration(root, suite);
    if (!generation) return paths;
    paths.push(path.relative(root, suitePath(root, suite)), path.relative(root, generation));
    for (const index of APT_BINARY_INDICES) {
      const file = path.join(generation, index);
      if (!existsSync(file)) continue;
      for (const match of readFileSync(file, 'utf8').matchAll(/^Filename:[ \t]*(\S+)[ \t]*$/gm)) paths.push(inside(root, match[1]!, file));
    }
  } else {
    const repo = repoDir(root, suite);
    const generation = await liveGeneration(root, suite);
    if (!generation) return paths;
    paths.push(path.relative(root, path.join(repo, 'repodata')), path.relative(root, generation));
    const repomd = path.join(generation, 'repodata', 'repomd.xml');
    const primary = parseRepomd(readFileSync(repomd, 'utf8')).find((entry) => entry.type === 'primary');
    if (!primary) throw new UserError(`${repomd}: lists no primary metadata`);
    for (const pkg of await readPrimary(path.join(generation, primary.href))) paths.push(inside(root, path.join(path.relative(root, repo), pkg.href), repomd));
  }
  return [...new Set(paths)];
}

/** A pool path an index lists, checked to stay inside the archive (freshet wrote the index; a bad one must not pack the host). */
function inside(root: string, relative: string, index: string): string {
  const normal = path.normalize(relative);
  if (path.isAbsolute(normal) || normal.startsWith('..') || !existsSync(path.join(root, normal))) {
    throw new UserError(`${index}: lists ${JSON.stringify(relative)}, which is not a file of the archive`);
  }
  return normal;
}

/**
 * Pack what a job on `suite` needs of the staging archive at `root` into one uncompressed tar, hard
 * links kept. GNU tar with the explicit list (NUL-separated on stdin): node-tar's create never
 * finishes on a suite whose index files are hard-linked across folders (binary-all and
 * binary-amd64 with the same Packages, and their by-hash names).
 */
export async function packJobArchive(root: string, family: Family, suite: string, file: string): Promise<void> {
  const paths = await jobArchivePaths(root, family, suite);
  await run('tar', ['--create', '--file', file, '--directory', root, '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--null', '--verbatim-files-from', '--files-from=-'], {
    input: paths.map((entry) => `${entry}\0`).join(''),
  });
}
