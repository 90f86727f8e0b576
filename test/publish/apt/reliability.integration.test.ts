import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../../src/config/load.js';
import { run, type RunResult } from '../../../src/core/exec.js';
import { setLogSink } from '../../../src/core/log.js';
import { mainArchive } from '../../../src/publish/api.js';
import { PUBLISH_STEPS } from '../../../src/publish/checkpoint.js';
import { publishApt } from '../../../src/publish/apt/publish.js';
import type { ArchiveLocation } from '../../../src/publish/types.js';
import { gnupgHome, stopAgent } from '../../../src/sign/gpg.js';
import { createKey, KEYRING_GPG } from '../../../src/sign/key.js';
import { verifyArchive } from '../../../src/verify/index.js';
import { makeConfig, makeDeb, writeBuildResult } from '../fixtures.js';
import { aptUpdateProblems } from './apt-client.js';

const repo = path.resolve(import.meta.dirname, '../../..');
const packageJson = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { bin: { freshet: string } };
const freshet = path.join(repo, packageJson.bin.freshet);

let dir: string;
let config: ResolvedConfig;
let archive: ArchiveLocation;
let counter = 0;

/** The archive check: the verifier, and a real `apt-get update` from a fresh client. */
async function expectArchiveValid(root: string): Promise<void> {
  expect(await verifyArchive(root)).toEqual([]);
  counter += 1;
  expect(await aptUpdateProblems(path.join(dir, `apt-${counter}`), root, 'bookworm', path.join(root, KEYRING_GPG))).toEqual([]);
}

const liveFile = (name: string) => readFileSync(path.join(archive.root, 'dists/bookworm', name), 'utf8');
const packages = () => liveFile('main/binary-amd64/Packages');

async function newDeb(extra: { name?: string; payload?: string } = {}) {
  counter += 1;
  return makeDeb(path.join(dir, 'debs'), { name: extra.name ?? `pkg${counter}`, version: `1.0-${counter}`, payload: extra.payload });
}

/** Run the built CLI; `pauseAt` makes it stop at a publish step and report its pid. */
function cli(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return run('node', [freshet, '--config', config.file, ...args], { env, allowFailure: true, timeoutMs: 120_000 });
}

async function pausedPublish(step: string, resultFile: string, logFile: string): Promise<{ pid: number; done: Promise<RunResult> }> {
  writeFileSync(logFile, '');
  const done = run('node', [freshet, '--config', config.file, 'publish', resultFile], {
    env: { FRESHET_PUBLISH_PAUSE_AT: step },
    allowFailure: true,
    logFile,
    timeoutMs: 120_000,
  });
  let exited = false;
  void done.then(() => (exited = true));
  for (let waited = 0; waited < 60_000 && !exited; waited += 50) {
    const match = readFileSync(logFile, 'utf8').match(/paused at publish step \S+ \(pid (\d+)\)/);
    if (match) return { pid: Number(match[1]), done };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`publish never reached step ${step}: ${readFileSync(logFile, 'utf8')}`);
}

beforeAll(async () => {
  const build = await run('npm', ['run', 'build'], { cwd: repo, allowFailure: true, timeoutMs: 300_000 });
  // tsc still emits when another area has a type error; what matters here is the compiled CLI.
  expect(existsSync(path.join(repo, 'dist/cli/main.js')), build.tail).toBe(true);
  dir = mkdtempSync(path.join(os.tmpdir(), 'freshet-reliability-'));
  config = makeConfig(dir);
  archive = mainArchive(config);
  await createKey(config.stateDir, { name: 'freshet test', email: 'test@localhost', algorithm: 'ed25519', expire: '2y' });
  await publishApt({ config, archive, suite: 'bookworm', add: [{ artifacts: [await newDeb()] }] });
});

afterAll(async () => {
  await stopAgent(gnupgHome(config.stateDir));
  rmSync(dir, { recursive: true, force: true });
});

