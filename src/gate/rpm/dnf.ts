import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run, type RunResult } from '../../core/exec.js';

/**
 * A dnf client isolated from the host: its own install root, cache and repository folder holding
 * one .repo file like the one operators install (package and metadata signature checks on, the key
 * fetched from the repository's server).
 */
export interface DnfClient {
  /** Runs dnf with the repository options; throws unless allowFailure. */
  dnf(args: readonly string[], options?: { allowFailure?: boolean; logFile?: string }): Promise<RunResult>;
  root: string;
}

/** The .repo file for one freshet repository; the same text the report stage offers operators. */
export function repoFile(repo: { id: string; baseurl: string; gpgkey: string }): string {
  for (const value of [repo.id, repo.baseurl, repo.gpgkey]) {
    if (/[\s]/.test(value)) throw new Error(`repository setting ${JSON.stringify(value)} contains white space`);
  }
  return [
    `[${repo.id}]`,
    `name=freshet ${repo.id}`,
    `baseurl=${repo.baseurl}`,
    'enabled=1',
    'gpgcheck=1',
    'repo_gpgcheck=1',
    `gpgkey=${repo.gpgkey}`,
    // dnf on Debian skips a repository it cannot verify and exits 0; a freshet client must fail instead.
    'skip_if_unavailable=False',
    'metadata_expire=0',
    '',
  ].join('\n');
}

export function dnfClient(work: string, repo: { id: string; baseurl: string; gpgkey: string; releasever: string }): DnfClient {
  const root = path.join(work, 'root');
  const cache = path.join(work, 'cache');
  const reposDir = path.join(work, 'repos.d');
  for (const dir of [root, cache, reposDir]) mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(reposDir, `${repo.id}.repo`), repoFile(repo));
  const base = [
    '--installroot', root,
    '--setopt', `cachedir=${cache}`,
    '--setopt', `reposdir=${reposDir}`,
    '--setopt', 'keepcache=0',
    '--setopt', 'install_weak_deps=0',
    '--noplugins',
    '--releasever', repo.releasever,
    '--assumeyes',
  ];
  return {
    root,
    dnf: (args, options = {}) =>
      run('dnf', [...base, ...args], { allowFailure: options.allowFailure, logFile: options.logFile, timeoutMs: 10 * 60_000, env: { LC_ALL: 'C.UTF-8' } }),
  };
}
