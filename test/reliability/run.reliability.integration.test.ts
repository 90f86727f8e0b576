import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podman } from '../../src/build/engine/podman/index.js';
import { OWNER_LABEL, RUN_LABEL } from '../../src/build/labels.js';
import type { RunResult } from '../../src/core/exec.js';
import { field } from '../../src/publish/apt/deb822.js';
import { parseRelease, parseReleaseDate } from '../../src/publish/apt/release.js';
import * as tick from './tick-project.js';

/**
 * `freshet run` end to end on a temporary project: one tiny recipe (custom build system) whose
 * upstream is a loopback server, one Debian target. Covers RELIABILITY cases 9 (re-served bytes),
 * 22 (freshet SIGKILLed mid-build), 25 (key near expiry: warnings) and 28 (re-signing keeps
 * Valid-Until ahead), each checked with `freshet verify`.
 */
let project: tick.TickProject;
let dir = '';
const cli = (args: string[], logFile?: string): Promise<RunResult> => tick.cli(project, args, { logFile });
const tarball = (version: string, delaySeconds: number, note = '') => tick.tarball(project, version, delaySeconds, note);
const recipeYaml = (description: string) => tick.recipeYaml(project, description);
const packagesList = () => tick.packagesList(project);
const releaseDates = () => {
  const release = parseRelease(readFileSync(tick.suiteFile(project, 'Release'), 'utf8'));
  return { date: parseReleaseDate(field(release, 'Date'))!, validUntil: parseReleaseDate(field(release, 'Valid-Until'))! };
};
const tickContainers = async () => (await podman.listContainers(RUN_LABEL)).filter((container) => container.name.startsWith('freshet-build-tick_'));
const verified = () => tick.verified(project);

beforeAll(async () => {
  await tick.buildCli();
  project = await tick.tickProject('freshet-run-reliability-');
  dir = project.dir;
  tick.writeRecipe(project, 'A tiny package made by freshet tests.');
  // A key that expires in 10 days: within the 30-day warning window (case 25).
  const key = await cli(['key', 'create', '--expire', '10d']);
  expect(key.exitCode, key.stderr).toBe(0);
  project.served.set('tick-1.0.tar.gz', await tarball('1.0', 0));
});

afterAll(async () => {
  await project?.close();
});