describe('publish reliability', () => {
  it.each(PUBLISH_STEPS)('SIGKILL at step %s leaves a valid archive and the next publish completes', async (step) => {
    const deb = await newDeb();
    const result = writeBuildResult(dir, `kill-${step}`, 'debian-12', [deb]);
    const before = liveFile('InRelease');
    const { pid, done } = await pausedPublish(step, result, path.join(dir, `kill-${step}.log`));
    process.kill(pid, 'SIGKILL');
    await done;
    await expectArchiveValid(archive.root);
    const switched = PUBLISH_STEPS.indexOf(step) >= PUBLISH_STEPS.indexOf('switched');
    if (!switched) expect(liveFile('InRelease')).toBe(before);

    const again = await cli(['publish', result]);
    expect(again.exitCode, again.tail).toBe(0);
    expect(again.stderr).toMatch(/stale publish lock/);
    expect(packages()).toContain(path.basename(deb.file));
    await expectArchiveValid(archive.root);
  });

  it('serialises two publishers and both packages go live', async () => {
    const [first, second] = [await newDeb(), await newDeb()];
    const paused = await pausedPublish('recorded', writeBuildResult(dir, 'first', 'debian-12', [first]), path.join(dir, 'first.log'));
    const waiting = cli(['publish', writeBuildResult(dir, 'second', 'debian-12', [second])]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // The second publisher waits for the lock while the first one holds it.
    expect(packages()).not.toContain(path.basename(second.file));
    process.kill(paused.pid, 'SIGUSR2');
    expect((await paused.done).exitCode).toBe(0);
    const later = await waiting;
    expect(later.exitCode, later.tail).toBe(0);
    expect(later.stderr).toMatch(/waiting for another publisher/);
    expect(packages()).toContain(path.basename(first.file));
    expect(packages()).toContain(path.basename(second.file));
    await expectArchiveValid(archive.root);
  });

  it('takes over a stale lock left by a dead process, with a warning', async () => {
    const lockFile = path.join(archive.stateDir, 'publish.lock');
    const dead = await run('sh', ['-c', 'echo $$']);
    writeFileSync(lockFile, JSON.stringify({ pid: Number(dead.stdout.trim()), host: os.hostname(), startedAt: '2020-01-01T00:00:00Z' }));
    const lines: string[] = [];
    const previous = setLogSink((line) => lines.push(line));
    try {
      await publishApt({ config, archive, suite: 'bookworm', add: [{ artifacts: [await newDeb()] }] });
    } finally {
      setLogSink(previous);
    }
    expect(lines.join('\n')).toMatch(/warn: took over a stale publish lock/);
    expect(existsSync(lockFile)).toBe(false);
  });

  it('refuses the same pool file name with different bytes and leaves the archive unchanged', async () => {
    const original = await newDeb({ name: 'immutable' });
    await publishApt({ config, archive, suite: 'bookworm', add: [{ artifacts: [original] }] });
    const before = liveFile('InRelease');
    const other = await makeDeb(path.join(dir, 'other'), { name: 'immutable', version: `1.0-${counter}`, payload: 'different bytes' });
    expect(path.basename(other.file)).toBe(path.basename(original.file));
    await expect(publishApt({ config, archive, suite: 'bookworm', add: [{ artifacts: [other] }] })).rejects.toThrow(/already published with different content/);
    expect(liveFile('InRelease')).toBe(before);
    await expectArchiveValid(archive.root);
  });

  it('refuses a change of Origin with a clear error', async () => {
    const changed = { ...config, archive: { ...config.archive, origin: 'someone-else' } };
    await expect(publishApt({ config: changed, archive, suite: 'bookworm', add: [] })).rejects.toThrow(/would change Origin .* from "freshet-test" to "someone-else"/);
  });

  it('publishes nothing with a missing or an expired key', async () => {
    const before = liveFile('InRelease');
    const deb = await newDeb();
    const missing = { ...config, signingKey: '0'.repeat(40) };
    await expect(publishApt({ config: missing, archive, suite: 'bookworm', add: [{ artifacts: [deb] }] })).rejects.toThrow(/no secret key .*nothing was published/);

    const expiredState = path.join(dir, 'expired-state');
    mkdirSync(expiredState, { recursive: true });
    await createKey(expiredState, { name: 'short lived', email: 'short@localhost', algorithm: 'ed25519', expire: 'seconds=1' });
    await new Promise((resolve) => setTimeout(resolve, 2100));
    try {
      const expired = { ...config, stateDir: expiredState, signingKey: undefined };
      await expect(publishApt({ config: expired, archive, suite: 'bookworm', add: [{ artifacts: [deb] }] })).rejects.toThrow(/expired .*nothing was published/);
    } finally {
      await stopAgent(gnupgHome(expiredState));
    }
    expect(liveFile('InRelease')).toBe(before);
    expect(packages()).not.toContain(path.basename(deb.file));
    expect(existsSync(path.join(archive.root, 'pool/main', deb.file))).toBe(false);
    await expectArchiveValid(archive.root);
  });
});

describe('disk full', () => {
  let mount: string;
  let full: ResolvedConfig;
  beforeAll(async () => {
    mount = path.join(dir, 'small');
    mkdirSync(mount);
    await run('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mount]);
    full = { ...config, archiveDir: path.join(mount, 'archive') };
    writeFileSync(config.file, readFileSync(config.file, 'utf8').replace('"archive": "archive"', `"archive": "${full.archiveDir}"`));
  });
  afterAll(async () => {
    await run('umount', [mount], { allowFailure: true });
  });

  it('keeps the previous InRelease current and no file truncated when the disk fills mid-publish', async () => {
    const fullArchive = mainArchive(full);
    await publishApt({ config: full, archive: fullArchive, suite: 'bookworm', add: [{ artifacts: [await newDeb()] }] });
    const inRelease = () => readFileSync(path.join(full.archiveDir, 'dists/bookworm/InRelease'), 'utf8');
    const before = inRelease();
    const deb = await newDeb();
    const paused = await pausedPublish('pool', writeBuildResult(dir, 'disk-full', 'debian-12', [deb]), path.join(dir, 'disk-full.log'));
    const filler = path.join(mount, 'filler');
    await run('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], { allowFailure: true });
    process.kill(paused.pid, 'SIGUSR2');
    const failed = await paused.done;
    expect(failed.exitCode).not.toBe(0);
    expect(failed.tail).toMatch(/ENOSPC|No space left/);
    expect(inRelease()).toBe(before);
    await expectArchiveValid(full.archiveDir);

    rmSync(filler);
    const again = await cli(['publish', writeBuildResult(dir, 'disk-free', 'debian-12', [deb])]);
    expect(again.exitCode, again.tail).toBe(0);
    expect(readFileSync(path.join(full.archiveDir, 'dists/bookworm/main/binary-amd64/Packages'), 'utf8')).toContain(path.basename(deb.file));
    await expectArchiveValid(full.archiveDir);
  });
});
