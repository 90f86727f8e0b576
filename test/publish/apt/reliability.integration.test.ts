import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../../src/config/load.js';
import { run } from '../../../src/core/exec.js';
import { mainArchive } from '../../../src/publish/api.js';
import { PUBLISH_STEPS } from '../../../src/publish/checkpoint.js';
import { publishApt } from '../../../src/publish/apt/publish.js';
import type { ArchiveLocation } from '../../../src/publish/types.js';
import { gnupgHome, stopAgent } from '../../../src/sign/gpg.js';
import { createKey, KEYRING_GPG } from '../../../src/sign/key.js';
import { verifyArchive } from '../../../src/verify/index.js';
import { buildCli, cli, pausedPublish } from '../cli-publish.js';
import { makeConfig, makeDeb, writeBuildResult } from '../fixtures.js';
import { archiveOnSmallDisk, publishOverStaleLock, withExpiredKey } from '../publish-faults.js';
import { aptUpdateProblems } from './apt-client.js';

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

beforeAll(async () => {
  await buildCli();
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
  it.each(PUBLISH_STEPS)('case 23: SIGKILL at step %s leaves a valid archive and the next publish completes', async (step) => {
    const deb = await newDeb();
    const result = await writeBuildResult(dir, `kill-${step}`, 'debian-12', [deb]);
    const before = liveFile('InRelease');
    const { pid, done } = await pausedPublish(config.file, step, result, path.join(dir, `kill-${step}.log`));
    process.kill(pid, 'SIGKILL');
    await done;
    await expectArchiveValid(archive.root);
    const switched = PUBLISH_STEPS.indexOf(step) >= PUBLISH_STEPS.indexOf('switched');
    if (!switched) expect(liveFile('InRelease')).toBe(before);

    const again = await cli(config.file, ['publish', result]);
    expect(again.exitCode, again.tail).toBe(0);
    expect(again.stderr).toMatch(/stale publish lock/);
    expect(packages()).toContain(path.basename(deb.file));
    await expectArchiveValid(archive.root);
  });

  it('case 26: serialises two publishers and both packages go live', async () => {
    const [first, second] = [await newDeb(), await newDeb()];
    const paused = await pausedPublish(config.file, 'recorded', await writeBuildResult(dir, 'first', 'debian-12', [first]), path.join(dir, 'first.log'));
    const waiting = cli(config.file, ['publish', await writeBuildResult(dir, 'second', 'debian-12', [second])]);
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

  it('case 26: takes over a stale lock left by a dead process, with a warning', async () => {
    const log = await publishOverStaleLock(archive, async () => publishApt({ config, archive, suite: 'bookworm', add: [{ artifacts: [await newDeb()] }] }));
    expect(log).toMatch(/warn: took over a stale publish lock/);
    expect(existsSync(path.join(archive.stateDir, 'publish.lock'))).toBe(false);
  });

  it('case 27: refuses the same pool file name with different bytes and leaves the archive unchanged', async () => {
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

  it('case 25: publishes nothing with a missing or an expired key', async () => {
    const before = liveFile('InRelease');
    const deb = await newDeb();
    const missing = { ...config, signingKey: '0'.repeat(40) };
    await expect(publishApt({ config: missing, archive, suite: 'bookworm', add: [{ artifacts: [deb] }] })).rejects.toThrow(/no secret key .*nothing was published/);

    await withExpiredKey(dir, config, async (expired) => {
      await expect(publishApt({ config: expired, archive, suite: 'bookworm', add: [{ artifacts: [deb] }] })).rejects.toThrow(/expired .*nothing was published/);
    });
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
    let root: string;
    ({ mount, root } = await archiveOnSmallDisk(dir, config));
    full = { ...config, archiveDir: root };
  });
  afterAll(async () => {
    await run('umount', [mount], { allowFailure: true });
  });

  it('case 24: keeps the previous InRelease current and no file truncated when the disk fills mid-publish', async () => {
    const fullArchive = mainArchive(full);
    await publishApt({ config: full, archive: fullArchive, suite: 'bookworm', add: [{ artifacts: [await newDeb()] }] });
    const inRelease = () => readFileSync(path.join(full.archiveDir, 'dists/bookworm/InRelease'), 'utf8');
    const before = inRelease();
    const deb = await newDeb();
    const paused = await pausedPublish(config.file, 'pool', await writeBuildResult(dir, 'disk-full', 'debian-12', [deb]), path.join(dir, 'disk-full.log'));
    const filler = path.join(mount, 'filler');
    await run('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], { allowFailure: true });
    process.kill(paused.pid, 'SIGUSR2');
    const failed = await paused.done;
    expect(failed.exitCode).not.toBe(0);
    expect(failed.tail).toMatch(/ENOSPC|No space left/);
    expect(inRelease()).toBe(before);
    await expectArchiveValid(full.archiveDir);

    rmSync(filler);
    const again = await cli(config.file, ['publish', await writeBuildResult(dir, 'disk-free', 'debian-12', [deb])]);
    expect(again.exitCode, again.tail).toBe(0);
    expect(readFileSync(path.join(full.archiveDir, 'dists/bookworm/main/binary-amd64/Packages'), 'utf8')).toContain(path.basename(deb.file));
    await expectArchiveValid(full.archiveDir);
  });
});
