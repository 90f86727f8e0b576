import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../../src/config/load.js';
import { run } from '../../../src/core/exec.js';
import { archiveAt, publisherFor } from '../../../src/publish/api.js';
import { PUBLISH_STEPS } from '../../../src/publish/checkpoint.js';
import type { ArchiveLocation } from '../../../src/publish/types.js';
import { packagesDir } from '../../../src/publish/yum/layout.js';
import { publishYum } from '../../../src/publish/yum/publish.js';
import { createStaticHandler, listen, type RunningServer } from '../../../src/serve/static.js';
import { verifyArchive } from '../../../src/verify/index.js';
import { buildCli, cli, logged, logPublish, pausedPublish } from '../cli-publish.js';
import { writeBuildResult } from '../fixtures.js';
import { archiveOnSmallDisk, publishOverStaleLock, withExpiredKey } from '../publish-faults.js';
import { makeRpms } from './rpms.js';
import { archiveDnf, RPM_TARGET, servedArchive, type ServedArchive } from './served-archive.js';

/**
 * RELIABILITY cases 23 to 26 for YUM: a real `freshet publish <result.json>` SIGKILLed at every
 * publish step, a disk that fills mid-publish, a missing or expired key, and two publishers at once.
 * After each: the archive check passes, the live repomd.xml is the previous one until the switch, a
 * real dnf (gpgcheck and repo_gpgcheck on) refreshes, and the next publish completes.
 */
const REPO = RPM_TARGET.id;

let served: ServedArchive;
let dir: string;
let config: ResolvedConfig;
let archive: ArchiveLocation;

const liveRepomd = (root: string) => readFileSync(path.join(root, 'rpm', REPO, 'repodata', 'repomd.xml'), 'utf8');

const dnfFor = (name: string, server: RunningServer) => archiveDnf(path.join(dir, 'dnf', name), server);

async function listed(dnfName: string, server: RunningServer): Promise<string[]> {
  const query = await dnfFor(dnfName, server).dnf(['repoquery', '--repo', 'freshet', '--refresh', '--qf', '%{name} %{version}']);
  return query.stdout.trim().split('\n');
}

beforeAll(async () => {
  await buildCli();
  served = await servedArchive('freshet-yum-reliability-');
  ({ dir, config, archive } = served);
  const first = await makeRpms(path.join(dir, 'rpms'), { prefix: 'base', count: 1, version: '1.0' });
  await publisherFor('rpm').publish({ config, archive, suite: REPO, add: [{ artifacts: first, recipe: 'base', targetId: REPO }] });
});

afterAll(() => served?.close());

describe('YUM publish killed at every step', () => {
  it.each(PUBLISH_STEPS)('case 23: SIGKILL at step %s leaves a repository dnf accepts, and the next publish completes', async (step) => {
    const name = `kill${step}`;
    const rpms = await makeRpms(path.join(dir, 'rpms'), { prefix: name, count: 1, version: '1.0' });
    const result = await writeBuildResult(dir, name, REPO, rpms);
    const before = liveRepomd(archive.root);
    const { pid, done } = await pausedPublish(config.file, step, result, path.join(dir, `${name}.log`));
    process.kill(pid, 'SIGKILL');
    await done;

    expect(await verifyArchive(archive.root)).toEqual([]);
    const switched = PUBLISH_STEPS.indexOf(step) >= PUBLISH_STEPS.indexOf('switched');
    if (switched) expect(liveRepomd(archive.root)).not.toBe(before);
    else expect(liveRepomd(archive.root)).toBe(before);
    const refresh = await dnfFor(`after-kill-${step}`, served.server).dnf(['makecache', '--repo', 'freshet', '--refresh'], { allowFailure: true });
    expect(refresh.exitCode, refresh.tail).toBe(0);

    const again = await cli(config.file, ['publish', result]);
    expect(again.exitCode, again.tail).toBe(0);
    expect(again.stderr).toMatch(/stale publish lock/);
    expect(await listed(`after-next-${step}`, served.server)).toContain(`${name}0 1.0`);
    expect(await verifyArchive(archive.root)).toEqual([]);
  });
});

