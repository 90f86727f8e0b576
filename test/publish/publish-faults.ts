import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ResolvedConfig } from '../../src/config/load.js';
import { run } from '../../src/core/exec.js';
import { setLogSink } from '../../src/core/log.js';
import type { ArchiveLocation } from '../../src/publish/types.js';
import { gnupgHome, stopAgent } from '../../src/sign/gpg.js';
import { createKey } from '../../src/sign/key.js';

/** Faults the APT and YUM reliability tests both stage: a stale publish lock, an expired key, a small disk. */

/** Leaves the lock of a process that has exited, then runs `publish`; resolves with what it logged. */
export async function publishOverStaleLock(archive: ArchiveLocation, publish: () => Promise<unknown>): Promise<string> {
  const dead = await run('sh', ['-c', 'echo $$']);
  const lock = { pid: Number(dead.stdout.trim()), host: os.hostname(), startedAt: '2020-01-01T00:00:00Z' };
  writeFileSync(path.join(archive.stateDir, 'publish.lock'), JSON.stringify(lock));
  const lines: string[] = [];
  const previous = setLogSink((line) => lines.push(line));
  try {
    await publish();
  } finally {
    setLogSink(previous);
  }
  return lines.join('\n');
}

/** Runs `use` with `config` switched to a state folder (under `dir`) whose only key has expired. */
export async function withExpiredKey(dir: string, config: ResolvedConfig, use: (expired: ResolvedConfig) => Promise<void>): Promise<void> {
  const stateDir = path.join(dir, 'expired-state');
  mkdirSync(stateDir, { recursive: true });
  await createKey(stateDir, { name: 'short lived', email: 'short@localhost', algorithm: 'ed25519', expire: 'seconds=1' });
  await new Promise((resolve) => setTimeout(resolve, 2100));
  try {
    await use({ ...config, stateDir, signingKey: undefined });
  } finally {
    await stopAgent(gnupgHome(stateDir));
  }
}

/** Mounts a 4 MiB tmpfs under `dir` and points the config file's archive at it; resolves with both paths. */
export async function archiveOnSmallDisk(dir: string, config: ResolvedConfig): Promise<{ mount: string; root: string }> {
  const mount = path.join(dir, 'small');
  mkdirSync(mount);
  await run('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mount]);
  const root = path.join(mount, 'archive');
  writeFileSync(config.file, readFileSync(config.file, 'utf8').replace('"archive": "archive"', `"archive": ${JSON.stringify(root)}`));
  return { mount, root };
}
