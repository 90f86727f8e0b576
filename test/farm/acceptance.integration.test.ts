import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/pipeline/run.js';
import type { StatusDocument } from '../../src/report/schema.js';
import { StateStore } from '../../src/state/store.js';
import { expectAptInstallsLibgcrypt, expectDnfInstallsLibgcrypt } from '../acceptance/install-client.js';
import { buildCli } from '../reliability/tick-project.js';
import { cleanupAll, freePort, makeNetns, runCli, type CliProcess, type Netns } from './harness.js';
import { farmProject, type FarmProject } from './farm-project.js';

/**
 * The farm's acceptance test (issue 16): a real redis-server, `freshet run` as the coordinator, and
 * two `freshet worker` processes with work folders of their own: alpha on the host, beta in a
 * network namespace made here, with an address of its own, which reaches Redis and the
 * coordinator's transfer endpoint only through the namespace's veth (egress to the Debian mirror
 * only, for deps images and the gate's downloads). The bundled hello, libgpg-error and libgcrypt
 * (a chain: libgcrypt needs libgpg-error ≥ 1.56 from the archive) on debian-12 and debian-12-rpm,
 * built once; everything is asserted from that one run: both workers built, libgpg-error before
 * libgcrypt, the jobs plain JSON naming blobs by sha256, the archive verifies, and apt and dnf
 * install from it exactly as in the embedded mode (test/acceptance/chain-install).
 */
const TARGETS = ['debian-12', 'debian-12-rpm'] as const;
const RECIPES = ['hello', 'libgpg-error', 'libgcrypt'];
const QUEUES = { 'debian-12': 'freshet-debian-12-amd64', 'debian-12-rpm': 'freshet-debian-12-rpm-amd64' } as const;
const WORKERS = ['alpha', 'beta'];

let ns: Netns;
let farm: FarmProject;
let workers: CliProcess[] = [];
let serve: CliProcess | undefined;

beforeAll(async () => {
  await buildCli();
  ns = await makeNetns('accept', { egress: ['deb.debian.org'] });
  farm = await farmProject({ recipes: RECIPES, targets: [...TARGETS], workers: WORKERS, bind: [ns.hostAddress] });
  workers = [farm.startWorker('alpha'), farm.startWorker('beta', { netns: ns })];
  await Promise.all(workers.map((worker) => worker.waitForOutput(/freshet worker: taking jobs/, 60_000)));
}, 600_000);

afterAll(async () => {
  await serve?.stop();
  for (const worker of workers) await worker.stop();
  await cleanupAll();
  await farm?.close();
});

