import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getEngine } from '../../src/build/engine/api.js';
import { cleanupStaleContainers, WORKER_LABEL } from '../../src/build/labels.js';
import type { StatusDocument } from '../../src/report/schema.js';
import * as tick from '../reliability/tick-project.js';
import { farmProject, type FarmProject } from './farm-project.js';
import { cleanupAll, runCli, type CliProcess } from './harness.js';

/**
 * Faults of the build farm (docs/reliability.md, "Build farm and service"): a real redis-server,
 * `freshet run` as the coordinator and `freshet worker` processes (test/farm/farm-project.ts),
 * real dpkg-buildpackage builds in podman of two tiny recipes, tick and tock
 * (test/reliability/tick-project.ts), whose builds sleep long enough for a fault to land mid-build.
 * Each case has a project of its own; the upstream serving both is shared.
 */
const projects: FarmProject[] = [];
const LOCK_SECONDS = 5;
/** Long enough for a second worker to start while the first is building (case 53). */
const BUILD_SECONDS = 30;
let upstream: tick.TickProject;

beforeAll(async () => {
  upstream = await tick.tickProject('freshet-faults-upstream-');
  for (const name of ['tick', 'tock']) upstream.served.set(`${name}-1.0.tar.gz`, await tick.tarball(upstream, '1.0', BUILD_SECONDS, '', name));
});

afterEach(async () => {
  await cleanupAll();
  // A worker killed mid-build leaves its build container running (conmon keeps it).
  await cleanupStaleContainers(getEngine('podman'));
});

afterAll(async () => {
  for (const project of projects) await project.close();
  await upstream?.close();
});

async function project(recipes: Array<'tick' | 'tock'>, workers: string[]): Promise<FarmProject> {
  const made = await farmProject({ recipes: [], targets: ['debian-12'], workers, allowHosts: [`127.0.0.1:${upstream.port}`] });
  projects.push(made);
  for (const name of recipes) writeFileSync(path.join(made.dir, 'recipes', `${name}.yaml`), tick.recipeYaml(upstream, `A tiny package for the farm's fault tests.`, undefined, name));
  return made;
}

/** `freshet run` as a process of its own, so a test can kill it. */
function coordinator(farm: FarmProject): CliProcess {
  return runCli(['--config', farm.configFile, 'run'], { cwd: farm.dir });
}