describe('freshet run under faults', () => {
  it('case 25: publishes a release, and warns on every run, verify and key status that the archive key expires soon', async () => {
    const first = await cli(['run']);
    expect(first.exitCode, `${first.stdout}\n${first.stderr}`).toBe(0);
    expect(first.stdout).toMatch(/tick debian-12 1\.0-\S+: published/);
    expect(first.stderr).toMatch(/archive signing key expires soon/);
    expect(packagesList()).toMatch(/^Package: tick\nVersion: 1\.0-/m);

    const verify = await verified();
    expect(verify.stderr).toMatch(/warn: archive key expires soon \(fingerprint=[0-9A-F]{40} .*daysLeft=(9|10)/);
    const status = await cli(['key', 'status']);
    expect(status.exitCode).toBe(0);
    expect(status.stdout).toMatch(/^expiring-soon: key [0-9A-F]{40} expires on .* \((9|10) days left\)/);
  });

  it('case 28: re-signs a suite with nothing new: Date and Valid-Until move forward and the archive verifies', async () => {
    const before = releaseDates();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const again = await cli(['run']);
    expect(again.exitCode, `${again.stdout}\n${again.stderr}`).toBe(0);
    expect(again.stdout).toContain('re-signed bookworm (nothing new)');
    expect(again.stdout).toContain('0 builds, 0 published');
    const after = releaseDates();
    expect(after.date.getTime()).toBeGreaterThan(before.date.getTime());
    expect(after.validUntil.getTime()).toBeGreaterThan(before.validUntil.getTime());
    expect(after.validUntil.getTime() - after.date.getTime()).toBe(7 * 86_400_000);
    await verified();
  });

  it('case 22: SIGKILL mid-build: nothing partial goes live, the container is removed at once and the next run builds the job again', async () => {
    project.served.set('tick-1.1.tar.gz', await tarball('1.1', 20));
    const logFile = path.join(dir, 'killed-run.log');
    writeFileSync(logFile, '');
    const killed = cli(['run'], logFile);
    let container: Awaited<ReturnType<typeof tickContainers>>[number] | undefined;
    for (let waited = 0; waited < 600_000 && !container; waited += 500) {
      container = (await tickContainers()).find((candidate) => candidate.name.includes('_1.1_'));
      if (!container) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(container, readFileSync(logFile, 'utf8')).toBeDefined();
    const pid = Number(container!.labels[OWNER_LABEL]!.split(':')[0]);
    process.kill(pid, 'SIGKILL');
    const outcome = await killed;
    // Killed: no exit code (-1 here), and the log ends without a published line or a summary.
    expect(outcome.exitCode).toBe(-1);
    expect(readFileSync(logFile, 'utf8')).not.toMatch(/: published|\d+ builds, \d+ published/);
    // The killed run's watchdog removes the container; the archive still serves 1.0 only and verifies.
    for (let waited = 0; waited < 30_000 && (await tickContainers()).some((c) => c.name === container!.name); waited += 1_000) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    expect((await podman.listContainers(RUN_LABEL)).map((c) => c.name)).not.toContain(container!.name);
    expect(packagesList()).not.toMatch(/Version: 1\.1-/);
    await verified();

    const next = await cli(['--json', 'run']);
    expect(next.exitCode, `${next.stdout}\n${next.stderr}`).toBe(0);
    const summary = JSON.parse(next.stdout) as { plan: Array<{ kind: string; why?: string; upstreamVersion?: string }>; jobs: Array<{ status: string }> };
    const build = summary.plan.find((entry) => entry.kind === 'build');
    expect(build?.upstreamVersion).toBe('1.1');
    expect(build?.why).toMatch(/interrupted/);
    expect(summary.jobs.map((job) => job.status)).toEqual(['published']);
    expect(packagesList()).toMatch(/^Package: tick\nVersion: 1\.1-/m);
    await verified();
  });

  it('case 9: refuses a release re-served with other bytes before any build, and reports it', async () => {
    const published = packagesList();
    project.served.set('tick-1.1.tar.gz', await tarball('1.1', 0, 'sneaky change'));
    // Force a new fetch: drop the tarball cache and change the recipe, so 1.1 is built again.
    rmSync(path.join(dir, 'state/cache'), { recursive: true, force: true });
    writeFileSync(path.join(dir, 'recipes/tick.yaml'), recipeYaml('A tiny package made by freshet tests, described anew.'));
    const refused = await cli(['run']);
    expect(refused.exitCode).toBe(1);
    // Not the network's fault: it waits for a person (a changed recipe or --retry-failed), not a backoff.
    expect(refused.stdout).toMatch(/tick debian-12 1\.1-\S+: failed \(packaging failure: [^\n]*\): tick: upstream re-served version 1\.1 with different bytes/);
    // No build started: the job folder has no build log from a container.
    const buildsDir = path.join(dir, 'state/builds');
    const rebuilds = readdirSync(buildsDir).filter((name) => name.startsWith('tick_debian-12_1.1_r')).sort((a, b) => Number(a.split('_r')[1]) - Number(b.split('_r')[1]));
    const rebuild = path.join(buildsDir, rebuilds.at(-1)!);
    // The newest job is the refused one: a rebuild above the published one, with no build log.
    expect(rebuilds.length).toBeGreaterThanOrEqual(3);
    expect(existsSync(path.join(rebuild, 'output/build.log'))).toBe(false);
    expect(packagesList()).toBe(published);
    await verified();
    // status.json keeps the refused job beside the still-served 1.1 (the cell stays `newest`).
    const status = await cli(['--json', 'status']);
    const builds = [...status.stdout.matchAll(/"status": "(\w+)",\s*"error": "([^"]*)"/g)].map((match) => [match[1], match[2]]);
    expect(builds).toContainEqual(['failed', expect.stringContaining('upstream re-served version 1.1 with different bytes')]);
  });
});
