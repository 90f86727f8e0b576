import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podman } from '../../src/build/engine/podman/index.js';
import { imageRef } from '../../src/build/images.js';
import { OWNER_LABEL, RUN_LABEL } from '../../src/build/labels.js';
import type { BuildSpec } from '../../src/build/engine/types.js';
import { run } from '../../src/core/exec.js';
import type { RunResult } from '../../src/core/exec.js';
import * as tick from './tick-project.js';

/**
 * `freshet run` stopped (SIGINT) or killed (SIGKILL) at each step of a job after a recipe change,
 * and two runs at once, on a temporary project with the built CLI and real podman. Covers
 * RELIABILITY cases 42 (the next run builds and publishes the change), 43 (a killed run's
 * containers are stopped at once; any command marks its builds interrupted) and 44 (runs are
 * serialised per state folder). The archive verifies after every fault.
 */
let project: tick.TickProject;
let changes = 0;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const cli = (args: string[], options?: { logFile?: string; env?: Record<string, string> }) => tick.cli(project, args, options);
/** The summary of the newest tick in the archive (older rebuilds stay listed beside it). */
const summaryLine = () => {
  const stanzas = tick.packagesList(project).split('\n\n').filter((stanza) => stanza.includes('Package: tick'));
  const version = (stanza: string) => stanza.match(/^Version: (\S+)$/m)?.[1] ?? '';
  // Versions differ only in numbers here (1.0-0~deb12+freshet9, …freshet10, 2.1-…): a numeric compare orders them.
  const newest = stanzas.sort((a, b) => version(a).localeCompare(version(b), undefined, { numeric: true })).at(-1);
  return newest?.match(/^Description: (.*)$/m)?.[1];
};
const buildFolders = () => readdirSync(path.join(project.dir, 'state/builds')).length;
/** The containers, running or not, started by the freshet process with this pid. */
const containersOf = async (pid: number) =>
  (await podman.listContainers(RUN_LABEL)).filter((container) => container.labels[OWNER_LABEL]?.startsWith(`${pid}:`));

/** Change the recipe's summary (an input of the package): the plan must build it. */
function changeRecipe(): string {
  changes += 1;
  const summary = `tiny package for the reliability tests, change ${changes}`;
  tick.writeRecipe(project, 'A tiny package made by freshet tests.', summary);
  return summary;
}

/** Resolves with the first match of pattern in a log; throws if the process exits first or nothing comes. */
async function logged(logFile: string, pattern: RegExp, done: Promise<RunResult>): Promise<RegExpMatchArray> {
  let exited = false;
  void done.then(() => (exited = true));
  for (let waited = 0; waited < 300_000; waited += 100) {
    const match = readFileSync(logFile, 'utf8').match(pattern);
    if (match) return match;
    if (exited) break;
    await sleep(100);
  }
  throw new Error(`never logged ${pattern}:\n${readFileSync(logFile, 'utf8')}`);
}

function startRun(name: string, env: Record<string, string> = {}): { logFile: string; done: Promise<RunResult> } {
  const logFile = path.join(project.dir, `${name}.log`);
  writeFileSync(logFile, '');
  return { logFile, done: cli(['run'], { logFile, env }) };
}

/** `freshet run` paused at a job step; resolves once it has said so, with its pid. */
async function pausedRun(step: string, name: string): Promise<{ pid: number; logFile: string; done: Promise<RunResult> }> {
  const started = startRun(name, { FRESHET_PUBLISH_PAUSE_AT: step });
  const match = await logged(started.logFile, new RegExp(`paused at job step ${step} \\(pid (\\d+)\\)`), started.done);
  return { pid: Number(match[1]), ...started };
}

/** Processes whose command line holds `marker`. */
function processesWith(marker: string): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      } catch {
        return ''; // gone meanwhile
      }
    })
    .filter((command) => command.includes(marker));
}

/** No container of the killed process is left; polled for at most 30 s after the kill. */
async function expectNoContainersOf(pid: number): Promise<void> {
  for (let waited = 0; waited < 30_000 && (await containersOf(pid)).length > 0; waited += 1_000) await sleep(1_000);
  expect((await containersOf(pid)).map((container) => container.name)).toEqual([]);
}

interface Plan {
  plan: Array<{ kind: string; recipe: string; rebuild?: number; why?: string }>;
}
interface Summary extends Plan {
  jobs: Array<{ status: string }>;
}