async function until(condition: () => boolean, what: string, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The coordinator's output and the tail of each gate log, for a failure message. */
function diagnostics(farm: FarmProject, run: CliProcess): string {
  const builds = path.join(farm.dir, 'state/builds');
  const gateLogs = existsSync(builds)
    ? readdirSync(builds).flatMap((build) => {
        const file = path.join(builds, build, 'output/gate.log');
        return existsSync(file) ? [`--- ${build} gate.log\n${readFileSync(file, 'utf8').slice(-3000)}`] : [];
      })
    : [];
  return [run.output(), ...gateLogs].join('\n');
}

/** The job ids a worker started, in order, with the attempt number. */
function started(worker: CliProcess): Array<{ id: string; kind: string }> {
  return [...worker.output().matchAll(/farm job started \(id=(\S+) kind=(\w+)/g)].map((match) => ({ id: match[1]!, kind: match[2]! }));
}

/** Binary package stanzas of the debian-12 suite, by name. */
function published(farm: FarmProject): string[] {
  const packages = path.join(farm.dir, 'archive/dists/bookworm/main/binary-amd64/Packages');
  return [...readFileSync(packages, 'utf8').matchAll(/^Package: (\S+)$/gm)].map((match) => match[1]!);
}

function poolDebs(farm: FarmProject, recipe: string): string[] {
  const dir = path.join(farm.dir, 'archive/pool/main', recipe.slice(0, 1), recipe);
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.deb')) : [];
}

/** True once the build container runs the fixture's build step, which sleeps BUILD_SECONDS. */
function building(farm: FarmProject, worker: string, id: string): boolean {
  const logFile = path.join(farm.dir, `worker-${worker}`, 'jobs', id, 'output', 'build.log');
  return existsSync(logFile) && /^sh build\.sh$/m.test(readFileSync(logFile, 'utf8'));
}

describe('build farm faults', () => {
  it('case 53: a worker SIGKILLed mid-build: the job is taken as stalled, built on the other worker, published once; started again, the worker removes the build container it left, not the other worker\'s', async () => {
    const farm = await project(['tick'], ['w1', 'w2']);
    const first = farm.startWorker('w1', { lockSeconds: LOCK_SECONDS });
    await first.waitForOutput(/taking jobs/);
    const run = coordinator(farm);
    const [, id] = await first.waitForOutput(/farm job started \(id=(\S+) kind=build/);
    await until(() => building(farm, 'w1', id!), `${id} building on w1`);

    const second = farm.startWorker('w2', { lockSeconds: LOCK_SECONDS });
    await second.waitForOutput(/taking jobs/);
    await first.kill();
    // conmon keeps the killed worker's build container running; w1 started again removes it, and only it.
    const containersOf = async (worker: string) =>
      (await getEngine('podman').listContainers(WORKER_LABEL)).filter((container) => container.labels[WORKER_LABEL] === `${worker}@${path.join(farm.dir, `worker-${worker}`)}`).map((container) => container.id);
    const left = await containersOf('w1');
    expect(left).not.toEqual([]);
    await until(() => building(farm, 'w2', id!), `${id} building on w2`);
    const onSecond = await containersOf('w2');
    expect(onSecond).not.toEqual([]);
    const restarted = farm.startWorker('w1', { lockSeconds: LOCK_SECONDS });
    await restarted.waitForOutput(/taking jobs/);
    expect((await containersOf('w1')).filter((container) => left.includes(container))).toEqual([]);
    expect(await containersOf('w2')).toEqual(expect.arrayContaining(onSecond));

    const { code } = await run.done;
    expect(code, diagnostics(farm, run)).toBe(0);
    expect(started(second)).toContainEqual({ id: id!, kind: 'build' });
    expect(run.output()).toMatch(new RegExp(`farm build finished \\(id=${id!.replaceAll('.', '\\.')} worker=w2 status=`));
    // One build of tick reached the archive: one stanza per binary package, one .deb each.
    expect(published(farm).filter((name) => name === 'tick')).toHaveLength(1);
    expect(poolDebs(farm, 'tick').filter((name) => name.startsWith('tick_'))).toHaveLength(1);
    const status = JSON.parse(readFileSync(path.join(farm.dir, 'archive/status.json'), 'utf8')) as StatusDocument;
    expect(status.recipes.flatMap((recipe) => recipe.cells.map((cell) => cell.build?.worker))).toEqual(['w2']);
  });

  it('case 54: redis-server restarted mid-run: no job is lost, every recipe is published', async () => {
    const farm = await project(['tick', 'tock'], ['w1', 'w2']);
    const workers = [farm.startWorker('w1', { lockSeconds: LOCK_SECONDS }), farm.startWorker('w2', { lockSeconds: LOCK_SECONDS })];
    await Promise.all(workers.map((worker) => worker.waitForOutput(/taking jobs/)));
    const run = coordinator(farm);
    const [, id] = await Promise.race(workers.map((worker) => worker.waitForOutput(/farm job started \(id=(\S+) kind=build/)));
    const holder = workers.find((worker) => started(worker).some((job) => job.id === id))!;
    await until(() => building(farm, holder === workers[0] ? 'w1' : 'w2', id!), `${id} building`);

    // SIGTERM: redis writes its AOF on the way out; everyone loses the connection for a while.
    await farm.redis.stop();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await farm.redis.restart();

    const { code } = await run.done;
    expect(code, diagnostics(farm, run)).toBe(0);
    expect(published(farm)).toEqual(expect.arrayContaining(['tick', 'tock']));
    // Every build job the workers took is recorded as completed in the restarted redis.
    const builds = new Set(workers.flatMap((worker) => started(worker).filter((job) => job.kind === 'build').map((job) => job.id)));
    expect(builds.size).toBe(2);
    for (const build of builds) expect(await farm.redis.command(['ZSCORE', 'bull:freshet-debian-12-amd64:completed', build]), build).not.toBeNull();
  });

  it('case 55: the coordinator killed mid-run and started again completes without rebuilding finished jobs', async () => {
    const farm = await project(['tick', 'tock'], ['w1']);
    const worker = farm.startWorker('w1', { lockSeconds: LOCK_SECONDS });
    await worker.waitForOutput(/taking jobs/);
    const first = coordinator(farm);
    // One build finished (the coordinator has its result), the next one in flight on the worker.
    const [, finishedId] = await first.waitForOutput(/farm build finished \(id=(\S+) /);
    await until(() => started(worker).some((job) => job.kind === 'build' && job.id !== finishedId), 'a second build started');
    await first.kill();

    const second = coordinator(farm);
    const { code } = await second.done;
    expect(code, diagnostics(farm, second)).toBe(0);
    const builds = started(worker).filter((job) => job.kind === 'build').map((job) => job.id);
    // One build per recipe on the worker: the restart took the finished one's result and waited for
    // the one in flight, under the same job ids, instead of planning them again.
    expect(builds.filter((id) => id === finishedId)).toHaveLength(1);
    expect(builds).toHaveLength(2);
    expect(published(farm)).toEqual(expect.arrayContaining(['tick', 'tock']));
  });
});