describe('the farm builds bundled recipes on two workers, one in a network namespace', () => {
  let summary: RunSummary;

  it('freshet run with queue: builds hello and the chain libgpg-error → libgcrypt on debian-12 and debian-12-rpm; both workers build; the archive verifies', async () => {
    const started = Date.now();
    const result = await farm.freshet(['--json', 'run']);
    const seconds = Math.round((Date.now() - started) / 1000);
    expect(result.exitCode, `${result.stderr.slice(-6000)}\n${workers.map((worker) => worker.output().slice(-3000)).join('\n')}`).toBe(0);
    summary = JSON.parse(result.stdout) as RunSummary;

    const jobs = summary.jobs.map((job) => ({ recipe: job.action.recipe, target: job.action.targetId, status: job.status, buildId: job.buildId }));
    expect(jobs.map(({ recipe, target, status }) => `${recipe} ${target} ${status}`).sort()).toEqual(
      RECIPES.flatMap((recipe) => TARGETS.map((target) => `${recipe} ${target} published`)).sort(),
    );
    // One publish per suite: the chain went live together.
    expect(summary.published.map((outcome) => outcome.suite).sort()).toEqual(['bookworm', 'debian-12-rpm']);
    for (const target of TARGETS) {
      const order = summary.order.find((entry) => entry.targetId === target)!;
      expect(order.chains, target).toEqual([['libgcrypt', 'libgpg-error']]);
      const stageOf = (recipe: string) => order.stages.findIndex((stage) => stage.includes(recipe));
      expect(stageOf('libgpg-error'), target).toBeLessThan(stageOf('libgcrypt'));
    }

    // The order as it happened: each target's libgcrypt started building only once libgpg-error's gate had passed.
    const state = StateStore.open(path.join(farm.dir, 'state'));
    try {
      for (const target of TARGETS) {
        const [provider] = state.builds({ recipe: 'libgpg-error', targetId: target });
        const [consumer] = state.builds({ recipe: 'libgcrypt', targetId: target });
        const gate = state.lastGate(provider!.id);
        expect(gate?.status, target).toBe('passed');
        expect(consumer!.startedAt >= gate!.at, `${target}: libgcrypt started ${consumer!.startedAt}, libgpg-error's gate passed ${gate!.at}`).toBe(true);
      }
    } finally {
      state.close();
    }

    // Who built and gated what, from status.json: every build and gate on a worker, and both workers built.
    const status = JSON.parse(readFileSync(path.join(farm.dir, 'archive/status.json'), 'utf8')) as StatusDocument;
    const builds = status.recipes.flatMap((recipe) => recipe.cells.map((cell) => ({ recipe: recipe.name, build: cell.build })));
    console.log(`farm acceptance: freshet run took ${seconds} s; ${builds.map(({ recipe, build }) => `${recipe} ${build?.target}: built by ${build?.worker}, gated by ${build?.gate?.worker}`).join('; ')}`);
    expect(builds).toHaveLength(RECIPES.length * TARGETS.length);
    for (const { build } of builds) expect([build?.worker, build?.gate?.worker].every((worker) => WORKERS.includes(worker!)), JSON.stringify(build)).toBe(true);
    expect(new Set(builds.map(({ build }) => build?.worker))).toEqual(new Set(WORKERS));
    for (const worker of workers) expect(worker.output()).toMatch(/farm job started/);
    // Each build was started on exactly one worker, once: nothing built twice.
    for (const { buildId } of jobs) {
      const starts = workers.flatMap((worker) => worker.output().split('\n')).filter((line) => line.includes(`farm job started (id=${buildId} kind=build`));
      expect(starts, buildId).toHaveLength(1);
    }
    expect(result.stderr).toMatch(/farm build finished.*worker.*(alpha|beta)/);

    // The jobs on the queue and their results are plain JSON naming files by sha256, with no path of
    // the coordinator's or a worker's folders (all under the project folder); libgcrypt's build job
    // carries the signed staging archive with libgpg-error in it, for its deps image.
    for (const { recipe, target, buildId } of jobs) {
      for (const id of [buildId, `${buildId}.gate`]) {
        const queue = QUEUES[target as keyof typeof QUEUES];
        const [data, returned] = await Promise.all(['data', 'returnvalue'].map((field) => farm.redis.command(['HGET', `bull:${queue}:${id}`, field])));
        const blob = { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) };
        const carriesArchive = id.endsWith('.gate') || recipe === 'libgcrypt';
        expect(JSON.parse(data!), id).toMatchObject({ spec: { id }, ...(carriesArchive ? { archive: { tree: blob } } : {}), ...(id.endsWith('.gate') ? {} : { source: blob }) });
        expect(JSON.parse(returned!), id).toMatchObject({ worker: expect.stringMatching(/^(alpha|beta)$/) });
        expect(`${data}\n${returned}`, id).not.toContain(farm.dir);
      }
    }

    // The published indexes list the farm's packages, staged from the coordinator's blob store.
    const bookworm = readFileSync(path.join(farm.dir, 'archive/dists/bookworm/main/binary-amd64/Packages'), 'utf8');
    for (const name of ['hello', 'libgpg-error0', 'libgcrypt20']) expect(bookworm).toMatch(new RegExp(`^Package: ${name}$`, 'm'));
    const rpms = readdirSync(path.join(farm.dir, 'archive/rpm/debian-12-rpm'), { recursive: true }).map(String);
    for (const name of ['hello-2', 'libgpg-error-1', 'libgcrypt-1']) expect(rpms.some((file) => path.basename(file).startsWith(name) && file.endsWith('.rpm')), name).toBe(true);
    // Once published, the jobs' inputs and uploads left the blob store, with their upload records.
    const farmState = path.join(farm.dir, 'state/farm');
    expect(readdirSync(path.join(farmState, 'blobs'), { recursive: true }).map(String).filter((file) => /[0-9a-f]{64}$/.test(file))).toEqual([]);
    expect(readdirSync(path.join(farmState, 'results'))).toEqual([]);

    const verified = await farm.freshet(['verify']);
    expect(verified.exitCode, `${verified.stdout}\n${verified.stderr}`).toBe(0);
    expect(verified.stdout).toContain('archive OK');
  }, 3_600_000);

  /** `freshet serve` on the coordinator's archive, on loopback: the clients' containers run on the host's network. */
  async function served(): Promise<string> {
    if (!serve) {
      const listen = `127.0.0.1:${await freePort()}`;
      serve = runCli(['--config', farm.configFile, 'serve', '--listen', listen], { cwd: farm.dir });
    }
    return `http://${serve.child.spawnargs.at(-1)}/`;
  }

  it('a clean debian-12 container set up from freshet serve installs libgcrypt with the farm-built libgpg-error, and the smoke command works', async () => {
    expect(summary, 'the farm run failed').toBeDefined();
    await expectAptInstallsLibgcrypt(await served(), `freshet-farm-accept-apt-${process.pid}`);
  }, 600_000);

  it('dnf resolves libgcrypt-devel and the farm-built libgpg-error in the served YUM repository; installed in the debian-12-rpm image, the smoke command works', async () => {
    expect(summary, 'the farm run failed').toBeDefined();
    await expectDnfInstallsLibgcrypt(await served(), `freshet-farm-accept-rpm-${process.pid}`);
  }, 600_000);
});