beforeAll(async () => {
  await tick.buildCli();
  project = await tick.tickProject('freshet-interrupted-runs-');
  tick.writeRecipe(project, 'A tiny package made by freshet tests.');
  const key = await cli(['key', 'create']);
  expect(key.exitCode, key.stderr).toBe(0);
  project.served.set('tick-1.0.tar.gz', await tick.tarball(project, '1.0', 0));
  const first = await cli(['run']);
  expect(first.exitCode, `${first.stdout}\n${first.stderr}`).toBe(0);
  expect(first.stdout).toMatch(/tick debian-12 1\.0-\S+: published/);
});

afterAll(async () => {
  await project?.close();
});

describe('interrupted and concurrent freshet runs', () => {
  const steps = ['fetch', 'generate', 'images', 'build', 'gate', 'publish'];
  const faults = steps.flatMap((step) => (['SIGINT', 'SIGKILL'] as const).map((signal) => ({ step, signal })));

  it.each(faults)('case 42: $signal at job step $step after a recipe change: the next run builds and publishes the change', async ({ step, signal }) => {
    const before = summaryLine();
    const summary = changeRecipe();
    const paused = await pausedRun(step, `${signal}-${step}`);
    process.kill(paused.pid, signal);
    // A stopped run goes on from the pause to its next step and ends there; a killed one is gone.
    // Resume only once it has taken the stop: both signals at once may reach it in either order.
    if (signal === 'SIGINT') {
      await logged(paused.logFile, /warn: stopping: /, paused.done);
      process.kill(paused.pid, 'SIGUSR2');
    }
    const stopped = await paused.done;
    const log = readFileSync(paused.logFile, 'utf8');
    // A stopped run exits 1 and says so; a killed one has no exit code (-1 here) and no last word.
    expect(stopped.exitCode, log).toBe(signal === 'SIGINT' ? 1 : -1);
    if (signal === 'SIGINT') expect(log).toContain('warn: stopping: removing running containers, nothing half-published; the next run builds the stopped jobs again');
    expect(log).not.toMatch(/: published/);
    await expectNoContainersOf(paused.pid);
    expect(summaryLine()).toBe(before);
    await tick.verified(project);

    const dryRun = await cli(['--json', 'run', '--dry-run']);
    expect(dryRun.exitCode, dryRun.stderr).toBe(0);
    const planned = (JSON.parse(dryRun.stdout) as Plan).plan.find((entry) => entry.recipe === 'tick');
    expect(planned?.kind).toBe('build');
    expect(planned?.why).toMatch(/interrupted|not published/);

    const next = await cli(['--json', 'run']);
    expect(next.exitCode, `${next.stdout}\n${next.stderr}`).toBe(0);
    const done = JSON.parse(next.stdout) as Summary;
    expect(done.plan.find((entry) => entry.recipe === 'tick')).toMatchObject({ kind: 'build', rebuild: planned?.rebuild, why: planned?.why });
    expect(done.jobs.map((job) => job.status)).toEqual(['published']);
    if (signal === 'SIGKILL') expect(next.stderr).toContain('took over a stale run lock');
    expect(summaryLine()).toBe(summary);
    await tick.verified(project);
  });

  it('case 43: a SIGKILLed run: its build container is removed at once, and `freshet status` shows the build interrupted', async () => {
    project.served.set('tick-2.0.tar.gz', await tick.tarball(project, '2.0', 120));
    const { logFile, done } = startRun('sigkill-container');
    let container: Awaited<ReturnType<typeof containersOf>>[number] | undefined;
    for (let waited = 0; waited < 600_000 && !container; waited += 500) {
      container = (await podman.listContainers(RUN_LABEL)).find((candidate) => candidate.name.startsWith('freshet-build-tick_debian-12_2.0_'));
      if (!container) await sleep(500);
    }
    expect(container, readFileSync(logFile, 'utf8')).toBeDefined();
    const pid = Number(container!.labels[OWNER_LABEL]!.split(':')[0]);
    process.kill(pid, 'SIGKILL');
    // Killed: no exit code (-1 here), and the log ends without a published line or a summary.
    expect((await done).exitCode).toBe(-1);
    expect(readFileSync(logFile, 'utf8')).not.toMatch(/: published|\d+ builds, \d+ published/);

    // The build sleeps 120 s: only the killed run's watchdog can have removed it within 30 s.
    await expectNoContainersOf(pid);
    const status = await cli(['--json', 'status']);
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/"status": "interrupted",\s*"error": "freshet was killed during the build"/);
    expect(status.stdout).not.toMatch(/"status": "running"/);
    await tick.verified(project);

    // A quick 2.1 replaces the slow 2.0; the next run builds and publishes it.
    project.served.set('tick-2.1.tar.gz', await tick.tarball(project, '2.1', 0));
    const next = await cli(['run']);
    expect(next.exitCode, `${next.stdout}\n${next.stderr}`).toBe(0);
    expect(next.stdout).toMatch(/tick debian-12 2\.1-\S+: published/);
    await tick.verified(project);
  });

  it('case 43: an image build of the images step ends with the SIGKILLed freshet that started it: none of its processes is left 30 s later', async () => {
    // The builder image is built by the engine client itself (podman build): its RUN steps are no
    // labelled container the watchdog could remove. A build that would take 300 s, started by the
    // engine code of the built CLI in a process that is then killed, as freshet would be.
    const marker = `freshet-test-orphan-build-${process.pid}-${Date.now()}`;
    const context = path.join(project.dir, marker);
    mkdirSync(context);
    writeFileSync(path.join(context, 'Containerfile'), `ARG BASE\nFROM $BASE\nRUN sleep 300 # ${marker}\n`);
    const spec: BuildSpec = { contextDir: context, containerfile: path.join(context, 'Containerfile'), tag: `localhost/${marker}`, buildArgs: { BASE: imageRef.base('debian-12') }, network: 'none' };
    const engine = path.resolve(import.meta.dirname, '../../dist/build/engine/podman/index.js');
    const script = `console.log('pid', process.pid); const { podman } = await import(${JSON.stringify(engine)}); await podman.buildImage(${JSON.stringify(spec)});`;
    const logFile = path.join(project.dir, `${marker}.log`);
    writeFileSync(logFile, '');
    const done = run('node', ['--input-type=module', '--eval', script], { allowFailure: true, logFile, timeoutMs: 600_000 });
    const pid = Number((await logged(logFile, /^pid (\d+)$/m, done))[1]);
    for (let waited = 0; waited < 120_000 && processesWith(`sleep 300 # ${marker}`).length === 0; waited += 500) await sleep(500);
    expect(processesWith(`sleep 300 # ${marker}`), readFileSync(logFile, 'utf8')).not.toEqual([]);

    process.kill(pid, 'SIGKILL');
    expect((await done).exitCode).toBe(-1);
    for (let waited = 0; waited < 30_000 && processesWith(marker).length > 0; waited += 1_000) await sleep(1_000);
    expect(processesWith(marker)).toEqual([]);
  });

  it('case 44: two runs at once: the second waits for the first, naming it; status, verify and --dry-run work meanwhile; nothing is built twice', async () => {
    const summary = changeRecipe();
    const folders = buildFolders();
    const first = await pausedRun('build', 'first-of-two');
    const second = startRun('second-of-two');
    const waiting = await logged(second.logFile, /waiting for another freshet run \(lock=\S+run\.lock pid=(\d+) host=\S+ since=(\S+)\)/, second.done);
    expect(Number(waiting[1])).toBe(first.pid);

    const dryRun = await cli(['--json', 'run', '--dry-run']);
    expect(dryRun.exitCode, dryRun.stderr).toBe(0);
    expect((JSON.parse(dryRun.stdout) as Plan).plan.find((entry) => entry.recipe === 'tick')).toMatchObject({
      kind: 'build',
      why: 'the previous build has not finished (a freshet is still running it)',
    });
    expect((await cli(['status'])).exitCode).toBe(0);
    await tick.verified(project);

    process.kill(first.pid, 'SIGUSR2');
    const firstDone = await first.done;
    expect(firstDone.exitCode, readFileSync(first.logFile, 'utf8')).toBe(0);
    expect(readFileSync(first.logFile, 'utf8')).toMatch(/tick debian-12 \S+: published/);
    const secondDone = await second.done;
    expect(secondDone.exitCode, readFileSync(second.logFile, 'utf8')).toBe(0);
    expect(readFileSync(second.logFile, 'utf8')).toContain('0 builds, 0 published, 1 with nothing to do');
    expect(buildFolders()).toBe(folders + 1);
    expect(summaryLine()).toBe(summary);
    await tick.verified(project);
  });
});