describe('YUM publishers at once, and the signing key', () => {
  it('case 26: serialises two publishers and both packages go live', async () => {
    const first = await makeRpms(path.join(dir, 'rpms'), { prefix: 'first', count: 1, version: '1.0' });
    const second = await makeRpms(path.join(dir, 'rpms'), { prefix: 'second', count: 1, version: '1.0' });
    const paused = await pausedPublish(config.file, 'recorded', await writeBuildResult(dir, 'first', REPO, first), path.join(dir, 'first.log'));
    const secondLog = path.join(dir, 'second.log');
    const waiting = logPublish(config.file, await writeBuildResult(dir, 'second', REPO, second), secondLog);
    await logged(secondLog, /waiting for another publisher/, waiting);
    // The second publisher waits for the lock while the first one holds it.
    expect(await listed('while-locked', served.server)).not.toContain('second0 1.0');
    process.kill(paused.pid, 'SIGUSR2');
    const done = await paused.done;
    expect(done.exitCode, done.tail).toBe(0);
    const later = await waiting;
    expect(later.exitCode, later.tail).toBe(0);
    expect(await listed('both-live', served.server)).toEqual(expect.arrayContaining(['first0 1.0', 'second0 1.0']));
    expect(await verifyArchive(archive.root)).toEqual([]);
  });

  it('case 26: takes over a stale lock left by a dead process, with a warning', async () => {
    const rpms = await makeRpms(path.join(dir, 'rpms'), { prefix: 'stale', count: 1, version: '1.0' });
    const log = await publishOverStaleLock(archive, () => publishYum({ config, archive, suite: REPO, add: [{ artifacts: rpms, recipe: 'stale', targetId: REPO }] }));
    expect(log).toMatch(/warn: took over a stale publish lock/);
    expect(existsSync(path.join(archive.stateDir, 'publish.lock'))).toBe(false);
    expect(await listed('after-stale', served.server)).toContain('stale0 1.0');
    expect(await verifyArchive(archive.root)).toEqual([]);
  });

  it('case 25: publishes nothing with a missing or an expired key', async () => {
    const before = liveRepomd(archive.root);
    const rpms = await makeRpms(path.join(dir, 'rpms'), { prefix: 'unsigned', count: 1, version: '1.0' });
    const add = [{ artifacts: rpms, recipe: 'unsigned', targetId: REPO }];
    const missing = { ...config, signingKey: '0'.repeat(40) };
    await expect(publishYum({ config: missing, archive, suite: REPO, add })).rejects.toThrow(/no secret key .*nothing was published/);

    await withExpiredKey(dir, config, async (expired) => {
      await expect(publishYum({ config: expired, archive, suite: REPO, add })).rejects.toThrow(/expired .*nothing was published/);
    });
    expect(liveRepomd(archive.root)).toBe(before);
    expect(existsSync(path.join(packagesDir(archive.root, REPO), path.basename(rpms[0]!.file)))).toBe(false);
    expect(await verifyArchive(archive.root)).toEqual([]);
    const refresh = await dnfFor('after-key', served.server).dnf(['makecache', '--repo', 'freshet', '--refresh'], { allowFailure: true });
    expect(refresh.exitCode, refresh.tail).toBe(0);
    expect(await listed('after-key-list', served.server)).not.toContain('unsigned0 1.0');
  });
});

describe('YUM publish on a full disk', () => {
  let mount: string;
  let small: ArchiveLocation;
  let server: RunningServer;
  beforeAll(async () => {
    let root: string;
    ({ mount, root } = await archiveOnSmallDisk(dir, config));
    small = archiveAt(config, root);
    const first = await makeRpms(path.join(dir, 'rpms'), { prefix: 'small', count: 1, version: '1.0' });
    await publisherFor('rpm').publish({ config, archive: small, suite: REPO, add: [{ artifacts: first, recipe: 'small', targetId: REPO }] });
    server = await listen(createStaticHandler({ root }), '127.0.0.1', 0);
  });
  afterAll(async () => {
    await server?.close();
    // Only when a test failed before the last one unmounted it.
    await run('umount', ['--lazy', mount], { allowFailure: true });
  });

  // pool: createrepo_c then finds no room for the metadata; indices: gpg finds none for repomd.xml.asc.
  it.each(['pool', 'indices'])('case 24: filled at step %s: fails with ENOSPC, the live repomd.xml stays, and the publish completes once there is room', async (step) => {
    const name = `full${step}`;
    const rpms = await makeRpms(path.join(dir, 'rpms'), { prefix: name, count: 1, version: '1.0' });
    const result = await writeBuildResult(dir, name, REPO, rpms);
    const before = liveRepomd(small.root);
    const paused = await pausedPublish(config.file, step, result, path.join(dir, `${name}.log`));
    const filler = path.join(mount, 'filler');
    try {
      await run('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k'], { allowFailure: true });
      process.kill(paused.pid, 'SIGUSR2');
      const failed = await paused.done;
      expect(failed.exitCode).not.toBe(0);
      expect(failed.tail).toMatch(/ENOSPC|No space left/);
      expect(liveRepomd(small.root)).toBe(before);
      expect(await verifyArchive(small.root)).toEqual([]);
      const refresh = await dnfFor(`full-${step}`, server).dnf(['makecache', '--repo', 'freshet', '--refresh'], { allowFailure: true });
      expect(refresh.exitCode, refresh.tail).toBe(0);
    } finally {
      rmSync(filler, { force: true });
    }
    const again = await cli(config.file, ['publish', result]);
    expect(again.exitCode, again.tail).toBe(0);
    expect(await listed(`freed-${step}`, server)).toContain(`${name}0 1.0`);
    expect(await verifyArchive(small.root)).toEqual([]);
  });

  it('leaves no file open on the full disk: the server closed what dnf fetched, and it unmounts', async () => {
    await server.close();
    const unmounted = await run('umount', [mount], { allowFailure: true });
    expect(unmounted.exitCode, unmounted.tail).toBe(0);
  });
});
