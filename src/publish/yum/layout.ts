import { existsSync } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../core/errors.js';

/**
 * One YUM repository per rpm target: `<root>/rpm/<repo>/` is the baseurl. Packages sit in
 * `packages/`; `repodata` is a symlink to `.generations/<n>/repodata`, so going live is one
 * atomic rename of the symlink, as for APT suites.
 */
export function repoDir(root: string, repo: string): string {
  return path.join(root, 'rpm', repo);
}

export function packagesDir(root: string, repo: string): string {
  return path.join(repoDir(root, repo), 'packages');
}

export function generationDir(root: string, repo: string, generation: number): string {
  return path.join(repoDir(root, repo), '.generations', String(generation));
}

/** The live generation folder (holding repodata/), or undefined before the first publish. */
export async function liveGeneration(root: string, repo: string): Promise<string | undefined> {
  const link = path.join(repoDir(root, repo), 'repodata');
  const stats = await lstat(link).catch(() => undefined);
  if (!stats) return undefined;
  if (!stats.isSymbolicLink()) throw new UserError(`${link}: is not a symlink to a generation; this repository was not made by freshet`);
  return path.dirname(path.resolve(path.dirname(link), await readlink(link)));
}

/** Repositories with live metadata under an archive root. */
export async function listRepos(root: string): Promise<string[]> {
  const dir = path.join(root, 'rpm');
  if (!existsSync(dir)) return [];
  const repos: string[] = [];
  for (const entry of (await readdir(dir)).sort()) {
    if (!entry.startsWith('.') && (await liveGeneration(root, entry).catch(() => undefined))) repos.push(entry);
  }
  return repos;
}
