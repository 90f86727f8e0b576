import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../fs-atomic.js';

/**
 * What a YUM repository holds, kept in the archive's private state (never served): every package
 * file with the unsigned build artifact it came from (a signed file differs from the artifact, so
 * immutability is checked against the artifact), the sha256 and size of the signed file as
 * published (the self-check compares primary.xml with these instead of reading every package
 * again), when it left the index, and superseded metadata files still carried for the grace period.
 */
const PackageRow = z.object({
  file: z.string(),
  name: z.string(),
  epoch: z.string(),
  version: z.string(),
  release: z.string(),
  arch: z.string(),
  artifactSha256: z.string(),
  /** Absent in states written before they were recorded; the next publish hashes those files once. */
  sha256: z.string().optional(),
  size: z.number().int().min(0).optional(),
  recipe: z.string().nullable(),
  targetId: z.string().nullable(),
  addedAt: z.string(),
  removedAt: z.string().nullable(),
});
export type PackageRow = z.infer<typeof PackageRow>;

const RepoState = z.object({
  generation: z.number().int().min(0),
  packages: z.array(PackageRow),
  /** Metadata file names (repodata/<hash>-primary.xml.gz…) superseded at a time, carried until the grace ends. */
  superseded: z.record(z.string(), z.string()),
});
export type RepoState = z.infer<typeof RepoState>;

export function stateFile(stateDir: string, repo: string): string {
  return path.join(stateDir, 'yum', `${repo}.json`);
}

export function loadRepoState(stateDir: string, repo: string): RepoState {
  const file = stateFile(stateDir, repo);
  if (!existsSync(file)) return { generation: 0, packages: [], superseded: {} };
  return RepoState.parse(JSON.parse(readFileSync(file, 'utf8')));
}

export async function saveRepoState(stateDir: string, repo: string, state: RepoState): Promise<void> {
  await writeFileAtomic(stateFile(stateDir, repo), `${JSON.stringify(state, null, 1)}\n`);
}
