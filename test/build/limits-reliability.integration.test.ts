import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDebBuild } from '../../src/build/debian.js';
import { podman } from '../../src/build/engine/podman/index.js';
import { ensureDepsImage } from '../../src/build/images.js';
import { RUN_LABEL } from '../../src/build/labels.js';
import { findTarget, loadConfig } from '../../src/config/load.js';
import { run } from '../../src/core/exec.js';
import type { BuildJob } from '../../src/types.js';
import { HELLO_BUILD_DEPENDS, helloSourceDir } from './fixtures/hello-source.js';

/**
 * RELIABILITY cases 19 (memory hog, endless loop, disk fill) with the real build function: each
 * hostile build fails on its own with the limit named in its error, its container is removed, and
 * a normal build running beside them still succeeds. Disk fill is tried in the build folder (its
 * file system full, and the disk guard stopping it at the reserve) and in the container's own /tmp,
 * /var/tmp and HOME (size-capped tmpfs over a read-only root).
 */
const config = loadConfig('freshet.config.yaml');
const target = findTarget(config, 'debian-12');
let image = '';
const madeDirs: string[] = [];
let smallDisk = '';
let guardedDisk = '';

async function sourceWith(rulesTail: string): Promise<string> {
  const dir = await helloSourceDir();
  madeDirs.push(dir);
  if (rulesTail) appendFileSync(path.join(dir, 'hello-2.10/debian/rules'), rulesTail);
  return dir;
}

function job(sourceDir: string, id: string, outputRoot = os.tmpdir()): BuildJob {
  const outputDir = mkdtempSync(path.join(outputRoot, `freshet-out-${id}-`));
  madeDirs.push(outputDir);
  return { id, recipe: 'hello', target, upstreamVersion: '2.10', packageVersion: '2.10-3', rebuild: 0, tarballSha256: '0'.repeat(64), sourceDir, outputDir };
}

const containersOf = async (id: string) => (await podman.listContainers(RUN_LABEL)).filter((container) => container.labels[RUN_LABEL] === id);
const override = (lines: string[]) => `\noverride_dh_auto_build:\n${lines.map((line) => `\t${line}\n`).join('')}`;

beforeAll(async () => {
  image = (await ensureDepsImage(target, HELLO_BUILD_DEPENDS, { engine: podman, stateDir: config.stateDir })).ref;
  // Small file systems for the disk-fill builds: the build folder is where a build writes.
  smallDisk = mkdtempSync(path.join(os.tmpdir(), 'freshet-small-disk-'));
  await run('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', smallDisk]);
  guardedDisk = mkdtempSync(path.join(os.tmpdir(), 'freshet-guarded-disk-'));
  await run('mount', ['-t', 'tmpfs', '-o', 'size=256m', 'tmpfs', guardedDisk]);
});

afterAll(async () => {
  for (const dir of madeDirs) rmSync(dir, { recursive: true, force: true });
  for (const disk of [smallDisk, guardedDisk].filter(Boolean)) {
    await run('umount', [disk], { allowFailure: true });
    rmSync(disk, { recursive: true, force: true });
  }
});

describe('hostile builds under limits', () => {
  it('case 19: kills a memory hog, stops an endless loop, fails a disk fill; removes their containers; a normal build beside them succeeds', async () => {
    // A 2 GiB string against a 256 MiB limit.
    const hog = job(await sourceWith(override(['perl -e \'$$x = "a" x (2 * 1024 ** 3); print length $$x\'', 'echo "hog survived"'])), 'rel-hog');
    const loop = job(await sourceWith(override(['while :; do :; done'])), 'rel-loop');
    const fill = job(await sourceWith(override(['dd if=/dev/zero of=../fill bs=1M count=4096', 'echo "fill survived"'])), 'rel-fill', smallDisk);
    const normal = job(await sourceWith(''), 'rel-normal');

    const limits = { memory: '4g', pids: 4096, timeoutMs: 20 * 60_000 };
    const [hogResult, loopResult, fillResult, normalResult] = await Promise.all([
      runDebBuild(hog, { engine: podman, image, limits: { ...limits, memory: '256m' } }),
      runDebBuild(loop, { engine: podman, image, limits: { ...limits, timeoutMs: 90_000 } }),
      // No reserve: the build folder's own file system fills up (the guard is the next test's).
      runDebBuild(fill, { engine: podman, image, limits: { ...limits, diskReserveMegabytes: 0 } }),
      runDebBuild(normal, { engine: podman, image, limits }),
    ]);

    expect(hogResult.status).toBe('failed');
    expect(readFileSync(hogResult.logFile, 'utf8')).not.toContain('hog survived');
    // The OOM killer ends `tail`: make reports the killed recipe line and the build exits non-zero.
    expect(hogResult.error).toMatch(/build of hello 2\.10-3 for debian-12 exited with/);
    expect(readFileSync(hogResult.logFile, 'utf8')).toMatch(/Killed|Error 137|killed/i);

    expect(loopResult.status).toBe('failed');
    expect(loopResult.error).toMatch(/timed out|no result within|after \d+/i);

    expect(fillResult.status).toBe('failed');
    expect(readFileSync(fillResult.logFile, 'utf8')).toContain('No space left on device');
    expect(readFileSync(fillResult.logFile, 'utf8')).not.toContain('fill survived');
    expect(existsSync(path.join(fill.outputDir, 'hello_2.10-3_amd64.deb'))).toBe(false);

    expect(normalResult.error).toBeUndefined();
    expect(normalResult.status).toBe('ok');
    expect(normalResult.artifacts.some((artifact) => artifact.kind === 'deb')).toBe(true);

    for (const id of ['rel-hog', 'rel-loop', 'rel-fill', 'rel-normal']) expect(await containersOf(id), id).toEqual([]);
    mkdirSync(smallDisk, { recursive: true });
  });

  it('case 19: fails builds that fill /tmp, /var/tmp or HOME with "No space left on device" at the tmpfs size, removes their containers; a normal build beside them succeeds', async () => {
    const places = { tmp: '/tmp', vartmp: '/var/tmp', home: '$$HOME' };
    const fills = await Promise.all(
      Object.entries(places).map(async ([name, dir]) => {
        // `-` lets make go on: the root file system refuses writes whatever the user may do.
        // Before the fill: the root is read-only, the scratch space runs programs, /dev/shm takes semaphores' files.
        const probes = ['-touch /usr/freshet-probe', `cp /bin/true ${dir}/probe && ${dir}/probe && echo "scratch runs programs"`, 'touch /dev/shm/freshet-probe && echo "shm writable"'];
        const steps = [...probes, `dd if=/dev/zero of=${dir}/fill bs=1M count=4096`, 'echo "fill survived"'];
        return job(await sourceWith(override(steps)), `rel-fill-${name}`);
      }),
    );
    const normal = job(await sourceWith(''), 'rel-normal-scratch');

    // A 64 MiB scratch size against 4 GiB written; the timeout is far beyond what a full tmpfs needs.
    const limits = { memory: '1g', pids: 4096, timeoutMs: 20 * 60_000, scratchMegabytes: 64 };
    const results = await Promise.all([...fills, normal].map((item) => runDebBuild(item, { engine: podman, image, limits })));
    const normalResult = results.pop()!;

    for (const [index, result] of results.entries()) {
      const what = fills[index]!.id;
      console.log(`${what}: failed after ${Date.parse(result.finishedAt) - Date.parse(result.startedAt)} ms`);
      const logText = readFileSync(result.logFile, 'utf8');
      expect(result.status, what).toBe('failed');
      expect(result.error, what).toMatch(/build of hello 2\.10-3 for debian-12 exited with/);
      expect(result.error, what).not.toMatch(/timed out/i);
      expect(logText, what).toContain('No space left on device');
      // dd stops at the tmpfs size (less what HOME already holds), far short of the 4 GiB asked for.
      const written = Number(/^(\d+) bytes .* copied/m.exec(logText)?.[1]);
      expect(written, what).toBeGreaterThan(32 * 1024 ** 2);
      expect(written, what).toBeLessThanOrEqual(64 * 1024 ** 2);
      expect(logText, what).not.toContain('fill survived');
      expect(logText, what).toMatch(/cannot touch '\/usr\/freshet-probe': Read-only file system/);
      expect(logText, what).toContain('scratch runs programs');
      expect(logText, what).toContain('shm writable');
    }

    expect(normalResult.error).toBeUndefined();
    expect(normalResult.status).toBe('ok');
    expect(normalResult.artifacts.some((artifact) => artifact.kind === 'deb')).toBe(true);

    for (const id of [...fills.map((item) => item.id), 'rel-normal-scratch']) expect(await containersOf(id), id).toEqual([]);
  });

  it('case 19: stops a build whose build folder disk runs below the reserve before it is full, and removes its container; a normal build beside it succeeds', async () => {
    // About 50 MiB/s into the build folder, on a 256 MiB file system with a 160 MiB reserve.
    const writer = 'for i in $$(seq 1 400); do dd if=/dev/zero of=../fill-$$i bs=1M count=1 status=none; sleep 0.02; done';
    const fill = job(await sourceWith(override([writer, 'echo "fill survived"'])), 'rel-guard', guardedDisk);
    const normal = job(await sourceWith(''), 'rel-normal-guard');
    const limits = { memory: '1g', pids: 4096, timeoutMs: 20 * 60_000 };
    const [fillResult, normalResult] = await Promise.all([
      runDebBuild(fill, { engine: podman, image, limits: { ...limits, diskReserveMegabytes: 160 } }),
      runDebBuild(normal, { engine: podman, image, limits }),
    ]);

    const logText = readFileSync(fillResult.logFile, 'utf8');
    expect(fillResult.status).toBe('failed');
    expect(fillResult.error).toMatch(/stopped: the file system holding \S+ has \d+ MiB free, below the 160 MiB freshet keeps free \(limits\.diskReserveMegabytes\)/);
    expect(logText).toMatch(/^freshet: stopped: the file system holding/m);
    expect(logText).not.toContain('No space left on device');
    expect(logText).not.toContain('fill survived');
    const { bavail, bsize } = statfsSync(guardedDisk);
    expect(bavail * bsize).toBeGreaterThan(32 * 1024 ** 2);

    expect(normalResult.error).toBeUndefined();
    expect(normalResult.status).toBe('ok');
    for (const id of ['rel-guard', 'rel-normal-guard']) expect(await containersOf(id), id).toEqual([]);
  });
});
